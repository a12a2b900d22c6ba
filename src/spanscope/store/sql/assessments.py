"""Assessments in SQL: rows of the `assessments` table, typed for search.

Overriding a feedback writes a new row naming the old one (`overrides`) and marks the old one
invalid; deleting the override makes the old one valid again (as MLflow does).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import orjson
from sqlalchemy import Connection, RowMapping, delete, func, select, true, update

from spanscope.entities.assessment import Assessment, AssessmentSource, AssessmentSummary
from spanscope.exceptions import NotFoundError
from spanscope.search.stored_text import replace_unstorable, replace_unstorable_json
from spanscope.store.sql.schema import assessments

__all__ = [
    "assessment_row",
    "delete_assessment_row",
    "insert_assessment",
    "load_assessments",
    "read_assessment",
    "summarize",
    "typed_value",
    "update_assessment_row",
]

_CHUNK = 500


def typed_value(value: Any) -> tuple[str, float | None, str | None]:
    """(value_type, value_number, value_text) of a value, as search compares it."""
    if value is None:
        return "null", None, None
    if isinstance(value, bool):
        return "bool", 1.0 if value else 0.0, "true" if value else "false"
    if isinstance(value, int | float):
        return "number", float(value), None
    if isinstance(value, str):
        return "string", None, replace_unstorable(value)
    if isinstance(value, list):
        return "list", None, None
    return "json", None, None


def insert_assessment(conn: Connection, experiment: int, assessment: Assessment) -> None:
    conn.execute(assessments.insert().values(**assessment_row(experiment, assessment)))


def read_assessment(conn: Connection, trace_id: str, assessment_id: str) -> Assessment:
    row = conn.execute(
        select(assessments).where(
            assessments.c.assessment_id == assessment_id, assessments.c.trace_id == trace_id
        )
    ).first()
    if row is None:
        raise NotFoundError(f"no assessment {assessment_id!r} on trace {trace_id!r}")
    return _assessment(row._mapping)


def update_assessment_row(conn: Connection, assessment: Assessment) -> None:
    values = assessment_row(0, assessment)
    for key in ("assessment_id", "trace_id", "experiment_id", "create_time"):
        values.pop(key)
    conn.execute(
        update(assessments)
        .where(assessments.c.assessment_id == assessment.assessment_id)
        .values(**values)
    )


def delete_assessment_row(conn: Connection, trace_id: str, assessment_id: str) -> None:
    """Delete one assessment; the one it overrode becomes valid again. Unknown ids: a no-op."""
    row = conn.execute(
        select(assessments.c.overrides).where(
            assessments.c.assessment_id == assessment_id, assessments.c.trace_id == trace_id
        )
    ).first()
    if row is None:
        return
    conn.execute(delete(assessments).where(assessments.c.assessment_id == assessment_id))
    if row.overrides is not None:
        conn.execute(
            update(assessments)
            .where(assessments.c.assessment_id == row.overrides)
            .values(valid=True)
        )


def mark_overridden(conn: Connection, assessment_id: str) -> None:
    conn.execute(
        update(assessments).where(assessments.c.assessment_id == assessment_id).values(valid=False)
    )


def load_assessments(conn: Connection, trace_ids: Sequence[str]) -> dict[str, list[Assessment]]:
    """Each trace's assessments, oldest first."""
    found: dict[str, list[Assessment]] = {}
    for chunk in _chunks(trace_ids):
        stmt = (
            select(assessments)
            .where(assessments.c.trace_id.in_(chunk))
            .order_by(assessments.c.create_time, assessments.c.assessment_id)
        )
        for row in conn.execute(stmt):
            found.setdefault(row.trace_id, []).append(_assessment(row._mapping))
    return found


_SUMMARY_TYPES = {"bool": "boolean", "number": "number", "string": "string"}
_TOP_VALUES = 20


def summarize(conn: Connection, experiment: int) -> list[AssessmentSummary]:
    """Per name and kind, over the experiment's valid assessments (see AssessmentSummary)."""
    valid = [assessments.c.experiment_id == experiment, assessments.c.valid.is_(true())]
    key = (assessments.c.name, assessments.c.kind, assessments.c.value_type)
    grouped = conn.execute(
        select(*key, func.count(), func.avg(assessments.c.value_number))
        .where(*valid)
        .group_by(*key)
    ).all()
    strings = conn.execute(
        select(assessments.c.name, assessments.c.kind, assessments.c.value_text, func.count())
        .where(*valid, assessments.c.value_type == "string")
        .group_by(assessments.c.name, assessments.c.kind, assessments.c.value_text)
    ).all()
    parts: dict[tuple[str, str], dict[str, tuple[int, float | None]]] = {}
    for name, kind, value_type, count, average in grouped:
        parts.setdefault((name, kind), {})[value_type] = (int(count), average)
    values: dict[tuple[str, str], dict[str, int]] = {}
    for name, kind, text, count in strings:
        values.setdefault((name, kind), {})[text] = int(count)
    summaries = []
    for (name, kind), by_type in sorted(parts.items()):
        comparable = [_SUMMARY_TYPES[t] for t in by_type if t in _SUMMARY_TYPES]
        top = sorted(values.get((name, kind), {}).items(), key=lambda kv: (-kv[1], kv[0]))
        summaries.append(
            AssessmentSummary(
                name=name,
                kind="expectation" if kind == "expectation" else "feedback",
                count=sum(count for count, _ in by_type.values()),
                value_type=(
                    comparable[0] if len(comparable) == 1 else "mixed" if comparable else "other"
                ),
                pass_rate=_average(by_type.get("bool")),
                mean=_average(by_type.get("number")),
                values=dict(top[:_TOP_VALUES]),
                errors=by_type.get("null", (0, None))[0],
            )
        )
    return summaries


def _average(found: tuple[int, float | None] | None) -> float | None:
    return None if found is None or found[1] is None else float(found[1])


def assessment_row(experiment: int, a: Assessment) -> dict[str, Any]:
    value_type, number, text = typed_value(a.value)
    return {
        "assessment_id": a.assessment_id,
        "trace_id": a.trace_id,
        "experiment_id": experiment,
        "span_id": a.span_id,
        "name": replace_unstorable(a.name),
        "kind": a.kind,
        "value_json": None if a.value is None else _json(a.value),
        "value_type": value_type,
        "value_number": number,
        "value_text": text,
        "rationale": None if a.rationale is None else replace_unstorable(a.rationale),
        "source_type": a.source.to_dict()["source_type"],
        "source_id": replace_unstorable(a.source.source_id),
        "metadata_json": _json(a.metadata),
        "error_json": None if a.error is None else _json(a.error.to_dict()),
        "create_time": a.create_time_ms,
        "update_time": a.update_time_ms,
        "overrides": a.overrides,
        "valid": a.valid,
    }


def _json(value: Any) -> str:
    return replace_unstorable_json(orjson.dumps(value).decode())


def _assessment(row: RowMapping) -> Assessment:
    error = row["error_json"]
    data: Mapping[str, Any] = {
        "assessment_id": row["assessment_id"],
        "trace_id": row["trace_id"],
        "span_id": row["span_id"],
        "name": row["name"],
        "kind": row["kind"],
        "value": None if row["value_json"] is None else orjson.loads(row["value_json"]),
        "rationale": row["rationale"],
        "source": AssessmentSource(row["source_type"], row["source_id"]).to_dict(),
        "metadata": orjson.loads(row["metadata_json"]),
        "error": None if error is None else orjson.loads(error),
        "create_time_ms": row["create_time"],
        "update_time_ms": row["update_time"],
        "overrides": row["overrides"],
        "valid": bool(row["valid"]),
    }
    return Assessment.from_dict(dict(data))


def _chunks(items: Sequence[str]) -> Iterable[list[str]]:
    items = list(items)
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]
