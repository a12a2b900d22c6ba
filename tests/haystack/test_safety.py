"""Tracing never breaks Haystack: faults injected into spanscope's own steps."""

from __future__ import annotations

from typing import Any

import pytest

import spanscope
from spanscope.haystack import _messages
from spanscope.testing import TraceCapture, strict_mode
from spanscope.testing.conformance.fixtures.haystack import rag_pipeline, run_closed
from spanscope.testing.fake_llm import FakeLLMServer
from spanscope.tracing.context import CURRENT_SPAN
from spanscope.tracing.live_span import LiveSpan
from tests.outline import outline


def boom(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("injected fault")


def _answer(server: FakeLLMServer) -> str:
    return str(run_closed(rag_pipeline(server))["llm"]["replies"][0].text)


@pytest.mark.internal_errors
def test_a_fault_recording_a_reply_leaves_the_run_and_ends_the_spans(
    fake_llm: FakeLLMServer, monkeypatch: pytest.MonkeyPatch, spanscope_traces: TraceCapture
) -> None:
    monkeypatch.setattr(_messages, "reply_meta", boom)
    with strict_mode(False):
        answer = _answer(fake_llm)

    assert answer.startswith("You said:")
    assert spanscope.tracing.stats().internal_errors == 1
    assert outline(spanscope_traces.single()) == [
        "Pipeline [CHAIN]",
        "  retriever [RETRIEVER]",
        "  prompt_builder [CHAIN]",
        "  llm [CHAT_MODEL]",
    ]
    assert CURRENT_SPAN.get() is None


@pytest.mark.internal_errors
def test_a_fault_opening_spans_leaves_the_run_alone(
    fake_llm: FakeLLMServer, monkeypatch: pytest.MonkeyPatch, spanscope_traces: TraceCapture
) -> None:
    monkeypatch.setattr(_messages, "component_kind", boom)
    with strict_mode(False):
        answer = _answer(fake_llm)

    assert answer.startswith("You said:")
    assert spanscope.tracing.stats().internal_errors == 3  # each component's span
    assert outline(spanscope_traces.single()) == ["Pipeline [CHAIN]"]
    assert CURRENT_SPAN.get() is None


@pytest.mark.internal_errors
def test_a_fault_ending_the_spans_is_spanscope_s(
    fake_llm: FakeLLMServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(LiveSpan, "end", boom)
    with strict_mode(False):
        answer = _answer(fake_llm)

    assert answer.startswith("You said:")
    assert spanscope.tracing.stats().internal_errors == 4  # the pipeline and its components
    assert CURRENT_SPAN.get() is None
