"""Metrics: the SQL aggregates on SQLite and PostgreSQL equal a Python computation over the same
traces (property-based: buckets, groups, filters, percentiles, empty ranges), the model rule,
the migration filling in models, and the errors for bad requests."""

from __future__ import annotations

import math
from typing import Any

import orjson
import pytest
from hypothesis import event, given
from hypothesis import strategies as st
from sqlalchemy import text

from spanscope.constants import TraceMetadataKey
from spanscope.entities import Span, Trace, TraceData, TraceInfo, TraceState
from spanscope.entities.metrics import BUCKET_MS, METRIC_NAMES, MetricsSeries
from spanscope.exceptions import InvalidArgumentError, NotFoundError
from spanscope.search import matches, parse_filter
from spanscope.store.sql.fulltext import clear_index
from spanscope.store.sql.metric_rollup import answers
from spanscope.store.sql.migrate import HEAD_REVISION, current_revision, index_names
from spanscope.store.sql.store import SqlTraceStore
from tests.search.search_helpers import SETTINGS

_HOUR = 3_600_000
_MODELS = st.none() | st.sampled_from(["gpt-4o", "claude", "gpt-4o-mini-2024-07-18"])
_FILTERS = [
    None,
    "status = 'ERROR'",
    "tags.env = 'prod'",
    "execution_time_ms > 200",
    "span.type = 'TOOL'",
    "user_id = 'ann' OR tags.team = 'b'",
]
_GROUPS = [None, "model", "span_type", "user", "session", "tags.env", "tags.team"]


def _span(trace_id: str, index: int, parent: int | None, start: int, **fields: Any) -> Span:
    return Span.from_dict(
        {
            "trace_id": trace_id,
            "span_id": f"{index + 1:016x}",
            "parent_id": None if parent is None else f"{parent + 1:016x}",
            "name": f"span-{index}",
            "span_type": fields.pop("span_type", "CHAIN"),
            "start_time_ns": start,
            "end_time_ns": start + 10,
            "status": {"code": "OK", "message": ""},
            **fields,
        }
    )


@st.composite
def _traces(draw: st.DrawFn, index: int) -> Trace:
    trace_id = f"{index + 1:032x}"
    spans = []
    for i in range(draw(st.integers(0, 3))):
        attributes: dict[str, Any] = {}
        request, response = draw(_MODELS), draw(_MODELS)
        if request is not None:
            attributes["gen_ai.request.model"] = request
        if response is not None:
            attributes["gen_ai.response.model"] = response
        if (request or response) and draw(st.booleans()):  # a priced call: the trace has a cost
            attributes["gen_ai.usage.input_tokens"] = draw(st.integers(0, 5000))
            attributes["gen_ai.usage.output_tokens"] = draw(st.integers(0, 5000))
        spans.append(
            _span(
                trace_id,
                i,
                # The first span is the root, or (sometimes) a span whose parent is elsewhere.
                draw(st.sampled_from([None, 7])) if i == 0 else draw(st.integers(0, i - 1)),
                draw(st.integers(0, 3)),
                span_type=draw(st.sampled_from(["LLM", "TOOL", "AGENT"])),
                attributes=attributes,
            )
        )
    metadata: dict[str, str] = {}
    for key, values in ((TraceMetadataKey.USER, ["ann", "bob"]), (TraceMetadataKey.SESSION, ["s"])):
        value = draw(st.none() | st.sampled_from(values))
        if value is not None:
            metadata[key] = value
    usage = draw(st.none() | st.tuples(st.integers(0, 50), st.integers(0, 50)))
    if usage is not None:
        metadata[TraceMetadataKey.TOKEN_USAGE] = orjson.dumps(
            {"input_tokens": usage[0], "output_tokens": usage[1], "total_tokens": sum(usage)}
        ).decode()
    tags = {
        key: value
        for key, value in (
            ("env", draw(st.none() | st.sampled_from(["prod", "dev"]))),
            ("team", draw(st.none() | st.sampled_from(["a", "b"]))),
        )
        if value is not None
    }
    info = TraceInfo(
        trace_id=trace_id,
        experiment_id="0",
        # Around three hours, so minute to day buckets all see several traces per bucket.
        request_time=draw(st.integers(0, 3 * _HOUR)),
        execution_duration=draw(st.none() | st.integers(0, 400)),
        state=draw(st.sampled_from(list(TraceState))),
        metadata=metadata,
        tags=tags,
    )
    return Trace(info, TraceData(spans))


@st.composite
def _batches(draw: st.DrawFn) -> list[Trace]:
    return [draw(_traces(i)) for i in range(draw(st.integers(0, 12)))]


# -- the reference computation ----------------------------------------------------------------


def _nearest_rank(values: list[int], p: int) -> int | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[math.ceil(p * len(ordered) / 100) - 1]


def _model(trace: Trace) -> str | None:
    for span in sorted(trace.data.spans, key=lambda s: (s.start_time_ns, s.span_id)):
        attributes = span.attributes
        for key in ("gen_ai.response.model", "gen_ai.request.model"):
            if attributes.get(key):
                return str(attributes[key])
    return None


def _root_type(trace: Trace) -> str | None:
    if not trace.data.spans:
        return None
    order = sorted(
        trace.data.spans, key=lambda s: (s.parent_id is not None, s.start_time_ns, s.span_id)
    )
    return order[0].span_type


def _group_key(trace: Trace, group_by: str | None) -> str | None:
    info = trace.info
    if group_by is None:
        return None
    if group_by == "model":
        return _model(trace)
    if group_by == "span_type":
        return _root_type(trace)
    if group_by == "user":
        return info.metadata.get(TraceMetadataKey.USER)
    if group_by == "session":
        return info.metadata.get(TraceMetadataKey.SESSION)
    return info.tags.get(group_by.removeprefix("tags."))


def _expected(
    batch: list[Trace], start: int, end: int, bucket: str, group_by: str | None, flt: str | None
) -> dict[str, Any]:
    size = BUCKET_MS[bucket]
    starts = list(range(start // size * size, end, size))
    expr = parse_filter(flt)
    cells: dict[tuple[str | None, int], list[Trace]] = {}
    for trace in batch:
        time = trace.info.request_time
        if start <= time < end and (expr is None or matches(expr, trace)):
            cell_key = (_group_key(trace, group_by), time // size * size)
            cells.setdefault(cell_key, []).append(trace)
    totals: dict[str | None, int] = {}
    for (group, _), cell in cells.items():
        totals[group] = totals.get(group, 0) + len(cell)
    keys = sorted(totals, key=lambda k: (-totals[k], k is None, k or ""))
    if group_by is None and not keys:
        keys = [None]
    groups = []
    for key in keys:
        values: dict[str, list[Any]] = {name: [] for name in METRIC_NAMES}
        for bucket_start in starts:
            found = cells.get((key, bucket_start), [])
            errors = sum(t.info.state is TraceState.ERROR for t in found)
            durations = [
                t.info.execution_duration for t in found if t.info.execution_duration is not None
            ]
            values["trace_count"].append(len(found))
            values["error_count"].append(errors)
            values["error_rate"].append(errors / len(found) if found else None)
            for p in (50, 90, 95, 99):
                values[f"latency_p{p}"].append(_nearest_rank(durations, p))
            for name in ("input_tokens", "output_tokens"):
                values[name].append(sum((t.info.token_usage or {}).get(name, 0) for t in found))
            costs = [t.info.cost["total"] for t in found if t.info.cost is not None]
            values["cost"].append(sum(costs) if costs else None)
        groups.append({"key": key, "values": values})
    return {
        "experiment_id": "0",
        "start_ms": start,
        "end_ms": end,
        "bucket": bucket,
        "bucket_ms": size,
        "group_by": group_by,
        "metrics": list(METRIC_NAMES),
        "buckets": starts,
        "groups": groups,
        "omitted_groups": 0,
    }


def _clear(store: SqlTraceStore) -> None:
    with store.engine.begin() as conn:
        clear_index(conn)
        for table in ("spans", "trace_tags", "trace_metadata", "assessments"):
            conn.execute(text(f"DELETE FROM {table}"))
        conn.execute(text("DELETE FROM traces"))


@SETTINGS
@given(
    batch=_batches(),
    bounds=st.tuples(st.integers(0, 3 * _HOUR), st.integers(1, 3 * _HOUR)),
    bucket=st.sampled_from(["minute", "5min", "hour", "day"]),
    group_by=st.sampled_from(_GROUPS),
    flt=st.sampled_from(_FILTERS),
)
def test_sql_metrics_equal_python_computation(
    store: SqlTraceStore,
    batch: list[Trace],
    bounds: tuple[int, int],
    bucket: str,
    group_by: str | None,
    flt: str | None,
) -> None:
    _clear(store)
    if batch:
        store.write_traces(batch)
    # As stored: a trace whose first span has a parent elsewhere is derived from its spans.
    batch = [store.get_trace(t.info.trace_id) for t in batch]
    start, end = bounds[0], bounds[0] + bounds[1]
    expected = _expected(batch, start, end, bucket, group_by, flt)
    empty = all(not any(g["values"]["trace_count"]) for g in expected["groups"])
    event("empty" if empty else "some traces")
    found = store.get_metrics("0", start, end, bucket, flt, group_by).to_dict()
    # Sums of floats: the database may add them in another order.
    found_costs = [g["values"].pop("cost") for g in found["groups"]]
    expected_costs = [g["values"].pop("cost") for g in expected["groups"]]
    event("some cost" if any(c for costs in expected_costs for c in costs) else "no cost")
    assert found == expected
    assert found_costs == [
        [None if c is None else pytest.approx(c, rel=1e-9, abs=1e-12) for c in costs]
        for costs in expected_costs
    ]


@SETTINGS
@given(
    first=_batches(),
    second=_batches(),
    moved=st.integers(0, 3 * _HOUR),
    deleted=st.sets(st.integers(0, 11), max_size=4),
    bounds=st.tuples(st.integers(0, 3 * _HOUR), st.integers(1, 3 * _HOUR)),
    bucket=st.sampled_from(["hour", "day"]),
    group_by=st.sampled_from([None, "model"]),
)
def test_rollups_follow_every_write_and_equal_python_computation(
    store: SqlTraceStore,
    first: list[Trace],
    second: list[Trace],
    moved: int,
    deleted: set[int],
    bounds: tuple[int, int],
    bucket: str,
    group_by: str | None,
) -> None:
    """The requests the hourly rollups answer: they stay right after the traces of hours
    already rolled up are added, rewritten (moved to another hour, another state) and deleted."""
    assert answers(bucket, group_by, None)
    _clear(store)
    start, end = bounds[0], bounds[0] + bounds[1]
    if first:
        store.write_traces(first)
    store.get_metrics("0", 0, 4 * _HOUR, bucket, None, group_by)  # rolls every hour up
    # The second batch rewrites the first's traces of the same ids: new times, states, models.
    if second:
        second[0].info.request_time = moved
        store.write_traces(second)
    ids = sorted({t.info.trace_id for t in [*first, *second]})
    gone = [ids[i] for i in sorted(deleted) if i < len(ids)]
    if gone:
        store.delete_traces("0", trace_ids=gone)
    event("rewritten" if second and first else "one batch")
    event("deleted" if gone else "none deleted")
    stored = [store.get_trace(i) for i in ids if i not in gone]
    expected = _expected(stored, start, end, bucket, group_by, None)
    found = store.get_metrics("0", start, end, bucket, None, group_by).to_dict()
    found_costs = [g["values"].pop("cost") for g in found["groups"]]
    expected_costs = [g["values"].pop("cost") for g in expected["groups"]]
    assert found == expected
    assert found_costs == [
        [None if c is None else pytest.approx(c, rel=1e-9, abs=1e-12) for c in costs]
        for costs in expected_costs
    ]


def test_a_trace_calling_several_models_counts_under_the_first(store: SqlTraceStore) -> None:
    trace_id = f"{1:032x}"
    spans = [
        _span(trace_id, 0, None, 0, span_type="AGENT"),
        _span(trace_id, 1, 0, 5, attributes={"gen_ai.request.model": "claude"}),
        _span(
            trace_id,
            2,
            0,
            2,
            attributes={"gen_ai.request.model": "gpt-4o", "gen_ai.response.model": "gpt-4o-0806"},
        ),
    ]
    info = TraceInfo(trace_id, "0", request_time=10, execution_duration=3, state=TraceState.OK)
    store.write_traces([Trace(info, TraceData(spans))])
    series = store.get_metrics("0", 0, 60_000, "minute", group_by="model")
    assert [(g.key, g.values["trace_count"]) for g in series.groups] == [("gpt-4o-0806", [1])]
    by_type = store.get_metrics("0", 0, 60_000, "minute", group_by="span_type")
    assert [g.key for g in by_type.groups] == ["AGENT"]


def test_chosen_metrics_only_and_an_empty_experiment(store: SqlTraceStore) -> None:
    series = store.get_metrics("0", 0, 2 * _HOUR, "hour", metrics=["trace_count", "latency_p99"])
    assert series.to_dict()["groups"] == [
        {"key": None, "values": {"trace_count": [0, 0], "latency_p99": [None, None]}}
    ]
    assert MetricsSeries.from_dict(series.to_dict()) == series


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"start_ms": 10, "end_ms": 10}, "after start_ms"),
        ({"start_ms": -1, "end_ms": 10}, "non-negative"),
        ({"bucket": "fortnight"}, "bucket is one of"),
        ({"bucket": "minute", "end_ms": 30 * 86_400_000}, "at most 10000"),
        ({"group_by": "colour"}, "group_by is one of"),
        ({"group_by": "tags."}, "group_by is one of"),
        ({"metrics": ["cpu"]}, "metrics are among"),
        ({"filter_string": "status = "}, "status"),
    ],
)
def test_bad_requests_are_refused(store: SqlTraceStore, args: dict[str, Any], message: str) -> None:
    call: dict[str, Any] = {"start_ms": 0, "end_ms": _HOUR, **args}
    with pytest.raises(InvalidArgumentError, match=message):
        store.get_metrics("0", **call)


def test_an_unknown_experiment_is_not_found(store: SqlTraceStore) -> None:
    with pytest.raises(NotFoundError):
        store.get_metrics("424242", 0, _HOUR)


def test_upgrading_from_0008_fills_in_each_traces_model(store: SqlTraceStore) -> None:
    trace_id = f"{2:032x}"
    spans = [
        _span(trace_id, 0, None, 0, span_type="AGENT"),
        _span(trace_id, 1, 0, 1, attributes={"gen_ai.request.model": "gpt-4o"}),
    ]
    info = TraceInfo(trace_id, "0", request_time=10, execution_duration=3, state=TraceState.OK)
    store.write_traces([Trace(info, TraceData(spans))])
    with store.engine.begin() as conn:
        conn.execute(text("DROP INDEX ix_traces_exp_metrics"))
        conn.execute(text("ALTER TABLE traces DROP COLUMN model"))
        conn.execute(text("UPDATE alembic_version SET version_num = '0008'"))
    upgraded = SqlTraceStore(store.uri)
    try:
        assert current_revision(upgraded.engine) == HEAD_REVISION
        indexes = index_names(upgraded.engine, "traces")
        assert "ix_traces_exp_metrics" in indexes
        series = upgraded.get_metrics("0", 0, 60_000, "minute", group_by="model")
        assert [(g.key, g.values["trace_count"]) for g in series.groups] == [("gpt-4o", [1])]
    finally:
        upgraded.close()


def test_upgrading_from_0011_rolls_up_the_stored_traces_and_follows_new_ones(
    store: SqlTraceStore,
) -> None:
    def trace(n: int, request_time: int, state: TraceState) -> Trace:
        trace_id = f"{n + 1:032x}"
        spans = [_span(trace_id, 0, None, 0, attributes={"gen_ai.request.model": "gpt-4o"})]
        info = TraceInfo(trace_id, "0", request_time, execution_duration=n * 10, state=state)
        return Trace(info, TraceData(spans))

    store.write_traces([trace(n, n * _HOUR // 2, TraceState.OK) for n in range(6)])
    on = "" if store.dialect == "sqlite" else " ON traces"
    with store.engine.begin() as conn:
        for name in ("metric_hours_on_insert", "metric_hours_on_update", "metric_hours_on_delete"):
            conn.execute(text(f"DROP TRIGGER {name}{on}"))
        conn.execute(text("DROP TABLE metric_hours"))
        conn.execute(text("DROP TABLE metric_dirty_hours"))
        conn.execute(text("UPDATE alembic_version SET version_num = '0011'"))
    upgraded = SqlTraceStore(store.uri)
    try:
        assert current_revision(upgraded.engine) == HEAD_REVISION
        series = upgraded.get_metrics("0", 0, 3 * _HOUR, "hour", group_by="model")
        assert [(g.key, g.values["trace_count"]) for g in series.groups] == [("gpt-4o", [2, 2, 2])]
        assert series.groups[0].values["latency_p50"] == [0, 20, 40]
        # The triggers are back: a failed trace in the first hour, already rolled up, counts.
        upgraded.write_traces([trace(6, 10, TraceState.ERROR)])
        series = upgraded.get_metrics("0", 0, 3 * _HOUR, "hour", group_by="model")
        assert series.groups[0].values["trace_count"] == [3, 2, 2]
        assert series.groups[0].values["error_count"] == [1, 0, 0]
    finally:
        upgraded.close()
