"""Live traces: a trace running longer than the live interval reaches the store in parts while
it runs (its ended spans, and markers for its long-open spans), and the whole trace replaces
them when it ends."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

import spanscope
from spanscope import Trace, TraceState
from spanscope.exceptions import NotFoundError
from spanscope.store.sql.store import SqlTraceStore
from spanscope.testing import TraceCapture
from spanscope.tracing.live_span import LiveSpan

CLIENT = spanscope.TracingClient()
LONG_AGO = 10_000_000_000  # 10 s: older than any live interval here


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlTraceStore]:
    uri = f"sqlite:///{tmp_path}/traces.db"
    spanscope.set_tracking_uri(uri)
    spanscope.tracing.configure(live_interval_s=0.1, export_interval_s=0.05)
    backend = SqlTraceStore(uri)
    yield backend
    backend.close()


def _until(
    store: SqlTraceStore, trace_id: str, ready: Callable[[Trace], bool], timeout: float = 20
) -> Trace:
    """The stored trace once `ready` holds for it (the export thread writes it meanwhile)."""
    deadline = time.monotonic() + timeout
    last: Trace | None = None
    while time.monotonic() < deadline:
        with contextlib.suppress(NotFoundError):
            last = store.get_trace(trace_id)
            if ready(last):
                return last
        time.sleep(0.02)
    raise AssertionError(f"the store never showed the expected trace; last seen: {last}")


def _spans(trace: Trace) -> dict[str, tuple[str | None, int | None, str]]:
    """By name: (parent name, end time, status code)."""
    names = {s.span_id: s.name for s in trace.data.spans}
    return {
        s.name: (names.get(s.parent_id or ""), s.end_time_ns, s.status.status_code.value)
        for s in trace.data.spans
    }


def _start_agent() -> LiveSpan:
    root = CLIENT.start_trace(
        "agent",
        span_type="AGENT",
        inputs={"q": "refund?"},
        tags={"team": "care"},
        start_time_ns=time.time_ns() - LONG_AGO,
    )
    assert isinstance(root, LiveSpan)
    return root


def _child(root: LiveSpan, name: str, parent: LiveSpan | None = None) -> LiveSpan:
    span = CLIENT.start_span(
        name,
        root.trace_id,
        (parent or root).span_id,
        span_type="TOOL",
        inputs={"step": name},
        start_time_ns=time.time_ns() - LONG_AGO // 2,
    )
    assert isinstance(span, LiveSpan)
    return span


def test_a_running_trace_grows_in_the_store_and_its_whole_trace_replaces_the_parts(
    store: SqlTraceStore,
) -> None:
    root = _start_agent()
    trace_id = root.trace_id
    _child(root, "plan").end(outputs={"plan": "search"})
    search = _child(root, "search")

    first = _until(store, trace_id, lambda t: {"agent", "plan", "search"} <= set(_spans(t)))
    assert first.info.state is TraceState.IN_PROGRESS
    assert first.info.execution_duration is None
    assert first.info.tags["team"] == "care"
    spans = _spans(first)
    assert spans["agent"] == (None, None, "UNSET")  # open: a marker
    assert spans["search"] == ("agent", None, "UNSET")
    plan = spans["plan"]
    assert plan[0] == "agent" and plan[1] is not None and plan[2] == "OK"
    stored_search = next(s for s in first.data.spans if s.name == "search")
    assert stored_search.inputs == {"step": "search"}

    # Deeper work under the open span: it and its parent arrive in the next part.
    lookup = _child(root, "lookup", parent=search)
    lookup.end(outputs={"rows": 2})
    search.end(outputs={"hits": 2})
    second = _until(
        store, trace_id, lambda t: _spans(t).get("search", ("", None, ""))[1] is not None
    )
    spans = _spans(second)
    assert spans["lookup"][0] == "search"
    assert spans["search"][2] == "OK"
    assert second.info.state is TraceState.IN_PROGRESS

    root.end(outputs={"answer": "yes"})
    assert spanscope.flush(10)
    final = store.get_trace(trace_id)
    assert final.info.state is TraceState.OK
    assert final.info.execution_duration is not None
    assert sorted(s.name for s in final.data.spans) == ["agent", "lookup", "plan", "search"]
    assert all(s.end_time_ns is not None for s in final.data.spans)
    assert final.data.root is not None and final.data.root.outputs == {"answer": "yes"}
    assert final.info.response_preview and "yes" in final.info.response_preview
    stats = spanscope.tracing.stats()
    assert stats.live_parts_sent >= 2 and stats.live_parts_failed == 0
    assert stats.traces_exported == 1


def test_a_span_sent_open_that_never_ends_is_stored_ending_with_its_trace(
    store: SqlTraceStore,
) -> None:
    root = _start_agent()
    leaked = _child(root, "stream")  # e.g. a stream the program never finished reading
    _until(store, root.trace_id, lambda t: "stream" in _spans(t))
    root.end()
    assert spanscope.flush(10)
    final = store.get_trace(root.trace_id)
    assert final.info.state is TraceState.OK
    stream = next(s for s in final.data.spans if s.name == "stream")
    assert root.end_time_ns is not None
    assert stream.end_time_ns == root.end_time_ns
    assert stream.inputs == {"step": "stream"}
    assert not leaked.is_ended  # the program's own span object is left alone


def test_an_ended_spans_deferred_work_is_in_the_live_part(store: SqlTraceStore) -> None:
    """Work an integration defers to the export thread (a stream's output, a reply read from
    the span's own copy) is done before the ended span goes out in a part, not only when the
    whole trace is built."""
    root = _start_agent()
    chat = _child(root, "chat")
    ran: list[str] = []

    def later() -> None:
        ran.append("once")
        chat.set_outputs({"reply": "refunded"})

    chat.defer(later)
    chat.end()
    part = _until(store, root.trace_id, lambda t: "chat" in _spans(t))
    assert part.info.state is TraceState.IN_PROGRESS
    assert next(s for s in part.data.spans if s.name == "chat").outputs == {"reply": "refunded"}
    root.end()
    assert spanscope.flush(10)
    final = store.get_trace(root.trace_id)
    assert next(s for s in final.data.spans if s.name == "chat").outputs == {"reply": "refunded"}
    assert ran == ["once"]


def test_span_processors_see_live_parts_and_run_once_on_the_whole_trace(
    store: SqlTraceStore,
) -> None:
    def redact(span: LiveSpan) -> None:
        if span.inputs == {"step": "search"}:
            span.set_inputs("[redacted]")
        span.set_name(span.name + "!")

    spanscope.tracing.add_span_processor(redact)
    root = _start_agent()
    search = _child(root, "search")
    part = _until(store, root.trace_id, lambda t: "search!" in _spans(t))
    assert next(s for s in part.data.spans if s.name == "search!").inputs == "[redacted]"
    search.end()
    root.end()
    assert spanscope.flush(10)
    final = store.get_trace(root.trace_id)
    assert sorted(s.name for s in final.data.spans) == ["agent!", "search!"]
    assert next(s for s in final.data.spans if s.name == "search!").inputs == "[redacted]"


def test_a_short_trace_is_written_once_whole(store: SqlTraceStore) -> None:
    with spanscope.start_span("quick"):
        pass
    assert spanscope.flush(10)
    assert spanscope.tracing.stats().live_parts_sent == 0


def test_live_traces_can_be_turned_off(store: SqlTraceStore) -> None:
    spanscope.tracing.configure(live_interval_s=0)
    root = _start_agent()
    _child(root, "plan").end()
    time.sleep(0.5)  # several intervals: nothing is sent while the trace runs
    assert store.search_traces(["0"]) == []
    root.end()
    assert spanscope.flush(10)
    assert store.get_trace(root.trace_id).info.state is TraceState.OK
    assert spanscope.tracing.stats().live_parts_sent == 0


class _Refusing(spanscope.tracing.TraceExporter):
    """Takes whole traces, refuses parts."""

    def __init__(self) -> None:
        self.traces: list[Trace] = []
        self.tried = 0

    def export(self, traces: Sequence[Trace]) -> None:
        self.traces.extend(traces)

    def export_live(self, parts: Sequence[Trace]) -> None:
        self.tried += 1
        raise ConnectionError("server unavailable")


def test_a_refused_part_is_counted_and_warned_and_the_whole_trace_still_goes(
    caplog: pytest.LogCaptureFixture,
) -> None:
    exporter = _Refusing()
    spanscope.tracing.set_exporters([exporter])
    spanscope.tracing.configure(live_interval_s=0.1, export_interval_s=0.05)
    root = _start_agent()
    with caplog.at_level(logging.WARNING, logger="spanscope"):
        deadline = time.monotonic() + 20
        while spanscope.tracing.stats().live_parts_failed == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
    assert spanscope.tracing.stats().live_parts_failed == 1
    assert "nothing is lost" in caplog.text and "server unavailable" in caplog.text
    root.end()
    assert spanscope.flush(10)
    assert [t.info.state for t in exporter.traces] == [TraceState.OK]
    assert exporter.tried == 1  # paused after a failure, not hammered every interval


def test_exporters_without_parts_get_only_whole_traces() -> None:
    capture = TraceCapture()
    with capture:
        spanscope.tracing.configure(live_interval_s=0.1, export_interval_s=0.05)
        root = _start_agent()
        _child(root, "plan").end()
        time.sleep(0.4)
        root.end()
        assert spanscope.flush(10)
    assert [t.info.state for t in capture.traces] == [TraceState.OK]
