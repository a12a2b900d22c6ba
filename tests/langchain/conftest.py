"""LangChain tests: autolog on, LangSmith off (it would try the network), spans captured."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import spanscope.langchain
from spanscope.testing import TraceCapture, capture_traces

pytest.importorskip("langchain_core")

_LANGSMITH_ENV = ("LANGSMITH_TRACING", "LANGCHAIN_TRACING_V2", "LANGSMITH_API_KEY")


@pytest.fixture(autouse=True)
def _autolog(_fresh_tracing: None, monkeypatch: pytest.MonkeyPatch) -> None:
    # After the suite-wide reset, which turns the switch off again after the test.
    for name in _LANGSMITH_ENV:
        monkeypatch.delenv(name, raising=False)
    spanscope.langchain.autolog()


@pytest.fixture
def traces() -> Iterator[TraceCapture]:
    with capture_traces() as captured:
        yield captured
