"""The real Agents SDK against the fake OpenAI server, with `spanscope.openai_agents.autolog()`
on beside an application's own tracing processor."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

import spanscope.openai_agents
from spanscope.testing.fake_llm import FakeLLMServer
from spanscope.testing.fake_llm.fixtures import fake_llm
from tests.openai_agents.helpers import RecordingProcessor

agents = pytest.importorskip("agents")
openai = pytest.importorskip("openai")

__all__ = ["fake_llm"]


@pytest.fixture(autouse=True)
def app_processor() -> Iterator[RecordingProcessor]:
    """The application's own processor in place of the SDK's default one, which would export
    to the OpenAI platform (tests reach 127.0.0.1 only); the SDK's list is put back after."""
    from agents.tracing import get_trace_provider

    multi = getattr(get_trace_provider(), "_multi_processor")  # noqa: B009 - the SDK's list
    saved = list(multi._processors)
    recorder = RecordingProcessor()
    agents.set_trace_processors([recorder])
    yield recorder
    agents.set_trace_processors(saved)


@pytest.fixture(autouse=True)
def traced(app_processor: RecordingProcessor, _fresh_tracing: None) -> None:
    """Autolog on (the suite's per-test reset removes the processor again)."""
    spanscope.openai_agents.autolog()


@pytest.fixture
async def client(fake_llm: FakeLLMServer) -> AsyncIterator[Any]:
    fake_llm.reset()
    async with openai.AsyncOpenAI(
        base_url=fake_llm.openai_base_url, api_key="sk-fake", max_retries=0
    ) as c:
        yield c
