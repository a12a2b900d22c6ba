"""The export worker: it gives way to the application while its traces are young (and, without
an overflow file, while the queue is short), and the spans it exports are not changed by the
ended spans' handles afterwards."""

from __future__ import annotations

import time
from typing import Any

import pytest

import spanscope
from spanscope import SpanEvent
from spanscope.testing import TraceCapture, span_tree
from spanscope.tracing.export import queue as export_queue


class CountingTime:
    """`time` for the queue module, counting the GIL offers (`sleep(0)`)."""

    def __init__(self) -> None:
        self.offers = 0

    def sleep(self, seconds: float) -> None:
        if seconds == 0:
            self.offers += 1
        time.sleep(seconds)

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


@spanscope.trace
def work(n: int) -> int:
    return n + 1


@pytest.fixture
def counting(monkeypatch: pytest.MonkeyPatch) -> CountingTime:
    clock = CountingTime()
    monkeypatch.setattr(export_queue, "time", clock)
    return clock


def test_a_short_queue_offers_the_gil_after_each_trace(
    spanscope_traces: TraceCapture, counting: CountingTime
) -> None:
    spanscope.tracing.configure(batch_size=1000, export_interval_s=3600.0)
    for n in range(20):
        work(n)
    assert spanscope.flush()
    assert counting.offers == 20
    assert sorted(t.data.spans[0].outputs for t in spanscope_traces.traces) == list(range(1, 21))


@pytest.mark.parametrize(("spool", "offers"), [(True, 10), (False, 0)])
def test_past_half_its_memory_budget_the_queue_gives_way_only_with_an_overflow_file(
    spanscope_traces: TraceCapture, counting: CountingTime, spool: bool, offers: int
) -> None:
    # 10 traces of about 1 KiB are past half of 16 KiB, within the budget itself. With the
    # overflow file (the spool on) what goes over the budget moves there, so young traces still
    # give way; without it the worker catches up at full speed, before traces would be dropped.
    spanscope.tracing.configure(
        batch_size=1000, export_interval_s=3600.0, queue_memory_bytes=16 * 1024, spool=spool
    )
    for n in range(10):
        work(n)
    assert spanscope.flush()
    assert counting.offers == offers
    assert len(spanscope_traces.traces) == 10
    assert spanscope.tracing.stats().traces_dropped_queue_full == 0


def test_traces_that_waited_an_export_interval_are_built_at_full_speed(
    spanscope_traces: TraceCapture, counting: CountingTime
) -> None:
    spanscope.tracing.configure(batch_size=1000, export_interval_s=30.0)
    long_ago = time.time_ns() - 60 * 10**9  # ended a minute ago: older than the interval
    client = spanscope.tracing.TracingClient()
    for n in range(5):
        root = client.start_trace("old", start_time_ns=long_ago - 10**6)
        client.end_trace(root.trace_id, outputs=n, end_time_ns=long_ago)
    for n in range(3):
        work(n)
    assert spanscope.flush()
    assert counting.offers == 3
    assert len(spanscope_traces.traces) == 8


def test_handles_of_ended_spans_do_not_change_exported_spans(
    spanscope_traces: TraceCapture,
) -> None:
    with spanscope.start_span("root") as root:
        root.set_inputs({"q": "hi"})
        root.add_event(SpanEvent("seen"))
    assert spanscope.flush()
    root.set_outputs("late")
    root.set_attribute("late", True)
    root.add_event(SpanEvent("late"))
    root.add_raw_event(SpanEvent("late raw"))  # type: ignore[union-attr]
    tree = span_tree(spanscope_traces.single(), attributes=True)
    assert tree == [
        {
            "name": "root",
            "span_type": "UNKNOWN",
            "status": "OK",
            "inputs": {"q": "hi"},
            "outputs": None,
            "events": ["seen"],
            "attributes": {},
            "children": [],
        }
    ]
