"""The export queue's overflow file: a trace that goes through it is exported exactly as one
that does not; chunks come back oldest first; a disk that refuses a chunk loses nothing."""

from __future__ import annotations

import errno
import logging
import os
from pathlib import Path
from typing import Any

import pytest

import spanscope
from spanscope import SpanEvent
from spanscope.testing import TraceCapture
from spanscope.tracing.export.overflow import Overflow
from spanscope.tracing.live_span import LiveSpan


@spanscope.trace(span_type="TOOL")
def lookup(order: int) -> dict[str, Any]:
    span = spanscope.get_current_active_span()
    assert span is not None
    span.add_event(SpanEvent("cache-miss", 1, {"order": order}))
    if order % 3 == 0:
        raise ValueError(f"order {order} is unknown")
    return {"order": order, "status": "shipped"}


@spanscope.trace(span_type="AGENT")
def agent(order: int) -> str:
    spanscope.update_current_trace(tags={"team": "care"}, metadata={"order": str(order)})
    try:
        return str(lookup(order)["status"])
    except ValueError:
        return "unknown"


def _redact(span: LiveSpan) -> None:
    if span.name == "lookup":
        span.set_attribute("redacted", True)


def _shape(trace: spanscope.Trace) -> dict[str, Any]:
    """The trace without what differs between runs (ids, times)."""
    data = trace.to_dict()
    info = data["info"]
    for key in ("trace_id", "request_time", "execution_duration"):
        info.pop(key)
    spans = []
    for span in data["data"]["spans"]:
        for key in ("trace_id", "span_id", "parent_id", "start_time_ns", "end_time_ns"):
            span.pop(key)
        span["events"] = [
            {k: v for k, v in e.items() if k != "timestamp_ns"}
            | {
                "attributes": {
                    k: v for k, v in e["attributes"].items() if k != "exception.stacktrace"
                }
            }
            for e in span["events"]
        ]
        spans.append(span)
    return {"info": info, "spans": spans}


def _run(memory_bytes: int) -> list[dict[str, Any]]:
    spanscope.tracing.configure(queue_memory_bytes=memory_bytes, export_interval_s=60)
    with TraceCapture() as capture:
        for order in range(300):
            agent(order)
        traces = capture.traces
    return sorted((_shape(t) for t in traces), key=lambda s: s["info"]["metadata"]["order"])


def test_a_trace_through_the_overflow_is_exported_as_one_that_is_not() -> None:
    spanscope.tracing.add_span_processor(_redact)
    direct = _run(256 * 1024 * 1024)
    assert spanscope.tracing.stats().traces_overflowed == 0
    through = _run(1)  # every trace is over the budget
    assert spanscope.tracing.stats().traces_overflowed > 0
    assert len(through) == len(direct) == 300
    assert through == direct
    failed = next(s for s in through if s["info"]["metadata"]["order"] == "3")
    assert [s["status"]["code"] for s in failed["spans"]] == ["OK", "ERROR"]
    assert failed["spans"][1]["attributes"]["redacted"] is True
    assert [e["name"] for e in failed["spans"][1]["events"]] == ["cache-miss", "exception"]


def test_chunks_come_back_oldest_first_and_the_file_starts_over(tmp_path: Path) -> None:
    overflow = Overflow(tmp_path, max_bytes=1 << 30)
    overflow.append([("a",), ("b",)])
    overflow.append([("c",)])
    assert overflow.traces == 3
    assert overflow.take() == [("a",), ("b",)]
    overflow.append([("d",)])
    assert overflow.take() == [("c",)]
    assert overflow.take() == [("d",)]
    assert overflow.take() is None
    assert overflow.traces == 0
    assert os.listdir(tmp_path) == []  # the file has no name: nothing is left behind
    overflow.close()


def test_the_overflow_is_bounded(tmp_path: Path) -> None:
    overflow = Overflow(tmp_path, max_bytes=100)
    assert not overflow.full()
    overflow.append([("x" * 200,)])
    assert overflow.full()
    overflow.take()
    assert not overflow.full()
    overflow.close()


def test_a_disk_that_refuses_a_chunk_keeps_the_rest_in_memory_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    overflow = Overflow(tmp_path, max_bytes=1 << 30)
    overflow.append([("on disk",)])
    real = os.pwrite

    def full_disk(fd: int, data: bytes, offset: int) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "pwrite", full_disk)
    with caplog.at_level(logging.WARNING, logger="spanscope"):
        overflow.append([("in memory",)])
        overflow.append([("in memory too",)])
    monkeypatch.setattr(os, "pwrite", real)
    assert any("No space left" in r.getMessage() for r in caplog.records)
    assert overflow.take() == [("on disk",)]
    assert overflow.take() == [("in memory",)]
    assert overflow.take() == [("in memory too",)]
    assert overflow.take() is None
    overflow.close()
