"""Fixtures: the fake provider server and real anthropic SDK clients traced by autolog."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

import spanscope.anthropic
from spanscope.testing.fake_llm import FakeLLMServer
from spanscope.testing.fake_llm.fixtures import fake_llm

anthropic = pytest.importorskip("anthropic")

__all__ = ["fake_llm"]


@pytest.fixture
def traced() -> None:
    """Autolog on (the suite's per-test reset reverts it)."""
    spanscope.anthropic.autolog()


@pytest.fixture
def client(fake_llm: FakeLLMServer, traced: None) -> Iterator[Any]:
    with anthropic.Anthropic(
        base_url=fake_llm.anthropic_base_url, api_key="sk-ant-fake", max_retries=0
    ) as c:
        yield c


@pytest.fixture
async def aclient(fake_llm: FakeLLMServer, traced: None) -> AsyncIterator[Any]:
    async with anthropic.AsyncAnthropic(
        base_url=fake_llm.anthropic_base_url, api_key="sk-ant-fake", max_retries=0
    ) as c:
        yield c


@pytest.fixture
def untraced_reply(fake_llm: FakeLLMServer) -> Iterator[Callable[..., dict[str, Any]]]:
    """The fake server's non-streamed Message for a request, as JSON, without any patched path
    (the client's low-level `post`): what a streamed span's assembled output must equal."""
    with anthropic.Anthropic(
        base_url=fake_llm.anthropic_base_url, api_key="sk-ant-fake", max_retries=0
    ) as plain:

        def reply(**body: Any) -> dict[str, Any]:
            body.pop("stream", None)
            message = plain.post("/v1/messages", body=body, cast_to=anthropic.types.Message)
            dumped: dict[str, Any] = message.model_dump(mode="json")
            return dumped

        yield reply
