"""The assessment methods of SqlTraceStore (docs/assessments.md)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any

from sqlalchemy import Connection, Engine, select

from spanscope.entities.assessment import Assessment, AssessmentSummary
from spanscope.exceptions import InvalidArgumentError, NotFoundError
from spanscope.store.sql.assessments import (
    assessment_row,
    delete_assessment_row,
    insert_assessment,
    mark_overridden,
    read_assessment,
    summarize,
    update_assessment_row,
)
from spanscope.store.sql.engine import write_transaction
from spanscope.store.sql.errors import translated
from spanscope.store.sql.rows import experiment_number
from spanscope.store.sql.schema import assessments as assessments_table
from spanscope.store.sql.schema import experiments, traces

__all__ = ["SqlAssessments"]

_CHUNK = 500


class SqlAssessments:
    """Log, read, change, override, delete and summarise assessments in SQL."""

    engine: Engine

    def _write(self) -> AbstractContextManager[Connection]:
        return write_transaction(self.engine)

    @translated
    def log_assessment(self, assessment: Assessment) -> Assessment:
        stored = assessment.validated().with_new_id()
        with self._write() as conn:
            experiment = self._trace_experiment(conn, stored.trace_id)
            insert_assessment(conn, experiment, stored)
        return stored

    @translated
    def log_assessments(self, assessments: Sequence[Assessment]) -> list[Assessment]:
        if isinstance(assessments, (str, bytes, Mapping)) or not isinstance(assessments, Sequence):
            raise InvalidArgumentError(
                f"assessments are a list of Assessment, got {type(assessments).__name__}"
            )
        for i, assessment in enumerate(assessments):
            if not isinstance(assessment, Assessment):
                raise InvalidArgumentError(
                    f"assessment {i} is a {type(assessment).__name__}, not an Assessment"
                )
        stored = [a.validated().with_new_id() for a in assessments]
        if not stored:
            return []
        wanted = list(dict.fromkeys(a.trace_id for a in stored))
        with self._write() as conn:
            found: dict[str, int] = {}
            for start in range(0, len(wanted), _CHUNK):
                chunk = wanted[start : start + _CHUNK]
                stmt = select(traces.c.trace_id, traces.c.experiment_id).where(
                    traces.c.trace_id.in_(chunk)
                )
                found.update((row.trace_id, int(row.experiment_id)) for row in conn.execute(stmt))
            for trace_id in wanted:
                if trace_id not in found:
                    raise NotFoundError(f"no trace with id {trace_id!r}")
            conn.execute(
                assessments_table.insert(),
                [assessment_row(found[a.trace_id], a) for a in stored],
            )
        return stored

    @translated
    def get_assessment(self, trace_id: str, assessment_id: str) -> Assessment:
        with self.engine.connect() as conn:
            return read_assessment(conn, str(trace_id), str(assessment_id))

    @translated
    def update_assessment(
        self, trace_id: str, assessment_id: str, changes: Mapping[str, Any]
    ) -> Assessment:
        with self._write() as conn:
            changed = read_assessment(conn, str(trace_id), str(assessment_id)).updated(changes)
            update_assessment_row(conn, changed)
        return changed

    @translated
    def override_feedback(
        self, trace_id: str, assessment_id: str, replacement: Assessment
    ) -> Assessment:
        with self._write() as conn:
            old = read_assessment(conn, str(trace_id), str(assessment_id))
            if not old.feedback:
                raise InvalidArgumentError("only a feedback can be overridden")
            stored = replacement.validated().with_new_id()
            stored.overrides = old.assessment_id
            insert_assessment(conn, self._trace_experiment(conn, old.trace_id), stored)
            mark_overridden(conn, str(assessment_id))
        return stored

    @translated
    def delete_assessment(self, trace_id: str, assessment_id: str) -> None:
        with self._write() as conn:
            self._trace_experiment(conn, str(trace_id))
            delete_assessment_row(conn, str(trace_id), str(assessment_id))

    def _trace_experiment(self, conn: Connection, trace_id: str) -> int:
        number = conn.scalar(select(traces.c.experiment_id).where(traces.c.trace_id == trace_id))
        if number is None:
            raise NotFoundError(f"no trace with id {trace_id!r}")
        return int(number)

    @translated
    def summarize_assessments(self, experiment_id: str) -> list[AssessmentSummary]:
        number = experiment_number(experiment_id)
        with self.engine.connect() as conn:
            found = select(experiments.c.experiment_id).where(experiments.c.experiment_id == number)
            if conn.scalar(found) is None:
                raise NotFoundError(f"no experiment with id {experiment_id!r}")
            return summarize(conn, number)
