"""The real openai SDK over HTTP against the fake server, with `spanscope.openai.autolog()` on."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

import spanscope.openai
from spanscope.testing.fake_llm import FakeLLMServer

openai = pytest.importorskip("openai")


@pytest.fixture(scope="session")
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer() as running:
        yield running


@pytest.fixture(autouse=True)
def _autolog(_fresh_tracing: None) -> None:
    # After the suite-wide reset (which reverts the patches again after the test).
    spanscope.openai.autolog()


@pytest.fixture
def client(server: FakeLLMServer) -> Iterator[Any]:
    with openai.OpenAI(base_url=server.openai_base_url, api_key="sk-fake", max_retries=0) as c:
        yield c


@pytest.fixture
async def aclient(server: FakeLLMServer) -> AsyncIterator[Any]:
    async with openai.AsyncOpenAI(
        base_url=server.openai_base_url, api_key="sk-fake", max_retries=0
    ) as c:
        yield c
