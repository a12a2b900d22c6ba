"""Reading one span attribute's JSON value from the current `spans` row, and comparing it.

Shared by the `span.attributes.x` comparisons of a trace filter (EXISTS a span of the trace) and
of a span filter (the span row itself).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Numeric, and_, case, cast, func, not_, or_
from sqlalchemy.dialects.postgresql import JSONB

from spanscope.search.ast import Op, Value
from spanscope.store.sql.comparisons import FilterContext, compare, scalars
from spanscope.store.sql.schema import spans

__all__ = ["AttributeValue", "attribute_condition", "attribute_value"]


@dataclass(frozen=True, slots=True)
class AttributeValue:
    """A span attribute's value and its JSON kind, as SQL expressions.

    `rows` (SQLite): the span's attributes as rows, which the query must select from and
    restrict by `scope`; None (PostgreSQL), where the value is read from the span row itself.
    """

    rows: Any
    scope: list[ColumnElement[bool]]
    kind: Any
    number: Any
    text: Any
    is_number: ColumnElement[bool]
    is_text: ColumnElement[bool]

    def present(self) -> ColumnElement[bool]:
        """The attribute is set, and not to JSON null."""
        return and_(self.kind.isnot(None), self.kind != "null")

    def condition(self, op: Op, value: Value, context: FilterContext) -> ColumnElement[bool]:
        """The value compared with `value` (see attribute_condition)."""
        return attribute_condition(
            op, value, context, self.is_number, self.is_text, self.number, self.text
        )


def attribute_value(key: str, dialect: str) -> AttributeValue:
    """The attribute `key` (as stored) of the current `spans` row."""
    if dialect == "sqlite":
        # json_each, not a JSON path: it reads any key exactly (a path cannot quote every
        # character the same way on every SQLite version).
        attributes = (
            func.json_each(spans.c.content, "$.attributes")
            .table_valued("key", "type", "atom")
            .alias("attributes")
        )
        kind: Any = attributes.c.type
        return AttributeValue(
            rows=attributes,
            scope=[attributes.c.key == key],
            kind=kind,
            number=attributes.c.atom,
            text=attributes.c.atom,
            is_number=kind.in_(["integer", "real"]),
            is_text=kind == "text",
        )
    found = cast(spans.c.content, JSONB)["attributes"][key]
    kind = func.jsonb_typeof(found)
    return AttributeValue(
        rows=None,
        scope=[],
        kind=kind,
        # Cast only numbers: casting a JSON string to numeric would raise mid-query.
        number=case((kind == "number", cast(found.astext, Numeric))),
        text=found.astext,
        is_number=kind == "number",
        is_text=kind == "string",
    )


def attribute_condition(
    op: Op,
    value: Value,
    context: FilterContext,
    is_number: ColumnElement[bool],
    is_text: ColumnElement[bool],
    number: Any,
    text_value: Any,
) -> ColumnElement[bool]:
    """A span attribute's JSON value (of the given kind tests) compared with `value`."""
    values = scalars(value)
    if all(isinstance(v, (int, float)) for v in values):
        return and_(is_number, compare(number, op, value, context))
    if all(isinstance(v, str) for v in values):
        return and_(is_text, compare(text_value, op, value, context))
    # a mixed IN list: each literal compares with values of its own kind
    strings = [v for v in values if isinstance(v, str)]
    numbers = [v for v in values if not isinstance(v, str)]
    condition = or_(
        and_(is_text, text_value.in_(strings)),
        and_(is_number, number.in_(numbers)),
    )
    if op is Op.NOT_IN:
        condition = and_(or_(is_text, is_number), not_(condition))
    return condition
