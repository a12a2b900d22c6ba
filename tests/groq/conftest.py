"""Fixtures: the fake provider server and real Groq clients traced by autolog."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import spanscope.groq
from spanscope.testing.fake_llm import FakeLLMServer
from spanscope.testing.fake_llm.fixtures import fake_llm

groq = pytest.importorskip("groq")

__all__ = ["fake_llm"]

MODEL = "llama-3.1-8b-instant"
QUESTION = "What is the weather in Paris?"
ANSWER = f"You said: {QUESTION}"
CREATE = "groq.chat.completions.create"
USER: Any = [{"role": "user", "content": QUESTION}]
WEATHER: Any = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}


def make_client(server: FakeLLMServer) -> Any:
    return groq.Groq(api_key="gsk-fake", base_url=server.groq_base_url, max_retries=0)


def make_async_client(server: FakeLLMServer) -> Any:
    return groq.AsyncGroq(api_key="gsk-fake", base_url=server.groq_base_url, max_retries=0)


@pytest.fixture
def traced() -> None:
    """Autolog on (the suite's per-test reset reverts it)."""
    spanscope.groq.autolog()


@pytest.fixture
def client(fake_llm: FakeLLMServer, traced: None) -> Iterator[Any]:
    with make_client(fake_llm) as c:
        yield c
