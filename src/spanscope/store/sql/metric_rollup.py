"""Metrics from hourly rollups: what the dashboard asks most (no filter, grouped by model or not,
hourly or daily buckets) read from `metric_hours` instead of every trace of the range.

Each rollup row holds an (experiment, hour, model) cell's counts and sums and its durations,
sorted, so percentiles over any union of cells stay exact nearest-rank (Timsort merges the
sorted runs). Triggers mark every hour a write to `traces` touches (revision 0012); a query
first recomputes the marked hours of its range, in one write transaction that claims the marks
(so a write landing meanwhile marks its hour again). The partial hours at the range's ends are
read from the traces themselves.
"""

from __future__ import annotations

import itertools
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, case, delete, func, select

from spanscope.entities.metrics import BUCKET_MS, PERCENTILES
from spanscope.entities.trace_info import TraceState
from spanscope.store.sql.engine import write_transaction
from spanscope.store.sql.schema import metric_dirty_hours, metric_hours, traces

__all__ = ["HOUR_MS", "answers", "rollup_rows"]

HOUR_MS = 3_600_000
_CHUNK = 500  # hours per IN list
_RUN_HOURS = 24
_BRIDGED = 6  # hours of a gap read through rather than split at
_ERROR = TraceState.ERROR.value


def answers(bucket: str, group_by: str | None, filter_string: str | None) -> bool:
    """Whether rollups can answer the request: no filter, by model or ungrouped, buckets of
    whole hours."""
    no_filter = filter_string is None or not filter_string.strip()
    return no_filter and group_by in (None, "model") and BUCKET_MS[bucket] % HOUR_MS == 0


def rollup_rows(
    engine: Engine,
    experiment: int,
    start_ms: int,
    end_ms: int,
    bucket: str,
    group_by: str | None,
) -> list[dict[str, Any]]:
    """The metrics query's rows (bucket_start, group_key, trace_count, ...) from the rollups
    of the whole hours in the range and the traces of its partial hours."""
    first_hour, end_hour = -(-start_ms // HOUR_MS), end_ms // HOUR_MS
    size = BUCKET_MS[bucket]
    cells: dict[tuple[int, str | None], _Cell] = {}

    def cell(time_ms: int, model: str | None) -> _Cell:
        key = (time_ms // size * size, model if group_by == "model" else None)
        found = cells.get(key)
        if found is None:
            found = cells[key] = _Cell()
        return found

    if first_hour < end_hour:
        _refresh(engine, experiment, first_hour, end_hour)
        edges = [(start_ms, first_hour * HOUR_MS), (end_hour * HOUR_MS, end_ms)]
    else:
        edges = [(start_ms, end_ms)]
    with engine.connect() as conn:
        if first_hour < end_hour:
            stored = select(metric_hours).where(
                metric_hours.c.experiment_id == experiment,
                metric_hours.c.hour >= first_hour,
                metric_hours.c.hour < end_hour,
            )
            for row in conn.execute(stored):
                cell(row.hour * HOUR_MS, row.model).add_rollup(row)
        for low, high in edges:
            if low < high:
                for row in conn.execute(_traces_between(experiment, low, high)):
                    cell(row.request_time, row.model).add_trace(row)
    return [c.row(bucket_start, key) for (bucket_start, key), c in cells.items()]


def _traces_between(experiment: int, low: int, high: int) -> Any:
    return select(
        traces.c.request_time,
        traces.c.model,
        traces.c.state,
        traces.c.execution_duration,
        traces.c.input_tokens,
        traces.c.output_tokens,
        traces.c.cost_total,
    ).where(
        traces.c.experiment_id == experiment,
        traces.c.request_time >= low,
        traces.c.request_time < high,
    )


def _refresh(engine: Engine, experiment: int, first_hour: int, end_hour: int) -> None:
    """Recompute the marked hours of [first_hour, end_hour); nothing to write, no write lock."""
    marked = select(metric_dirty_hours.c.hour).where(
        metric_dirty_hours.c.experiment_id == experiment,
        metric_dirty_hours.c.hour >= first_hour,
        metric_dirty_hours.c.hour < end_hour,
    )
    with engine.connect() as conn:
        if conn.execute(marked.limit(1)).first() is None:
            return
    with write_transaction(engine) as conn:
        # Claimed first: a write committing after this marks its hour again.
        claimed = sorted(
            conn.execute(
                delete(metric_dirty_hours)
                .where(
                    metric_dirty_hours.c.experiment_id == experiment,
                    metric_dirty_hours.c.hour >= first_hour,
                    metric_dirty_hours.c.hour < end_hour,
                )
                .returning(metric_dirty_hours.c.hour)
            ).scalars()
        )
        for chunk in _chunks(claimed):
            conn.execute(
                delete(metric_hours).where(
                    metric_hours.c.experiment_id == experiment, metric_hours.c.hour.in_(chunk)
                )
            )
        rows = _recomputed(conn, experiment, claimed)
        if rows:
            conn.execute(metric_hours.insert(), rows)


def _recomputed(conn: Connection, experiment: int, hours: list[int]) -> list[dict[str, Any]]:
    """The rollup rows of `hours`: counts and sums aggregated in SQL, durations sorted here."""
    wanted = set(hours)
    hour = (traces.c.request_time // HOUR_MS).label("hour")
    error = case((traces.c.state == _ERROR, 1), else_=0)
    rows: list[dict[str, Any]] = []
    for low, high in _runs(hours):
        where = (
            traces.c.experiment_id == experiment,
            traces.c.request_time >= low * HOUR_MS,
            traces.c.request_time < high * HOUR_MS,
        )
        durations: dict[tuple[int, str | None], list[int]] = {}
        timed = select(hour, traces.c.model, traces.c.execution_duration).where(
            *where, traces.c.execution_duration.is_not(None)
        )
        for at, model, duration in conn.execute(timed).all():  # fetchall: fastest
            durations.setdefault((at, model), []).append(duration)
        totals = (
            select(
                hour,
                traces.c.model,
                func.count().label("trace_count"),
                func.sum(error).label("error_count"),
                func.coalesce(func.sum(traces.c.input_tokens), 0).label("input_tokens"),
                func.coalesce(func.sum(traces.c.output_tokens), 0).label("output_tokens"),
                func.sum(traces.c.cost_total).label("cost"),
            )
            .where(*where)
            .group_by(hour, traces.c.model)
        )
        for row in conn.execute(totals):
            if row.hour in wanted:
                found = durations.get((row.hour, row.model), [])
                found.sort()
                rows.append(
                    {
                        **row._mapping,
                        "experiment_id": experiment,
                        "durations": array("q", found).tobytes(),
                    }
                )
    return rows


def _runs(hours: list[int]) -> Iterator[tuple[int, int]]:
    """Sorted hours as [low, high) runs of at most a day each (one range read per run, a
    day of traces held at a time), short gaps bridged."""
    low: int | None = None
    previous = 0
    for hour in hours:
        if low is not None and (hour - previous > _BRIDGED or hour - low >= _RUN_HOURS):
            yield low, previous + 1
            low = None
        if low is None:
            low = hour
        previous = hour
    if low is not None:
        yield low, previous + 1


def _chunks(values: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


@dataclass
class _Cell:
    traces: int = 0
    errors: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost: float | None = None
    runs: list[Iterable[int]] = field(default_factory=list)  # sorted runs of durations
    loose: list[int] = field(default_factory=list)  # durations of traces read one by one

    def add_trace(self, row: Any) -> None:
        self.traces += 1
        self.errors += row.state == _ERROR
        self.input_tokens += row.input_tokens or 0
        self.output_tokens += row.output_tokens or 0
        if row.cost_total is not None:
            self.cost = row.cost_total if self.cost is None else self.cost + row.cost_total
        if row.execution_duration is not None:
            self.loose.append(int(row.execution_duration))

    def add_rollup(self, row: Any) -> None:
        self.traces += row.trace_count
        self.errors += row.error_count
        self.input_tokens += row.input_tokens
        self.output_tokens += row.output_tokens
        if row.cost is not None:
            self.cost = row.cost if self.cost is None else self.cost + row.cost
        durations = array("q")
        durations.frombytes(bytes(row.durations))
        self.runs.append(durations)

    def durations(self) -> list[int] | array[int]:
        if not self.loose and len(self.runs) == 1:
            return self.runs[0]  # type: ignore[return-value]
        return sorted(itertools.chain(self.loose, *self.runs))

    def row(self, bucket_start: int, group_key: str | None) -> dict[str, Any]:
        durations = self.durations()
        count = len(durations)
        found: dict[str, Any] = {
            "bucket_start": bucket_start,
            "group_key": group_key,
            "trace_count": self.traces,
            "error_count": self.errors,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cost": self.cost,
        }
        for p in PERCENTILES:
            # Nearest rank, in integers as the SQL query computes it.
            found[f"latency_p{p}"] = durations[(p * count + 99) // 100 - 1] if count else None
        return found
