"""The evaluation run methods of SqlTraceStore (docs/evaluation.md; rows:
store/sql/evaluation_runs.py)."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager

from sqlalchemy import Connection, Engine, select, update

from spanscope.entities.evaluation_run import (
    EvaluationItem,
    EvaluationRun,
    EvaluationRunStatus,
    ScoreMetrics,
)
from spanscope.exceptions import AlreadyExistsError, InvalidArgumentError, NotFoundError
from spanscope.store.base import PagedList
from spanscope.store.sql.dataset_store import check_max_results
from spanscope.store.sql.datasets import check_version, json_text, read_dataset
from spanscope.store.sql.engine import write_transaction
from spanscope.store.sql.errors import translated
from spanscope.store.sql.evaluation_runs import (
    delete_run_rows,
    item_from_row,
    new_run_id,
    read_run,
    replace_items,
    run_from_row,
    run_row,
)
from spanscope.store.sql.pagination import after_token, decode_token, encode_token
from spanscope.store.sql.rows import experiment_number
from spanscope.store.sql.sanitize import clean_text
from spanscope.store.sql.schema import evaluation_items, evaluation_runs, experiments

__all__ = ["SqlEvaluationRuns"]

# Positions and versions are 32-bit integer columns.
_MAX_POSITION = 2**31 - 1


class SqlEvaluationRuns:
    """Create, fill, finish, list and delete evaluation runs in SQL."""

    engine: Engine

    def _write(self) -> AbstractContextManager[Connection]:
        return write_transaction(self.engine)

    @translated
    def create_evaluation_run(self, run: EvaluationRun) -> EvaluationRun:
        if not isinstance(run, EvaluationRun):
            raise InvalidArgumentError(f"expected an EvaluationRun, got {type(run).__name__}")
        if not isinstance(run.name, str):
            raise InvalidArgumentError(f"a run's name is a string, got {run.name!r}")
        status = EvaluationRunStatus.parse(run.status)
        number = experiment_number(run.experiment_id)
        stored = dataclasses.replace(
            run,
            run_id=clean_text(run.run_id) if run.run_id else new_run_id(),
            experiment_id=str(number),
            status=status,
            created_ms=run.created_ms or _now_ms(),
            item_count=0,
        )
        if len(stored.run_id) > 64:
            raise InvalidArgumentError("a run id is at most 64 characters")
        with self._write() as conn:
            _check_experiment(conn, number, run.experiment_id)
            if stored.dataset_id is not None:
                dataset = read_dataset(conn, clean_text(str(stored.dataset_id)))
                stored.dataset_id = dataset.dataset_id
                stored.dataset_name = stored.dataset_name or dataset.name
                stored.dataset_version = check_version(dataset, stored.dataset_version)
            taken = select(evaluation_runs.c.run_id).where(
                evaluation_runs.c.run_id == stored.run_id
            )
            if conn.scalar(taken) is not None:
                raise AlreadyExistsError(f"an evaluation run with id {stored.run_id!r} exists")
            conn.execute(evaluation_runs.insert().values(**run_row(stored, number)))
        return stored

    @translated
    def log_evaluation_items(self, run_id: str, items: Sequence[EvaluationItem]) -> None:
        if isinstance(items, (str, bytes, Mapping)) or not isinstance(items, Sequence):
            raise InvalidArgumentError(
                f"items are a list of EvaluationItem, got {type(items).__name__}"
            )
        for i, item in enumerate(items):
            if not isinstance(item, EvaluationItem):
                raise InvalidArgumentError(
                    f"item {i} is a {type(item).__name__}, not an EvaluationItem"
                )
            position = item.position
            if isinstance(position, bool) or not isinstance(position, int):
                raise InvalidArgumentError(f"item {i}: a position is an integer, got {position!r}")
            if not 0 <= position <= _MAX_POSITION:
                raise InvalidArgumentError(
                    f"item {i}: a position is from 0 to {_MAX_POSITION}, got {position}"
                )
            if not isinstance(item.record_id, str):
                raise InvalidArgumentError(f"item {i}: a record_id is a string")
        run_id = clean_text(str(run_id))
        with self._write() as conn:
            read_run(conn, run_id)
            replace_items(conn, run_id, items)

    @translated
    def finish_evaluation_run(
        self, run_id: str, status: EvaluationRunStatus, metrics: Mapping[str, ScoreMetrics]
    ) -> EvaluationRun:
        parsed = EvaluationRunStatus.parse(status)
        if not isinstance(metrics, Mapping) or not all(
            isinstance(m, ScoreMetrics) for m in metrics.values()
        ):
            raise InvalidArgumentError("metrics map score names to ScoreMetrics")
        run_id = clean_text(str(run_id))
        with self._write() as conn:
            read_run(conn, run_id)
            conn.execute(
                update(evaluation_runs)
                .where(evaluation_runs.c.run_id == run_id)
                .values(
                    status=parsed.value,
                    metrics_json=json_text({str(k): m.to_dict() for k, m in metrics.items()}),
                    finished_ms=_now_ms(),
                )
            )
            return read_run(conn, run_id)

    @translated
    def get_evaluation_run(self, run_id: str) -> EvaluationRun:
        with self.engine.connect() as conn:
            return read_run(conn, clean_text(str(run_id)))

    @translated
    def search_evaluation_runs(
        self,
        experiment_id: str,
        dataset_id: str | None = None,
        max_results: int = 100,
        page_token: str | None = None,
    ) -> PagedList[EvaluationRun]:
        check_max_results(max_results)
        number = experiment_number(experiment_id)
        keys = [(evaluation_runs.c.created_ms, False), (evaluation_runs.c.run_id, False)]
        stmt = (
            select(evaluation_runs)
            .where(evaluation_runs.c.experiment_id == number)
            .order_by(*(k.desc() for k, _ in keys))
            .limit(max_results + 1)
        )
        if dataset_id is not None:
            stmt = stmt.where(evaluation_runs.c.dataset_id == clean_text(str(dataset_id)))
        context = f"runs:{number}:{dataset_id}"
        if page_token:
            stmt = stmt.where(after_token(keys, decode_token(page_token, context, 2)))
        with self.engine.connect() as conn:
            _check_experiment(conn, number, experiment_id)
            found = [run_from_row(r._mapping) for r in conn.execute(stmt)]
        page = found[:max_results]
        token = None
        if len(found) > max_results:
            token = encode_token([page[-1].created_ms, page[-1].run_id], context)
        return PagedList(page, token)

    @translated
    def get_evaluation_items(
        self, run_id: str, max_results: int = 1000, page_token: str | None = None
    ) -> PagedList[EvaluationItem]:
        check_max_results(max_results)
        run_id = clean_text(str(run_id))
        keys = [(evaluation_items.c.position, True)]
        stmt = (
            select(evaluation_items)
            .where(evaluation_items.c.run_id == run_id)
            .order_by(evaluation_items.c.position)
            .limit(max_results + 1)
        )
        context = f"items:{run_id}"
        if page_token:
            stmt = stmt.where(after_token(keys, decode_token(page_token, context, 1)))
        with self.engine.connect() as conn:
            read_run(conn, run_id)
            found = [item_from_row(r._mapping) for r in conn.execute(stmt)]
        page = found[:max_results]
        token = encode_token([page[-1].position], context) if len(found) > max_results else None
        return PagedList(page, token)

    @translated
    def delete_evaluation_run(self, run_id: str) -> None:
        run_id = clean_text(str(run_id))
        with self._write() as conn:
            read_run(conn, run_id)
            delete_run_rows(conn, [run_id])


def delete_experiment_runs(conn: Connection, experiment: int) -> None:
    """Delete an experiment's runs and their items (the experiment is being deleted)."""
    ids = conn.scalars(
        select(evaluation_runs.c.run_id).where(evaluation_runs.c.experiment_id == experiment)
    ).all()
    delete_run_rows(conn, list(ids))


def _check_experiment(conn: Connection, number: int, experiment_id: object) -> None:
    found = select(experiments.c.experiment_id).where(experiments.c.experiment_id == number)
    if conn.scalar(found) is None:
        raise NotFoundError(f"no experiment with id {experiment_id!r}")


def _now_ms() -> int:
    return time.time_ns() // 1_000_000
