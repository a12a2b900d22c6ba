"""Fixtures: the fake server, clients pointed at it, and ollama autolog turned on."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

import spanscope.ollama
from spanscope.testing.fake_llm import FakeLLMServer
from spanscope.testing.fake_llm.fixtures import fake_llm

__all__ = ["aclient", "client", "fake_llm", "module_client", "traced"]

ollama = pytest.importorskip("ollama")


@pytest.fixture
def traced() -> Iterator[None]:
    spanscope.ollama.autolog()
    yield
    spanscope.ollama.autolog(disable=True)


@pytest.fixture
def client(fake_llm: FakeLLMServer) -> Iterator[Any]:
    with ollama.Client(host=fake_llm.ollama_host) as c:
        yield c


@pytest.fixture
async def aclient(fake_llm: FakeLLMServer) -> AsyncIterator[Any]:
    async with ollama.AsyncClient(host=fake_llm.ollama_host) as c:
        yield c


@pytest.fixture
def module_client(fake_llm: FakeLLMServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """`ollama.chat` & co. are methods of a client built at `import ollama` from OLLAMA_HOST;
    give that very client an HTTP session to the fake server, keeping the module's objects."""
    module_level = ollama._client  # the package attribute is that Client (not the submodule)
    with ollama.Client(host=fake_llm.ollama_host) as pointed:
        monkeypatch.setattr(module_level, "_client", pointed._client)
        yield module_level
