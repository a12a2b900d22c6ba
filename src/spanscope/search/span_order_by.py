"""order_by clauses of search_spans: `"<span field> [ASC|DESC]"`."""

from __future__ import annotations

from collections.abc import Sequence

from spanscope.exceptions import InvalidFilterError
from spanscope.search.errors import filter_error
from spanscope.search.order_by import OrderBy

__all__ = ["SPAN_ORDER_BY_FIELDS", "parse_span_order_by"]

SPAN_ORDER_BY_FIELDS: tuple[str, ...] = (
    "start_time_ms",
    "duration_ms",
    "name",
    "type",
    "status",
    "trace_id",
    "span_id",
)
_ACCEPTED = (
    "accepted: <field> [ASC|DESC] with <field> one of "
    + ", ".join(SPAN_ORDER_BY_FIELDS)
    + " (spans without a duration sort lowest); the default direction is ASC"
)


def parse_span_order_by(order_by: Sequence[str] | str | None) -> list[OrderBy]:
    """Parse clauses like `["duration_ms DESC"]`; InvalidFilterError when malformed."""
    if order_by is None:
        return []
    clauses = [order_by] if isinstance(order_by, str) else order_by
    result: list[OrderBy] = []
    for clause in clauses:
        if not isinstance(clause, str):
            raise InvalidFilterError(
                f"invalid order_by: expected strings, got {type(clause).__name__}\n{_ACCEPTED}",
                "",
                None,
            )
        words = clause.split()
        starts = []
        position = 0
        for word in words:
            position = clause.index(word, position)
            starts.append(position)
            position += len(word)
        if not words:
            raise filter_error(clause, 0, "empty clause", _ACCEPTED, "order_by")
        field = words[0].lower()
        if field not in SPAN_ORDER_BY_FIELDS:
            raise filter_error(
                clause, starts[0], f"unknown field {words[0]!r}", _ACCEPTED, "order_by"
            )
        ascending = True
        if len(words) > 1:
            direction = words[1].upper()
            if direction not in ("ASC", "DESC"):
                raise filter_error(
                    clause,
                    starts[1],
                    f"expected ASC or DESC, got {words[1]!r}",
                    _ACCEPTED,
                    "order_by",
                )
            ascending = direction == "ASC"
        if len(words) > 2:
            raise filter_error(
                clause,
                starts[2],
                f"unexpected {words[2]!r} after the direction",
                _ACCEPTED,
                "order_by",
            )
        if any(o.field == field for o in result):
            raise filter_error(clause, starts[0], f"{field} is listed twice", _ACCEPTED, "order_by")
        result.append(OrderBy(field, ascending))
    return result
