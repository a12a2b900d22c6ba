"""Compiling span-scoped filters: conditions on ONE row of `spans`.

Used for `span(...)` groups (one EXISTS over the trace's spans holding every condition), for
the span fields of a trace filter (`span.duration_ms > 5`: EXISTS of one comparison) and for the
filter of search_spans (spans joined to their trace: trace fields compile as in a trace filter).

Every condition here is two-valued (never NULL): a missing value (NULL column, absent or JSON
null attribute) makes a comparison false, so NOT is plain negation, as in the evaluator.
A span's texts for `text LIKE` are its name and its inputs and outputs as the compact JSON the
span row holds: PostgreSQL's `json` type (not `jsonb`) and SQLite's `->` give that text back as
written, so it is the evaluator's `orjson.dumps` of the value.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Select,
    Text,
    and_,
    case,
    cast,
    exists,
    false,
    func,
    literal,
    literal_column,
    not_,
    or_,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import JSONB

from spanscope.constants import SpanAttributeKey
from spanscope.search.ast import Comparison, Expr, FieldKind, Op, SpanGroup
from spanscope.search.fields import SPAN_TIME_FIELDS
from spanscope.search.stored_text import replace_unstorable
from spanscope.search.times import nanos_test
from spanscope.store.sql import filters
from spanscope.store.sql.attribute_filters import attribute_value
from spanscope.store.sql.schema import spans, traces

__all__ = ["compile_span_filter", "span_comparison", "span_group", "span_value_present"]

_ROW_KINDS = frozenset({FieldKind.SPAN, FieldKind.SPAN_ATTRIBUTE, FieldKind.TEXT})
_NULL_OPS = (Op.IS_NULL, Op.IS_NOT_NULL)
_MODEL_KEYS = (SpanAttributeKey.GEN_AI_RESPONSE_MODEL, SpanAttributeKey.GEN_AI_REQUEST_MODEL)


def compile_span_filter(expr: Expr, context: Any) -> ColumnElement[bool]:
    """The WHERE clause over `spans` joined to `traces` for a search_spans filter."""
    return _node(filters.normal_form(expr, negated=False), context)


def span_group(group: SpanGroup, context: Any, fence: bool) -> ColumnElement[bool]:
    """EXISTS one span of the trace satisfying every condition of the group."""
    condition = _node(filters.normal_form(group.expr, negated=False), context)
    where = [spans.c.trace_id == traces.c.trace_id, condition]
    query: Select[Any] = select(literal_column("1")).where(*where)
    return exists(query.offset(0) if fence else query)


def _node(node: Any, context: Any) -> ColumnElement[bool]:
    if isinstance(node, filters.Leaf):
        comparison = node.comparison
        if not isinstance(comparison, Comparison) or comparison.field.kind not in _ROW_KINDS:
            return filters.compile_leaf(node, context)  # the span's trace (search_spans)
        condition = span_comparison(comparison, context)
        return not_(condition) if node.negated else condition
    parts = [_node(o, context) for o in node.operands]
    return and_(*parts) if node.conjunction else or_(*parts)


def span_comparison(comp: Comparison, context: Any) -> ColumnElement[bool]:
    """The two-valued condition on the current `spans` row for one span-field comparison."""
    kind, op = comp.field.kind, comp.op
    value = filters.stored(comp.value)
    if kind is FieldKind.TEXT:
        return _text(op, value, context)
    if kind is FieldKind.SPAN_ATTRIBUTE:
        return _attribute(comp, value, context)
    key = comp.field.key
    column = _column(key, context.dialect)
    if op is Op.IS_NULL:
        return column.is_(None)  # type: ignore[no-any-return]
    if op is Op.IS_NOT_NULL:
        return column.isnot(None)  # type: ignore[no-any-return]
    if key in SPAN_TIME_FIELDS:
        test = nanos_test(op, value)
        if isinstance(test, bool):
            return column.isnot(None) if test else false()
        op, value = test
    compared = filters.compare(column, op, value, context)
    if key in ("name", "type", "status", "span_id", "start_time_ms"):  # NOT NULL columns
        return compared
    return and_(column.isnot(None), compared)


def span_value_present(key: str, dialect: str) -> ColumnElement[bool]:
    return _column(key, dialect).isnot(None)  # type: ignore[no-any-return]


def _column(key: str, dialect: str) -> Any:
    if key == "model":
        return _model(dialect)
    return {
        "name": spans.c.name,
        "type": spans.c.span_type,
        "status": spans.c.status,
        "span_id": spans.c.span_id,
        "parent_id": spans.c.parent_id,
        "start_time_ms": spans.c.start_time_ns,
        "duration_ms": spans.c.duration_ns,
        "cost": spans.c.cost_total,
    }[key]


def _model(dialect: str) -> Any:
    """The first of the gen_ai response / request model attributes that is a string."""
    whens = []
    for key in _MODEL_KEYS:
        if dialect == "sqlite":
            path = '$.attributes."' + key + '"'
            found = func.json_extract(spans.c.content, path)
            whens.append((func.json_type(spans.c.content, path) == "text", found))
        else:
            attribute = cast(spans.c.content, JSONB)["attributes"][key]
            whens.append((func.jsonb_typeof(attribute) == "string", attribute.astext))
    return case(*whens)


def _attribute(comp: Comparison, value: Any, context: Any) -> ColumnElement[bool]:
    attribute = attribute_value(replace_unstorable(comp.field.key), context.dialect)
    op = comp.op
    present = attribute.present()
    if op in _NULL_OPS:
        condition = present
    else:
        condition = and_(present, attribute.condition(op, value, context))
    if attribute.rows is not None:
        query: Select[Any] = select(literal_column("1")).select_from(attribute.rows)
        found_row = exists(query.where(*attribute.scope, condition))
        return not_(found_row) if op is Op.IS_NULL else found_row
    return not_(condition) if op is Op.IS_NULL else condition


def _text(op: Op, value: Any, context: Any) -> ColumnElement[bool]:
    if op not in (Op.LIKE, Op.ILIKE):
        return false() if op is not Op.IS_NOT_NULL else true()
    insensitive = op is Op.ILIKE
    pattern = filters.canonical_like(str(value).lower() if insensitive else str(value))
    texts: list[tuple[Any, ColumnElement[bool] | None]] = [(spans.c.name, None)]
    for part in ("inputs", "outputs"):
        encoded: Any
        present: ColumnElement[bool]
        if context.dialect == "sqlite":
            encoded = spans.c.content.op("->")(literal("$." + part))
            present = func.json_type(spans.c.content, "$." + part) != "null"
        else:
            found = cast(spans.c.content, JSON)[part]
            encoded = cast(found, Text)
            present = func.json_typeof(found) != "null"
        texts.append((encoded, present))
    matches = []
    for text, guard in texts:
        compared = context.fold(text) if insensitive else text
        like = compared.like(pattern, escape="\\")
        matches.append(like if guard is None else and_(guard, like))
    return or_(*matches)
