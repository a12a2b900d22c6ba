"""Evaluation runs in SQL: the rows of `evaluation_runs` and `evaluation_items`."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Sequence
from typing import Any

import orjson
from sqlalchemy import Connection, RowMapping, delete, func, insert, select, update

from spanscope.entities.evaluation_run import (
    EvaluationItem,
    EvaluationRun,
    EvaluationRunStatus,
    Score,
    ScoreMetrics,
    ScorerSpec,
)
from spanscope.exceptions import NotFoundError
from spanscope.search.stored_text import replace_unstorable
from spanscope.store.sql.datasets import json_text
from spanscope.store.sql.schema import evaluation_items, evaluation_runs

__all__ = [
    "delete_run_rows",
    "item_from_row",
    "item_row",
    "new_run_id",
    "read_run",
    "replace_items",
    "run_from_row",
    "run_row",
]

_CHUNK = 500


def new_run_id() -> str:
    """ "r-" and 32 hex characters, the first 16 the time in ns (ids sort by creation)."""
    return f"r-{time.time_ns():016x}{os.urandom(8).hex()}"


def read_run(conn: Connection, run_id: str) -> EvaluationRun:
    row = conn.execute(select(evaluation_runs).where(evaluation_runs.c.run_id == run_id)).first()
    if row is None:
        raise NotFoundError(f"no evaluation run with id {run_id!r}")
    return run_from_row(row._mapping)


def run_row(run: EvaluationRun, experiment: int) -> dict[str, Any]:
    return {
        "run_id": run.run_id,
        "experiment_id": experiment,
        "name": replace_unstorable(run.name),
        "status": run.status.value,
        "dataset_id": run.dataset_id,
        "dataset_name": None if run.dataset_name is None else replace_unstorable(run.dataset_name),
        "dataset_version": run.dataset_version,
        "scorers_json": json_text([s.to_dict() for s in run.scorers]),
        "metrics_json": json_text({k: m.to_dict() for k, m in run.metrics.items()}),
        "item_count": run.item_count,
        "tags_json": json_text(dict(run.tags)),
        "created_ms": run.created_ms,
        "finished_ms": run.finished_ms,
    }


def run_from_row(row: RowMapping) -> EvaluationRun:
    version = row["dataset_version"]
    finished = row["finished_ms"]
    return EvaluationRun(
        run_id=row["run_id"],
        experiment_id=str(row["experiment_id"]),
        name=row["name"],
        status=EvaluationRunStatus(row["status"]),
        dataset_id=row["dataset_id"],
        dataset_name=row["dataset_name"],
        dataset_version=None if version is None else int(version),
        scorers=[ScorerSpec.from_dict(s) for s in orjson.loads(row["scorers_json"])],
        metrics={
            k: ScoreMetrics.from_dict(m) for k, m in orjson.loads(row["metrics_json"]).items()
        },
        item_count=int(row["item_count"]),
        tags=orjson.loads(row["tags_json"]),
        created_ms=int(row["created_ms"]),
        finished_ms=None if finished is None else int(finished),
    )


def item_row(run_id: str, item: EvaluationItem) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "position": item.position,
        "record_id": replace_unstorable(item.record_id),
        "inputs_json": json_text(item.inputs),
        "outputs_json": json_text(item.outputs),
        "expectations_json": json_text(item.expectations),
        "trace_id": item.trace_id,
        "scores_json": json_text({k: s.to_dict() for k, s in item.scores.items()}),
        "error": None if item.error is None else replace_unstorable(item.error),
    }


def item_from_row(row: RowMapping) -> EvaluationItem:
    return EvaluationItem(
        position=int(row["position"]),
        record_id=row["record_id"],
        inputs=orjson.loads(row["inputs_json"]),
        outputs=orjson.loads(row["outputs_json"]),
        expectations=orjson.loads(row["expectations_json"]),
        trace_id=row["trace_id"],
        scores={k: Score.from_dict(s) for k, s in orjson.loads(row["scores_json"]).items()},
        error=row["error"],
    )


def replace_items(conn: Connection, run_id: str, items: Sequence[EvaluationItem]) -> None:
    """Write the items (the last of a repeated position wins), replacing those at the same
    positions, and keep the run's item count."""
    by_position = {item.position: item for item in items}
    for chunk in _chunks(list(by_position)):
        conn.execute(
            delete(evaluation_items).where(
                evaluation_items.c.run_id == run_id, evaluation_items.c.position.in_(chunk)
            )
        )
    if by_position:
        conn.execute(insert(evaluation_items), [item_row(run_id, i) for i in by_position.values()])
    count = select(func.count()).where(evaluation_items.c.run_id == run_id).scalar_subquery()
    conn.execute(
        update(evaluation_runs).where(evaluation_runs.c.run_id == run_id).values(item_count=count)
    )


def delete_run_rows(conn: Connection, run_ids: Sequence[str]) -> None:
    for chunk in _chunks(list(run_ids)):
        conn.execute(delete(evaluation_items).where(evaluation_items.c.run_id.in_(chunk)))
        conn.execute(delete(evaluation_runs).where(evaluation_runs.c.run_id.in_(chunk)))


def _chunks(items: Sequence[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(items), _CHUNK):
        yield list(items[start : start + _CHUNK])
