"""The metrics method of SqlTraceStore (docs/dashboard.md): from the hourly rollups when they
can answer (metric_rollup.py), else one aggregate query over the traces (metrics.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine, select

from spanscope.entities.metrics import (
    BUCKET_MS,
    MAX_GROUPS,
    MetricsGroup,
    MetricsSeries,
    Number,
    check_metrics_request,
)
from spanscope.exceptions import NotFoundError
from spanscope.store.sql.errors import translated
from spanscope.store.sql.metric_rollup import answers, rollup_rows
from spanscope.store.sql.metrics import metrics_query
from spanscope.store.sql.rows import experiment_number
from spanscope.store.sql.schema import experiments

__all__ = ["SqlMetrics", "series_from_rows"]


class SqlMetrics:
    """Metrics over an experiment's traces, aggregated in SQL."""

    engine: Engine
    dialect: str
    fold_collation: str | None

    def _case_stable_characters(self) -> frozenset[str]:
        raise NotImplementedError

    @translated
    def get_metrics(
        self,
        experiment_id: str,
        start_ms: int,
        end_ms: int,
        bucket: str = "hour",
        filter_string: str | None = None,
        group_by: str | None = None,
        metrics: Sequence[str] | None = None,
    ) -> MetricsSeries:
        names = check_metrics_request(
            start_ms, end_ms, bucket, group_by, None if metrics is None else list(metrics)
        )
        number = experiment_number(experiment_id)
        with self.engine.connect() as conn:
            found_experiment = conn.execute(
                select(experiments.c.experiment_id).where(experiments.c.experiment_id == number)
            ).first()
            if found_experiment is None:
                raise NotFoundError(f"no experiment with id {experiment_id!r}")
        if answers(bucket, group_by, filter_string):
            found = rollup_rows(self.engine, number, start_ms, end_ms, bucket, group_by)
            return series_from_rows(
                str(experiment_id), start_ms, end_ms, bucket, group_by, names, found
            )
        with self.engine.connect() as conn:
            stmt = metrics_query(
                number,
                start_ms,
                end_ms,
                bucket,
                group_by,
                filter_string,
                self.dialect,
                fold_collation=self.fold_collation,
                case_stable=self._case_stable_characters,
                # The whole range is read (no page to stop early at): an IN set of judged
                # traces serves best on both backends.
                many_judged=None,
            )
            found = [dict(r._mapping) for r in conn.execute(stmt)]
        return series_from_rows(
            str(experiment_id), start_ms, end_ms, bucket, group_by, names, found
        )


def series_from_rows(
    experiment_id: str,
    start_ms: int,
    end_ms: int,
    bucket: str,
    group_by: str | None,
    names: list[str],
    found: list[dict[str, Any]],
) -> MetricsSeries:
    """The series from the query's rows, one per non-empty (bucket, group): every bucket of
    the range, empty ones with zero counts and no latency."""
    size = BUCKET_MS[bucket]
    first = start_ms // size * size
    starts = list(range(first, end_ms, size))
    index = {start: i for i, start in enumerate(starts)}
    by_group: dict[str | None, list[dict[str, Any]]] = {}
    for row in found:
        key = row["group_key"]
        by_group.setdefault(None if key is None else str(key), []).append(row)
    totals = {k: sum(int(r["trace_count"]) for r in v) for k, v in by_group.items()}
    ordered = sorted(by_group, key=lambda k: (-totals[k], k is None, k or ""))
    if group_by is None and not ordered:
        ordered = [None]
    groups = []
    for key in ordered[:MAX_GROUPS]:
        values: dict[str, list[Number]] = {name: [_empty(name)] * len(starts) for name in names}
        for row in by_group.get(key, []):
            i = index[int(row["bucket_start"])]
            for name in names:
                values[name][i] = _value(name, row)
        groups.append(MetricsGroup(key, values))
    return MetricsSeries(
        experiment_id=experiment_id,
        start_ms=start_ms,
        end_ms=end_ms,
        bucket=bucket,
        bucket_ms=size,
        group_by=group_by,
        metrics=names,
        buckets=starts,
        groups=groups,
        omitted_groups=max(0, len(ordered) - MAX_GROUPS),
    )


def _empty(name: str) -> Number:
    return None if name in ("error_rate", "cost") or name.startswith("latency_") else 0


def _value(name: str, row: dict[str, Any]) -> Number:
    if name == "error_rate":
        return int(row["error_count"]) / int(row["trace_count"])
    value = row[name]
    if value is None:
        return None
    return float(value) if name == "cost" else int(value)
