"""Tracing never breaks DSPy: injected faults, disable / re-enable, no double callbacks."""

from __future__ import annotations

import subprocess
import sys
import threading
from typing import Any

import dspy
import pytest
from dspy.utils.dummies import DummyLM

import spanscope
import spanscope.dspy
from spanscope.dspy import _callback, _messages
from spanscope.integrations import registered
from spanscope.testing import TraceCapture, strict_mode
from spanscope.tracing.context import CURRENT_SPAN
from spanscope.tracing.live_span import LiveSpan
from tests.dspy.helpers import PREDICT_TREE, QUESTION, outline


def ours() -> list[Any]:
    return [c for c in dspy.settings.callbacks if isinstance(c, _callback.SpanscopeCallback)]


def boom(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("injected fault")


def predict() -> Any:
    with dspy.context(lm=DummyLM([{"answer": "blue"}])):
        return dspy.Predict("question -> answer")(question=QUESTION)


@pytest.mark.internal_errors
def test_a_fault_recording_outputs_leaves_the_call_and_ends_the_spans(
    monkeypatch: pytest.MonkeyPatch, spanscope_traces: TraceCapture
) -> None:
    monkeypatch.setattr(_messages, "output_messages", boom)
    with strict_mode(False):
        prediction = predict()

    assert prediction.answer == "blue"
    assert spanscope.tracing.stats().internal_errors == 1
    assert outline(spanscope_traces.single()) == PREDICT_TREE  # every span still ended
    assert CURRENT_SPAN.get() is None


@pytest.mark.internal_errors
def test_a_fault_opening_spans_leaves_the_call_alone(
    monkeypatch: pytest.MonkeyPatch, spanscope_traces: TraceCapture
) -> None:
    monkeypatch.setattr(_messages, "call_inputs", boom)
    with strict_mode(False):
        prediction = predict()

    assert prediction.answer == "blue"
    assert spanscope.tracing.stats().internal_errors == 3  # Predict and the two adapter calls
    assert outline(spanscope_traces.single()) == ["DummyLM [CHAT_MODEL]"]
    assert CURRENT_SPAN.get() is None


@pytest.mark.internal_errors
def test_a_fault_ending_the_spans_is_reported_as_spanscope_s(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Not left to escape into DSPy, which would log it as a callback's failure and not count
    # it.
    monkeypatch.setattr(LiveSpan, "end", boom)
    with strict_mode(False):
        prediction = predict()

    assert prediction.answer == "blue"
    assert spanscope.tracing.stats().internal_errors == 4  # Predict, format, the LM, parse
    assert CURRENT_SPAN.get() is None


def test_disable_removes_the_callback_and_autolog_again_never_doubles(
    spanscope_traces: TraceCapture,
) -> None:
    spanscope.dspy.autolog()
    assert len(ours()) == 1
    predict()
    assert outline(spanscope_traces.single()) == PREDICT_TREE

    spanscope.dspy.autolog(disable=True)
    assert ours() == []
    predict()
    assert len(spanscope_traces.traces) == 1

    spanscope.dspy.autolog()
    predict()
    assert len(spanscope_traces.traces) == 2


def test_spanscope_autolog_turns_dspy_on(spanscope_traces: TraceCapture) -> None:
    spanscope.dspy.autolog(disable=True)
    spanscope.autolog(exclude=[i.name for i in registered() if i.name != "dspy"])
    assert len(ours()) == 1
    predict()
    assert outline(spanscope_traces.single()) == PREDICT_TREE


def test_reset_removes_the_callback() -> None:
    spanscope.tracing.reset()
    assert ours() == []


def test_autolog_from_another_thread_leaves_dspy_configure_to_the_application(
    spanscope_traces: TraceCapture,
) -> None:
    # dspy.configure() may only be called by the thread that called it first; autolog does
    # not call it, so it works from any thread and does not take that right away.
    spanscope.dspy.autolog(disable=True)
    worker = threading.Thread(target=spanscope.dspy.autolog)
    worker.start()
    worker.join()
    assert len(ours()) == 1
    predict()
    assert outline(spanscope_traces.single()) == PREDICT_TREE


def test_nothing_is_recorded_while_tracing_is_disabled(spanscope_traces: TraceCapture) -> None:
    spanscope.tracing.disable()
    try:
        prediction = predict()
    finally:
        spanscope.tracing.enable()

    assert prediction.answer == "blue"
    assert spanscope_traces.traces == []


def test_importing_the_integration_does_not_import_dspy() -> None:
    code = "import sys, spanscope.dspy; assert 'dspy' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
