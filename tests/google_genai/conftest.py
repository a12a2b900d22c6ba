"""Fixtures: the fake provider server and real google-genai clients traced by autolog."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

import spanscope.google_genai
from spanscope.testing.fake_llm import FakeLLMServer
from spanscope.testing.fake_llm.fixtures import fake_llm

genai = pytest.importorskip("google.genai")

__all__ = ["fake_llm"]


def make_client(server: FakeLLMServer) -> Any:
    from google.genai import types

    return genai.Client(
        api_key="gemini-fake", http_options=types.HttpOptions(base_url=server.gemini_base_url)
    )


@pytest.fixture
def traced() -> None:
    """Autolog on (the suite's per-test reset reverts it)."""
    spanscope.google_genai.autolog()


@pytest.fixture
def client(fake_llm: FakeLLMServer, traced: None) -> Iterator[Any]:
    with make_client(fake_llm) as c:
        yield c


@pytest.fixture
async def aclient(fake_llm: FakeLLMServer, traced: None) -> AsyncIterator[Any]:
    async with make_client(fake_llm).aio as c:
        yield c
