"""Tracing never breaks LlamaIndex: injected faults, disable / re-enable, no double handlers."""

from __future__ import annotations

import importlib
import importlib.machinery
import subprocess
import sys
from typing import Any

import pytest
from llama_index.core import Settings
from llama_index.core.llms import ChatMessage
from llama_index_instrumentation import get_dispatcher

import spanscope
import spanscope.llama_index
from spanscope.integrations import registered
from spanscope.llama_index import _handler, _messages
from spanscope.testing import TraceCapture, strict_mode
from spanscope.tracing.context import CURRENT_SPAN
from tests.llama_index.helpers import outline

MESSAGES = [ChatMessage(role="user", content="Hi")]


def ours() -> tuple[list[Any], list[Any]]:
    root = get_dispatcher()
    return (
        [h for h in root.span_handlers if isinstance(h, _handler.SpanscopeSpanHandler)],
        [h for h in root.event_handlers if isinstance(h, _handler.SpanscopeEventHandler)],
    )


def boom(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("injected fault")


@pytest.mark.internal_errors
def test_a_fault_in_an_event_leaves_the_call_and_its_span_alone(
    monkeypatch: pytest.MonkeyPatch, spanscope_traces: TraceCapture
) -> None:
    monkeypatch.setattr(_messages, "usage_of", boom)
    with strict_mode(False):
        reply = Settings.llm.chat(MESSAGES)

    assert reply.message.content == "text text text text"
    assert spanscope.tracing.stats().internal_errors >= 1
    trace = spanscope_traces.single()  # the spans still end, with what they had
    assert outline(trace) == ["MockLLM.chat [CHAT_MODEL]", "  MockLLM.complete [LLM]"]
    assert CURRENT_SPAN.get() is None


@pytest.mark.internal_errors
def test_a_fault_opening_spans_leaves_the_call_alone(
    monkeypatch: pytest.MonkeyPatch, spanscope_traces: TraceCapture
) -> None:
    monkeypatch.setattr(_handler, "inputs_of", boom)
    with strict_mode(False):
        reply = Settings.llm.chat(MESSAGES)
        stream = list(Settings.llm.stream_chat(MESSAGES))

    assert reply.message.content == "text text text text"
    assert len(stream) == 4
    assert spanscope.tracing.stats().internal_errors >= 4
    assert spanscope_traces.traces == []
    assert CURRENT_SPAN.get() is None


@pytest.mark.internal_errors
def test_a_fault_ending_spans_leaves_the_result_alone(
    monkeypatch: pytest.MonkeyPatch, spanscope_traces: TraceCapture
) -> None:
    monkeypatch.setattr(_handler, "outputs_of", boom)
    with strict_mode(False):
        reply = Settings.llm.chat(MESSAGES)

    assert reply.message.content == "text text text text"
    assert spanscope.tracing.stats().internal_errors >= 1
    assert CURRENT_SPAN.get() is None  # the span was made current, and given back
    # The spans still end (without outputs), so the trace is not left open.
    assert outline(spanscope_traces.single()) == [
        "MockLLM.chat [CHAT_MODEL]",
        "  MockLLM.complete [LLM]",
    ]


def test_disable_removes_the_handlers_and_autolog_again_never_doubles(
    spanscope_traces: TraceCapture,
) -> None:
    assert [len(found) for found in ours()] == [1, 1]
    spanscope.llama_index.autolog()
    assert [len(found) for found in ours()] == [1, 1]
    Settings.llm.complete("Hi")
    assert outline(spanscope_traces.single()) == ["MockLLM.complete [LLM]"]

    spanscope.llama_index.autolog(disable=True)
    assert ours() == ([], [])
    Settings.llm.complete("Hi")
    assert len(spanscope_traces.traces) == 1

    spanscope.llama_index.autolog()
    Settings.llm.complete("Hi")
    assert len(spanscope_traces.traces) == 2


def test_spanscope_autolog_turns_llama_index_on(spanscope_traces: TraceCapture) -> None:
    spanscope.llama_index.autolog(disable=True)
    spanscope.autolog(exclude=[i.name for i in registered() if i.name != "llama_index"])
    assert [len(found) for found in ours()] == [1, 1]
    Settings.llm.complete("Hi")
    assert outline(spanscope_traces.single()) == ["MockLLM.complete [LLM]"]


def test_spanscope_autolog_can_wait_for_llama_index_to_be_imported() -> None:
    # What the import system finds before the module is imported (find_spec would return the
    # spec of the module already imported here, loader filled in).
    name = spanscope.llama_index.INTEGRATION.library
    parent = name.rpartition(".")[0]
    path = importlib.import_module(parent).__path__ if parent else None
    spec = importlib.machinery.PathFinder.find_spec(name, path)
    assert spec is not None and spec.loader is not None


def test_reset_removes_the_handlers() -> None:
    spanscope.tracing.reset()
    assert ours() == ([], [])


def test_nothing_is_recorded_while_tracing_is_disabled(spanscope_traces: TraceCapture) -> None:
    spanscope.tracing.disable()
    try:
        reply = Settings.llm.chat(MESSAGES)
    finally:
        spanscope.tracing.enable()

    assert reply.message.content == "text text text text"
    assert spanscope_traces.traces == []


def test_importing_the_integration_does_not_import_llama_index() -> None:
    code = "import sys, spanscope.llama_index; assert 'llama_index.core' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
