"""Fixtures: a fake provider server whose replies a test scripts, and no provider settings
from the environment (a judge must never reach a real endpoint)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from spanscope.evaluation.judges import model
from spanscope.testing.fake_llm import FakeLLMServer
from tests.evaluation.scripted import Script

PROVIDER_ENV = (
    "OPENAI_BASE_URL",
    "OPENAI_API_KEY",
    "ANTHROPIC_BASE_URL",
    "ANTHROPIC_API_KEY",
    "OLLAMA_HOST",
    "SPANSCOPE_JUDGE_MODEL",
)


@pytest.fixture(autouse=True)
def _no_provider_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROVIDER_ENV:
        monkeypatch.delenv(name, raising=False)
    # Retries wait no time here: the tests count attempts, never time them.
    monkeypatch.setattr(model, "_BACKOFF_S", 0.0)
    monkeypatch.setattr(model, "_BACKOFF_CAP_S", 0.0)  # a Retry-After longer is not waited for


@pytest.fixture
def script() -> Script:
    return Script()


@pytest.fixture
def server(script: Script) -> Iterator[FakeLLMServer]:
    with FakeLLMServer(reply=script) as running:
        yield running
