"""Fixtures: the fake provider server and real Cohere v2 clients traced by autolog."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

import spanscope.cohere
from spanscope.testing.fake_llm import FakeLLMServer
from spanscope.testing.fake_llm.fixtures import fake_llm

cohere = pytest.importorskip("cohere")

__all__ = ["fake_llm"]


def make_client(server: FakeLLMServer) -> Any:
    # No retries: a requested failure reaches the caller on the first answer.
    return cohere.ClientV2(api_key="co-fake", base_url=server.cohere_base_url, max_retries=0)


def make_async_client(server: FakeLLMServer) -> Any:
    return cohere.AsyncClientV2(api_key="co-fake", base_url=server.cohere_base_url, max_retries=0)


@pytest.fixture
def traced() -> None:
    """Autolog on (the suite's per-test reset reverts it)."""
    spanscope.cohere.autolog()


@pytest.fixture
def client(fake_llm: FakeLLMServer, traced: None) -> Iterator[Any]:
    with make_client(fake_llm) as c:
        yield c


@pytest.fixture
async def aclient(fake_llm: FakeLLMServer, traced: None) -> AsyncIterator[Any]:
    async with make_async_client(fake_llm) as c:
        yield c
