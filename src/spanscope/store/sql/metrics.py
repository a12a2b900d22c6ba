"""The metrics query (entities/metrics.py defines what it answers): one SELECT, the same on
SQLite and PostgreSQL, aggregating per (bucket, group) in the database.

Percentiles are nearest-rank, which neither backend has as an aggregate over a window of
groups: each trace's rank among its (bucket, group)'s durations comes from ROW_NUMBER (durations
first, missing ones last), the count of durations from COUNT over the same window, and the
p-th percentile is the duration ranked ceil(p * n / 100) = (p * n + 99) // 100 (integers, so
both backends and Python agree exactly).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, literal, select

from spanscope.entities.metrics import BUCKET_MS, PERCENTILES
from spanscope.entities.trace_info import TraceState
from spanscope.search import parse_filter
from spanscope.store.sql.filters import compile_filter
from spanscope.store.sql.schema import spans, trace_tags, traces

__all__ = ["metrics_query"]


def metrics_query(
    experiment_number: int,
    start_ms: int,
    end_ms: int,
    bucket: str,
    group_by: str | None,
    filter_string: str | None,
    dialect: str,
    **filter_options: Any,
) -> Select[Any]:
    """Rows (bucket_start, group_key, trace_count, error_count, input_tokens, output_tokens,
    latency_p50, ...) for the non-empty (bucket, group) pairs."""
    size = BUCKET_MS[bucket]
    bucket_start = (traces.c.request_time // size) * size
    group = _group_key(group_by)
    base = select(
        bucket_start.label("bucket_start"),
        group.label("group_key"),
        traces.c.state.label("state"),
        traces.c.execution_duration.label("duration"),
        traces.c.input_tokens.label("input_tokens"),
        traces.c.output_tokens.label("output_tokens"),
        traces.c.cost_total.label("cost"),
    ).where(
        traces.c.experiment_id == experiment_number,
        traces.c.request_time >= start_ms,
        traces.c.request_time < end_ms,
    )
    expr = parse_filter(filter_string)
    if expr is not None:
        base = base.where(compile_filter(expr, dialect, **filter_options))
    inner = base.subquery("base")
    partition = [inner.c.bucket_start, inner.c.group_key]
    ranked = select(
        *inner.c,
        func.row_number()
        .over(partition_by=partition, order_by=inner.c.duration.asc().nulls_last())
        .label("rank"),
        func.count(inner.c.duration).over(partition_by=partition).label("durations"),
    ).subquery("ranked")
    percentiles = [
        func.max(
            case(
                (ranked.c.rank == (literal(p) * ranked.c.durations + 99) // 100, ranked.c.duration)
            )
        ).label(f"latency_p{p}")
        for p in PERCENTILES
    ]
    error = case((ranked.c.state == TraceState.ERROR.value, 1), else_=0)
    return select(
        ranked.c.bucket_start,
        ranked.c.group_key,
        func.count().label("trace_count"),
        func.sum(error).label("error_count"),
        func.coalesce(func.sum(ranked.c.input_tokens), 0).label("input_tokens"),
        func.coalesce(func.sum(ranked.c.output_tokens), 0).label("output_tokens"),
        func.sum(ranked.c.cost).label("cost"),
        *percentiles,
    ).group_by(ranked.c.bucket_start, ranked.c.group_key)


def _group_key(group_by: str | None) -> ColumnElement[Any]:
    if group_by is None:
        return literal(None)
    if group_by == "model":
        return traces.c.model
    if group_by == "user":
        return traces.c.user_id
    if group_by == "session":
        return traces.c.session_id
    if group_by == "span_type":
        # The root span's type: its earliest span without a parent, else its earliest span.
        return (
            select(spans.c.span_type)
            .where(spans.c.trace_id == traces.c.trace_id)
            .order_by(
                case((spans.c.parent_id.is_(None), 0), else_=1),
                spans.c.start_time_ns,
                spans.c.span_id,
            )
            .limit(1)
            .scalar_subquery()
        )
    key = group_by.removeprefix("tags.")
    return (
        select(trace_tags.c.value)
        .where(trace_tags.c.trace_id == traces.c.trace_id, trace_tags.c.key == key)
        .scalar_subquery()
    )
