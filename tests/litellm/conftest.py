"""Fixtures: litellm imported offline, pointed at the fake server, with autolog turned on."""

from __future__ import annotations

import asyncio
import os
import warnings
from collections.abc import Iterator
from typing import Any

import pytest

import spanscope.litellm
from spanscope.testing.fake_llm import FakeLLMServer
from spanscope.testing.fake_llm.fixtures import fake_llm

__all__ = ["fake_llm", "openai_options", "traced"]

# Without this, importing litellm fetches its price list from the internet.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
litellm = pytest.importorskip("litellm")


@pytest.fixture(autouse=True)
def _offline_litellm(fake_llm: FakeLLMServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(litellm, "suppress_debug_info", True)
    # litellm's ollama provider asks /api/show at OLLAMA_API_BASE, whatever api_base says.
    monkeypatch.setenv("OLLAMA_API_BASE", fake_llm.ollama_host)


@pytest.fixture(autouse=True)
def _close_litellm_event_loop() -> Iterator[None]:
    """litellm's sync calls give the main thread an event loop (`asyncio.get_event_loop()`
    in its service logging) that nobody closes; close it, or its GC warns at exit."""
    yield
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            loop = asyncio.get_event_loop_policy().get_event_loop()
        except RuntimeError:
            return
    if not loop.is_running():
        loop.close()
        asyncio.set_event_loop(None)


@pytest.fixture
def traced() -> Iterator[None]:
    spanscope.litellm.autolog()
    yield
    spanscope.litellm.autolog(disable=True)


@pytest.fixture
def openai_options(fake_llm: FakeLLMServer) -> dict[str, Any]:
    """litellm's OpenAI provider, aimed at the fake server."""
    return {"api_base": fake_llm.openai_base_url, "api_key": "sk-fake", "max_retries": 0}
