"""The export pipeline: batching, flush, overflow, failing exporters, span processors, stats."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence

import pytest

import spanscope
from spanscope import Trace
from spanscope.testing import TraceCapture, strict_mode


class BlockingExporter(spanscope.tracing.TraceExporter):
    """Holds the export worker until released, so the queue fills up."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.entered = threading.Event()
        self.traces: list[Trace] = []

    def export(self, traces: Sequence[Trace]) -> None:
        self.entered.set()
        self.release.wait(10)
        self.traces.extend(traces)


class FailingExporter(spanscope.tracing.TraceExporter):
    def export(self, traces: Sequence[Trace]) -> None:
        raise ConnectionError("collector is down")


@spanscope.trace
def work(n: int) -> int:
    return n


def test_flush_exports_everything_in_batches(spanscope_traces: TraceCapture) -> None:
    spanscope.tracing.configure(batch_size=7, export_interval_s=60)
    for i in range(50):
        work(i)
    assert spanscope.flush(timeout=10)
    assert [t.data.spans[0].inputs["n"] for t in spanscope_traces.traces] == list(range(50))
    stats = spanscope.tracing.stats()
    assert stats.traces_exported == 50
    assert stats.queue_size == 0


def test_full_queue_drops_counts_and_warns(caplog: pytest.LogCaptureFixture) -> None:
    spanscope.tracing.configure(queue_size=5, batch_size=1, export_interval_s=60)
    blocking = BlockingExporter()
    spanscope.tracing.set_exporters([blocking])
    work(0)
    assert blocking.entered.wait(10)  # the worker now holds trace 0
    with caplog.at_level(logging.WARNING, logger="spanscope"):
        for i in range(1, 12):
            work(i)
    stats = spanscope.tracing.stats()
    assert stats.traces_dropped_queue_full == 6
    assert stats.queue_size == 5
    warnings = [r.getMessage() for r in caplog.records if "queue full" in r.getMessage()]
    assert len(warnings) == 1
    assert "SPANSCOPE_EXPORT_QUEUE_SIZE" in warnings[0]
    blocking.release.set()
    assert spanscope.flush(timeout=10)
    assert [t.data.spans[0].inputs["n"] for t in blocking.traces] == [0, 1, 2, 3, 4, 5]
    assert spanscope.tracing.stats().traces_exported == 6


def test_failing_exporter_does_not_disturb_the_traced_function(
    caplog: pytest.LogCaptureFixture, spanscope_traces: TraceCapture
) -> None:
    spanscope.tracing.add_exporter(FailingExporter())
    with strict_mode(False), caplog.at_level(logging.WARNING, logger="spanscope"):
        assert work(1) == 1
        assert work(2) == 2
        assert spanscope.flush(timeout=10)
    # The other exporters still got the traces; the failure is counted and logged once.
    assert len(spanscope_traces.traces) == 2
    assert spanscope.tracing.stats().traces_dropped_export_error == 2
    messages = [r.getMessage() for r in caplog.records]
    assert sum("FailingExporter.export failed" in m for m in messages) == 1
    assert any("collector is down" in m for m in messages)


def test_span_processors_redact_before_export(
    caplog: pytest.LogCaptureFixture, spanscope_traces: TraceCapture
) -> None:
    def redact(span: spanscope.LiveSpan) -> None:
        if isinstance(span.inputs, dict) and "email" in span.inputs:
            span.set_inputs({**span.inputs, "email": "[redacted]"})
        span.set_attribute("redacted", True)

    def broken(span: spanscope.LiveSpan) -> None:
        raise RuntimeError("processor bug")

    spanscope.tracing.add_span_processor(redact)
    spanscope.tracing.add_span_processor(broken)

    @spanscope.trace
    def signup(email: str, plan: str) -> str:
        return "ok"

    with caplog.at_level(logging.WARNING, logger="spanscope"):
        assert signup("a@b.c", "pro") == "ok"
        spanscope.flush()
    span = spanscope_traces.single().data.spans[0]
    assert span.inputs == {"email": "[redacted]", "plan": "pro"}
    assert span.attributes == {"redacted": True}
    assert any("processor bug" in r.getMessage() for r in caplog.records)


def test_bad_processor_and_exporter_are_clear_errors() -> None:
    with pytest.raises(spanscope.InvalidArgumentError, match="callable taking a LiveSpan"):
        spanscope.tracing.add_span_processor("redact")  # type: ignore[arg-type]
    with pytest.raises(spanscope.InvalidArgumentError, match="export\\(traces\\) method"):
        spanscope.tracing.set_exporters([object()])  # type: ignore[list-item]


def test_span_ending_after_its_root_is_counted_and_warned(
    caplog: pytest.LogCaptureFixture, spanscope_traces: TraceCapture
) -> None:
    client = spanscope.TracingClient()
    root = client.start_trace("root")
    straggler = client.start_span("straggler", root.trace_id, root.span_id)
    client.end_trace(root.trace_id)
    with caplog.at_level(logging.WARNING, logger="spanscope"):
        straggler.end()
    assert spanscope.tracing.stats().spans_dropped_late == 1
    assert any("ended after the root span" in r.getMessage() for r in caplog.records)
    assert [s.name for s in spanscope_traces.single().data.spans] == ["root"]


def test_get_trace_returns_recent_traces_and_rejects_unknown_ids() -> None:
    work(5)
    trace_id = spanscope.get_last_active_trace_id()
    assert trace_id is not None
    trace = spanscope.get_trace(trace_id)
    assert trace.data.spans[0].outputs == 5
    with pytest.raises(spanscope.NotFoundError, match="no trace with id"):
        spanscope.get_trace("f" * 32)


def test_json_lines_exporter_round_trips(tmp_path: pytest.TempPathFactory) -> None:
    path = tmp_path / "traces.jsonl"  # type: ignore[operator]
    spanscope.tracing.set_exporters([spanscope.tracing.JsonLinesTraceExporter(path)])
    work(1)
    work(2)
    spanscope.flush()
    traces = spanscope.tracing.read_json_lines(path)
    assert [t.data.spans[0].outputs for t in traces] == [1, 2]
    assert traces[0] == spanscope.get_trace(traces[0].info.trace_id)
