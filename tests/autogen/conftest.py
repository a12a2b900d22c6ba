"""Fixtures: the fake provider server and AutoGen's OpenAI model client, traced by autolog."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

import spanscope.autogen
from spanscope.testing.fake_llm import FakeLLMServer
from spanscope.testing.fake_llm.fixtures import fake_llm

pytest.importorskip("autogen_agentchat")
pytest.importorskip("autogen_ext.models.openai")

__all__ = ["fake_llm"]

# A model AutoGen knows by this name: a short alias is resolved to it, with a warning.
MODEL = "gpt-4o-mini-2024-07-18"


def make_client(server: FakeLLMServer, **kwargs: Any) -> Any:
    from autogen_ext.models.openai import OpenAIChatCompletionClient

    return OpenAIChatCompletionClient(
        model=MODEL, base_url=server.openai_base_url, api_key="sk-fake", max_retries=0, **kwargs
    )


@pytest.fixture
def traced() -> None:
    """Autolog on (the suite's per-test reset reverts it)."""
    spanscope.autogen.autolog()


@pytest.fixture
async def client(fake_llm: FakeLLMServer, traced: None) -> AsyncIterator[Any]:
    model_client = make_client(fake_llm, stream_options={"include_usage": True})
    yield model_client
    await model_client.close()
