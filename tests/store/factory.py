"""Traces for store tests, built by the real SDK (the store conformance kit's `make_trace`:
an AGENT root with a RETRIEVER, an LLM span with usage and a TOOL span)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from spanscope import Trace
from spanscope.store.sql.fulltext import clear_index
from spanscope.store.sql.store import SqlTraceStore
from spanscope.testing.conformance import make_trace

__all__ = ["emptied", "make_trace", "with_time"]

# Every table holding traces or what hangs on them (the full-text index is cleared first).
_TRACE_TABLES = (
    "spans",
    "trace_tags",
    "trace_metadata",
    "assessments",
    "span_log_records",
    "traces",
    "evaluation_items",
    "evaluation_runs",
    "dataset_records",
    "dataset_versions",
    "datasets",
)


def emptied(store: SqlTraceStore) -> SqlTraceStore:
    """`store` with no traces, datasets or runs, and no experiment but the default one."""
    with store.engine.begin() as conn:
        clear_index(conn)
        for table in _TRACE_TABLES:
            conn.execute(text(f"DELETE FROM {table}"))
        conn.execute(text("DELETE FROM experiments WHERE experiment_id <> 0"))
    return store


def with_time(trace: Trace, request_time: int) -> Trace:
    trace.info.request_time = request_time
    return trace


def summary(traces: list[Trace]) -> list[Any]:
    return [t.info.trace_id for t in traces]
