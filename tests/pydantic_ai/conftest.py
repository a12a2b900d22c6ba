"""The real Pydantic AI with an OpenAI chat model pointed at the fake OpenAI server, with
`spanscope.pydantic_ai.autolog()` on."""

from __future__ import annotations

import asyncio
import inspect
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

import spanscope.pydantic_ai
from spanscope.testing.fake_llm import FakeLLMServer
from spanscope.testing.fake_llm.fixtures import fake_llm

# No Logfire in these tests: Pydantic AI reads this only when Logfire is configured.
os.environ.setdefault("LOGFIRE_SEND_TO_LOGFIRE", "false")

pytest.importorskip("pydantic_ai")

if TYPE_CHECKING:
    from pydantic_ai import Agent

__all__ = ["fake_llm", "make_agent", "model"]

MODEL = "gpt-4o-mini"


def model(server: FakeLLMServer) -> Any:
    """An OpenAI chat model on the fake server, without retries (an error is an error).

    No kept-alive connections: `run_sync` runs on an event loop of Pydantic AI's, and a pooled
    socket would outlive the test (an unclosed-socket warning)."""
    import httpx
    from openai import AsyncOpenAI
    from pydantic_ai.models.openai import OpenAIChatModel
    from pydantic_ai.providers.openai import OpenAIProvider

    client = AsyncOpenAI(
        base_url=server.openai_base_url,
        api_key="sk-fake",
        max_retries=0,
        http_client=httpx.AsyncClient(limits=httpx.Limits(max_keepalive_connections=0)),
    )
    return OpenAIChatModel(MODEL, provider=OpenAIProvider(openai_client=client))


def make_agent(server: FakeLLMServer, **options: Any) -> Agent[None, Any]:
    from pydantic_ai import Agent

    return Agent(model(server), name="assistant", instructions="Be brief.", **options)


@pytest.fixture(autouse=True)
def _autolog(_fresh_tracing: None) -> None:
    # After the suite-wide reset, which reverts it again after the test.
    spanscope.pydantic_ai.autolog()


@pytest.fixture
def server(fake_llm: FakeLLMServer) -> FakeLLMServer:
    fake_llm.reset()
    return fake_llm


@pytest.fixture(autouse=True)
def _event_loop(request: pytest.FixtureRequest) -> Iterator[None]:
    """A loop for `run_sync`, closed after the test: Pydantic AI runs sync calls on the current
    event loop and creates one (never closed) when there is none."""
    if inspect.iscoroutinefunction(request.function):
        yield  # pytest-asyncio's loop
        return
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        yield
    finally:
        asyncio.set_event_loop(None)
        loop.close()
