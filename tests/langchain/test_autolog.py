"""Turning LangChain tracing on and off, bounded bookkeeping, and faults in our own handler."""

from __future__ import annotations

import subprocess
import sys
import uuid
from typing import Any

import pytest
from langchain_core.runnables import RunnableLambda

import spanscope
import spanscope.langchain
from spanscope.integrations import registered
from spanscope.langchain import _messages, _switch
from spanscope.langchain._registration import HANDLER
from spanscope.patching import is_patched
from spanscope.testing import TraceCapture, strict_mode
from tests.langchain.helpers import chat, leaf, tree

UPPER = RunnableLambda(str.upper)
CAPITAL = {"role": "user", "content": "CAPITAL?"}


def test_importing_the_integration_does_not_import_langchain() -> None:
    code = "import sys, spanscope.langchain; sys.exit('langchain_core' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_disable_and_enable_again(traces: TraceCapture) -> None:
    spanscope.langchain.autolog(disable=True)
    assert not is_patched("langchain") and _switch.is_active() is False
    assert UPPER.invoke("off") == "OFF"
    assert traces.traces == []
    spanscope.langchain.autolog()
    UPPER.invoke("on")
    assert tree(traces.single()) == [leaf("upper", "CHAIN", "on", "ON")]


def test_autolog_twice_records_each_run_once(traces: TraceCapture) -> None:
    spanscope.langchain.autolog()
    spanscope.langchain.autolog()
    UPPER.invoke("x")
    assert len(traces.single().data.spans) == 1


def test_spanscope_autolog_turns_langchain_on(traces: TraceCapture) -> None:
    spanscope.langchain.autolog(disable=True)
    spanscope.autolog(exclude=[i.name for i in registered() if i.name != "langchain"])
    UPPER.invoke("x")
    assert len(traces.single().data.spans) == 1


def test_nothing_is_recorded_while_tracing_is_disabled(traces: TraceCapture) -> None:
    spanscope.tracing.disable()
    assert UPPER.invoke("x") == "X"
    spanscope.tracing.enable()
    assert traces.traces == []
    assert len(HANDLER.runs) == 0


def test_bookkeeping_does_not_grow_over_10k_runs(traces: TraceCapture) -> None:
    evicted = HANDLER.runs.evicted
    spanscope.tracing.set_exporters([])  # the 10k spans need not reach the test store
    increment: RunnableLambda[int, int] = RunnableLambda(lambda n: n + 1)
    # Under one span: 10k new traces would time the export pipeline, not the handler.
    with spanscope.start_span("many"):
        for number in range(10_000):
            assert increment.invoke(number) == number + 1
    assert len(HANDLER.runs) == 0
    assert HANDLER.runs._by_span == {}
    assert HANDLER.runs.evicted == evicted
    assert spanscope.get_current_active_span() is None


def test_runs_never_ended_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(HANDLER.runs, "limit", 3)
    evicted = HANDLER.runs.evicted
    run_ids = [uuid.uuid4() for _ in range(5)]
    for run_id in run_ids:  # LangChain starting runs it never ends (abandoned elsewhere)
        HANDLER.on_chain_start(None, {"n": 1}, run_id=run_id, name="stuck")
    assert len(HANDLER.runs) == 3
    assert HANDLER.runs.evicted - evicted == 2
    assert [HANDLER.runs.get(run_id) is None for run_id in run_ids] == [True] * 2 + [False] * 3
    for run_id in run_ids[2:]:
        HANDLER.on_chain_end({"n": 1}, run_id=run_id)
    assert len(HANDLER.runs) == 0
    assert spanscope.get_current_active_span() is None


def test_a_parent_ended_before_its_child_waits_for_it(traces: TraceCapture) -> None:
    # What LangChain reports for a stream abandoned early: the outer run's end comes first.
    parent, child = uuid.uuid4(), uuid.uuid4()
    HANDLER.on_chain_start(None, "in", run_id=parent, name="outer")
    HANDLER.on_chain_start(None, "in", run_id=child, parent_run_id=parent, name="inner")
    HANDLER.on_chain_end("out", run_id=parent)
    assert traces.traces == []
    HANDLER.on_chain_end("partial", run_id=child)
    assert tree(traces.single()) == [
        leaf("outer", "CHAIN", "in", "out", children=[leaf("inner", "CHAIN", "in", "partial")])
    ]
    (outer, inner) = sorted(traces.single().data.spans, key=lambda s: s.start_time_ns)
    assert outer.end_time_ns is not None and inner.end_time_ns is not None
    assert outer.end_time_ns >= inner.end_time_ns


def broken(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("injected fault")


@pytest.mark.internal_errors
@pytest.mark.parametrize("where", ["message_to_dict", "output_messages"])
def test_a_fault_in_our_handler_leaves_the_result_untouched(
    where: str, traces: TraceCapture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_messages, where, broken)  # at the start, or at the end of the chat run
    chain = RunnableLambda(str.upper) | chat("Paris")
    with strict_mode(False):
        reply = chain.invoke("capital?")
    assert reply.content == "Paris"
    assert spanscope.tracing.stats().internal_errors >= 1
    # A fault at the start loses the chat span; at the end, the span ends without its reply.
    (root,) = tree(traces.single())
    expected = [leaf("upper", "CHAIN", "capital?", "CAPITAL?")]
    if where == "output_messages":
        expected.append(leaf("UsageChatModel", "CHAT_MODEL", [CAPITAL], None))
    assert (root["name"], root["status"], root["children"]) == ("RunnableSequence", "OK", expected)


@pytest.mark.internal_errors
def test_strict_mode_surfaces_faults_in_our_handler(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_messages, "output_messages", broken)
    with strict_mode(True), pytest.raises(RuntimeError, match="injected fault"):
        chat("Paris").invoke("capital?")
