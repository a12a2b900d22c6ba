"""Compiling the filter AST to SQL with bound parameters, the same on SQLite and PostgreSQL.

Every comparison is two-valued (false on a missing value, IS NULL aside), so `NOT` is plain
negation: columns are guarded with IS NOT NULL, tags / metadata / span predicates are EXISTS.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ColumnElement,
    Numeric,
    and_,
    case,
    cast,
    column,
    exists,
    false,
    func,
    literal,
    literal_column,
    not_,
    or_,
    select,
    table,
    true,
)
from sqlalchemy.dialects.postgresql import JSONB

from spanscope.search.ast import And, Comparison, Expr, FieldKind, Not, Op, Or
from spanscope.store.sql.fulltext import ESCAPE, SEPARATOR, literal_runs
from spanscope.store.sql.schema import TEXT_TABLE, spans, trace_metadata, trace_tags, traces

__all__ = ["canonical_like", "compile_filter"]

TRACE_COLUMNS = {
    "trace_id": traces.c.trace_id,
    "name": traces.c.name,
    "status": traces.c.state,
    "timestamp_ms": traces.c.request_time,
    "execution_time_ms": traces.c.execution_duration,
    "session_id": traces.c.session_id,
    "user_id": traces.c.user_id,
    "client_request_id": traces.c.client_request_id,
    "request_preview": traces.c.request_preview,
    "response_preview": traces.c.response_preview,
}
TEXT = table(TEXT_TABLE, column("trace_id"), column("content"))
SPAN_COLUMNS = {"name": spans.c.name, "type": spans.c.span_type, "status": spans.c.status}
_ORDERING = {Op.LT: "__lt__", Op.LE: "__le__", Op.GT: "__gt__", Op.GE: "__ge__"}


def compile_filter(expr: Expr, dialect: str) -> ColumnElement[bool]:
    """The WHERE clause (over `traces`) equivalent to `expr`."""
    if isinstance(expr, And):
        return and_(*(compile_filter(e, dialect) for e in expr.operands))
    if isinstance(expr, Or):
        return or_(*(compile_filter(e, dialect) for e in expr.operands))
    if isinstance(expr, Not):
        return not_(compile_filter(expr.operand, dialect))
    return _comparison(expr, dialect)


def canonical_like(pattern: str) -> str:
    """Rewrite a pattern so `\\` escapes only % _ and itself (ESCAPE '\\' reads it the same
    on every database): an escaped other character is that character, a trailing `\\` a
    literal backslash."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            following = pattern[i + 1]
            if following in "%_\\":
                out.append("\\" + following)
            else:
                out.append(following)
            i += 2
        elif char == "\\":
            out.append("\\\\")
            i += 1
        else:
            out.append(char)
            i += 1
    return "".join(out)


def _comparison(comp: Comparison, dialect: str) -> ColumnElement[bool]:
    kind = comp.field.kind
    if kind is FieldKind.TRACE:
        column = TRACE_COLUMNS[comp.field.key]
        if comp.op is Op.IS_NULL:
            return column.is_(None)
        if comp.op is Op.IS_NOT_NULL:
            return column.isnot(None)
        return and_(column.isnot(None), _compare(column, comp.op, comp.value, dialect))
    if kind in (FieldKind.TAG, FieldKind.METADATA):
        table = trace_tags if kind is FieldKind.TAG else trace_metadata
        scope = and_(table.c.trace_id == traces.c.trace_id, table.c.key == comp.field.key)
        if comp.op is Op.IS_NULL:
            return ~exists().where(scope)
        if comp.op is Op.IS_NOT_NULL:
            return exists().where(scope)
        return exists().where(scope, _compare(table.c.value, comp.op, comp.value, dialect))
    if kind is FieldKind.SPAN:
        column = SPAN_COLUMNS[comp.field.key]
        scope = spans.c.trace_id == traces.c.trace_id
        if comp.op is Op.IS_NULL:
            return ~exists().where(scope, column.isnot(None))
        if comp.op is Op.IS_NOT_NULL:
            return exists().where(scope, column.isnot(None))
        return exists().where(scope, _compare(column, comp.op, comp.value, dialect))
    if kind is FieldKind.SPAN_ATTRIBUTE:
        return _span_attribute(comp, dialect)
    return _text(comp, dialect)


def _compare(column: Any, op: Op, value: Any, dialect: str) -> ColumnElement[bool]:
    if op is Op.EQ:
        return column == value  # type: ignore[no-any-return]
    if op is Op.NE:
        return column != value  # type: ignore[no-any-return]
    if op is Op.IN:
        return column.in_(list(value))  # type: ignore[no-any-return]
    if op is Op.NOT_IN:
        return column.notin_(list(value))  # type: ignore[no-any-return]
    if op in _ORDERING:
        return getattr(column, _ORDERING[op])(value)  # type: ignore[no-any-return]
    if op in (Op.LIKE, Op.NOT_LIKE):
        like = column.like(canonical_like(str(value)), escape="\\")
        return like if op is Op.LIKE else not_(like)  # type: ignore[no-any-return]
    if op in (Op.ILIKE, Op.NOT_ILIKE):
        lowered = _lower(column, dialect)
        pattern = _lower(literal(canonical_like(str(value))), dialect)
        ilike: ColumnElement[bool] = lowered.like(pattern, escape="\\")
        return ilike if op is Op.ILIKE else not_(ilike)
    raise ValueError(f"operator {op.value} cannot be compiled here")


def _lower(expr: Any, dialect: str) -> Any:
    # SQLite's lower() folds ASCII only; the store registers Python's str.lower as a function.
    return func.spanscope_lower(expr) if dialect == "sqlite" else func.lower(expr)


def _span_attribute(comp: Comparison, dialect: str) -> ColumnElement[bool]:
    key = comp.field.key
    scope = spans.c.trace_id == traces.c.trace_id
    if dialect == "sqlite":
        path = '$.attributes."' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'
        kind: Any = func.json_type(spans.c.content, path)
        raw = func.json_extract(spans.c.content, path)
        number: Any = raw
        text_value: Any = raw
        is_number: ColumnElement[bool]
        is_number = kind.in_(["integer", "real"])
        is_text = kind == "text"
    else:
        value = cast(spans.c.content, JSONB)["attributes"][key]
        kind = func.jsonb_typeof(value)
        text_value = value.astext
        # Cast only numbers: casting a JSON string to numeric would raise mid-query.
        number = case((kind == "number", cast(text_value, Numeric)))
        is_number = kind == "number"
        is_text = kind == "string"
    present = and_(kind.isnot(None), kind != "null")
    if comp.op is Op.IS_NULL:
        return ~exists().where(scope, present)
    if comp.op is Op.IS_NOT_NULL:
        return exists().where(scope, present)
    values = comp.value if isinstance(comp.value, tuple) else (comp.value,)
    if all(isinstance(v, (int, float)) for v in values):
        condition = and_(is_number, _compare(number, comp.op, comp.value, dialect))
    elif all(isinstance(v, str) for v in values):
        condition = and_(is_text, _compare(text_value, comp.op, comp.value, dialect))
    else:  # a mixed IN list: each literal compares with values of its own kind
        strings = tuple(v for v in values if isinstance(v, str))
        numbers = tuple(v for v in values if not isinstance(v, str))
        condition = or_(
            and_(is_text, text_value.in_(list(strings))),
            and_(is_number, number.in_(list(numbers))),
        )
        if comp.op is Op.NOT_IN:
            condition = and_(or_(is_text, is_number), not_(condition))
    return exists().where(scope, condition)


def _text(comp: Comparison, dialect: str) -> ColumnElement[bool]:
    # A trace's texts share one row (store/sql/fulltext.py): the index pre-selects rows by the
    # pattern's literal runs, then the exact LIKE / ILIKE is tested on each text alone.
    if comp.op not in (Op.LIKE, Op.ILIKE):
        return false() if comp.op is not Op.IS_NOT_NULL else true()
    content = TEXT.c.content
    pattern = canonical_like(str(comp.value))
    insensitive = comp.op is Op.ILIKE
    conditions: list[ColumnElement[bool]] = []
    if dialect == "sqlite":
        # The trigram index finds rows holding every literal run of 3+ characters (case
        # folded); the exact LIKE then decides.
        query = fts_query(pattern)
        if query is not None:
            conditions.append(literal_column(TEXT_TABLE).op("MATCH")(literal(query)))
        conditions.append(func.spanscope_text_like(content, pattern, int(insensitive)) == 1)
    else:
        # pg_trgm serves ILIKE, a superset of both operators; the exact comparison decides.
        runs = literal_runs(pattern)
        if runs:
            loose = "%" + "%".join(_like_escape(run) for run in runs) + "%"
            conditions.append(content.ilike(loose, escape="\\"))
        texts = (
            func.unnest(func.string_to_array(content, literal(SEPARATOR)))
            .table_valued("value")
            .render_derived()
            .alias("texts")
        )
        value = func.replace(
            func.replace(texts.c.value, literal(ESCAPE + "s"), literal(SEPARATOR)),
            literal(ESCAPE + "e"),
            literal(ESCAPE),
        )
        match = (
            select(literal(1))
            .select_from(texts)
            .where(_compare(value, comp.op, comp.value, dialect))
        )
        conditions.append(exists(match))
    candidates = select(TEXT.c.trace_id).where(*conditions)
    return traces.c.trace_id.in_(candidates)


def fts_query(pattern: str) -> str | None:
    """An FTS5 query for rows holding trigrams of each literal run of a canonical pattern.

    The index keeps no positions (detail=column), so it is asked for single trigrams: every
    third one of a run and its last, which any row holding the run holds too.
    """
    grams: dict[str, None] = {}
    for run in literal_runs(pattern):
        if len(run) >= 3:
            starts = [*range(0, len(run) - 2, 3), len(run) - 3]
            grams.update((run[i : i + 3], None) for i in starts)
    return " AND ".join('"' + gram.replace('"', '""') + '"' for gram in grams) or None


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
