"""New trace ids: 32 hex digits, time first (the root's start, in milliseconds) and 80 random
bits after, so that stores take new traces near the end of their trace-id indexes."""

from __future__ import annotations

import re
import time

import spanscope
from spanscope.testing import TraceCapture
from spanscope.tracing.processor import new_trace_id, start_span

_HEX32 = re.compile(r"[0-9a-f]{32}")
_MS = 1_000_000


def _prefix_ms(trace_id: str) -> int:
    return int(trace_id[:12], 16)


def test_a_trace_id_starts_with_its_root_start_in_milliseconds(
    spanscope_traces: TraceCapture,
) -> None:
    before = time.time_ns() // _MS
    with spanscope.start_span("root"):
        with spanscope.start_span("child"):
            pass
    after = time.time_ns() // _MS
    (trace,) = spanscope_traces.traces
    trace_id = trace.info.trace_id
    assert _HEX32.fullmatch(trace_id), trace_id
    assert before <= _prefix_ms(trace_id) <= after
    root = next(s for s in trace.data.spans if s.parent_id is None)
    assert _prefix_ms(trace_id) == root.start_time_ns // _MS
    assert {s.trace_id for s in trace.data.spans} == {trace_id}


def test_a_root_started_at_a_given_time_is_named_by_that_time(
    spanscope_traces: TraceCapture,
) -> None:
    # Integrations start spans at the library's own start times (OpenTelemetry processors,
    # callbacks that report a start): the id follows the trace's time, not the export's.
    start = 1_700_000_000_123_456_789
    span = start_span("backdated", {}, None, start)
    span.end()
    (trace,) = spanscope_traces.traces
    assert trace.info.trace_id[:12] == f"{1_700_000_000_123:012x}"
    assert trace.info.request_time == 1_700_000_000_123


def test_ids_of_traces_in_order_sort_in_that_order() -> None:
    starts = [1_700_000_000_000 * _MS + step * 7 * _MS for step in range(200)]
    ids = [new_trace_id(t) for t in starts]
    assert ids == sorted(ids)
    # The same millisecond: the random rest tells them apart.
    same = {new_trace_id(starts[0]) for _ in range(5000)}
    assert len(same) == 5000
    assert {i[:12] for i in same} == {f"{1_700_000_000_000:012x}"}
    assert len({i[12:] for i in same}) == 5000


def test_a_start_time_given_as_a_float_is_read_as_one() -> None:
    assert new_trace_id(1_700_000_000_123_456_789.0)[:12] == f"{1_700_000_000_123:012x}"


def test_a_float_start_time_through_the_client_starts_a_trace(
    spanscope_traces: TraceCapture,
) -> None:
    # Public API typed int, given the float a user may compute (time.time() * 1e9).
    client = spanscope.tracing.TracingClient()
    root = client.start_trace("backfilled", start_time_ns=1_700_000_000.5 * 1e9)  # type: ignore[arg-type]
    client.end_trace(root.trace_id)
    (trace,) = spanscope_traces.traces
    assert trace.info.trace_id[:12] == f"{1_700_000_000_500:012x}"


def test_a_start_time_out_of_range_names_the_trace_by_now() -> None:
    for bad in (-1, -(10**18), (1 << 48) * _MS, 10**30, float("nan"), float("inf"), "soon"):
        before = time.time_ns() // _MS
        trace_id = new_trace_id(bad)  # type: ignore[arg-type]
        assert _HEX32.fullmatch(trace_id), (bad, trace_id)
        assert before <= _prefix_ms(trace_id) <= time.time_ns() // _MS


def test_a_continued_trace_keeps_the_callers_id(spanscope_traces: TraceCapture) -> None:
    remote = "4bf92f3577b34da6a3ce929d0e0e4736"
    with (
        spanscope.tracing.continue_trace({"traceparent": f"00-{remote}-00f067aa0ba902b7-01"}),
        spanscope.start_span("server side"),
    ):
        pass
    (trace,) = spanscope_traces.traces
    assert trace.info.trace_id == remote
