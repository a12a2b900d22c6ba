"""Fixtures: the fake provider server and real Mistral clients traced by autolog."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import spanscope.mistral
from spanscope.testing.fake_llm import FakeLLMServer
from spanscope.testing.fake_llm.fixtures import fake_llm

pytest.importorskip("mistralai.client")

__all__ = ["fake_llm"]


@pytest.fixture(autouse=True)
def _no_telemetry(monkeypatch: pytest.MonkeyPatch) -> None:
    # The SDK's own trace export is opt-in; kept off whatever the environment says.
    monkeypatch.setenv("MISTRAL_SDK_TELEMETRY", "false")


def make_client(server: FakeLLMServer) -> Any:
    from mistralai.client import Mistral

    return Mistral(api_key="mistral-fake", server_url=server.mistral_base_url)


@pytest.fixture
def traced() -> None:
    """Autolog on (the suite's per-test reset reverts it)."""
    spanscope.mistral.autolog()


@pytest.fixture
def client(fake_llm: FakeLLMServer, traced: None) -> Iterator[Any]:
    with make_client(fake_llm) as c:
        yield c
