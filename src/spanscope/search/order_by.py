"""order_by clauses: `"<field> [ASC|DESC]"`."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from spanscope.exceptions import InvalidFilterError
from spanscope.search.errors import filter_error

__all__ = ["ORDER_BY_FIELDS", "OrderBy", "parse_order_by"]

ORDER_BY_FIELDS: tuple[str, ...] = (
    "timestamp_ms",
    "execution_time_ms",
    "name",
    "status",
    "trace_id",
)
_WORD = re.compile(r"\S+")
_ACCEPTED = (
    "accepted: <field> [ASC|DESC] with <field> one of "
    + ", ".join(ORDER_BY_FIELDS)
    + "; the default direction is ASC"
)


@dataclass(frozen=True, slots=True)
class OrderBy:
    """Sort by the trace field `field` (one of ORDER_BY_FIELDS)."""

    field: str
    ascending: bool = True

    def to_string(self) -> str:
        return f"{self.field} {'ASC' if self.ascending else 'DESC'}"


def parse_order_by(order_by: Sequence[str] | str | None) -> list[OrderBy]:
    """Parse clauses like `["timestamp_ms DESC", "name"]`; InvalidFilterError when malformed.

    Field names and ASC / DESC are case-insensitive; a field may appear once.
    """
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
        words = list(_WORD.finditer(clause))
        if not words:
            raise filter_error(clause, 0, "empty clause", _ACCEPTED, "order_by")
        field = words[0].group().lower()
        if field not in ORDER_BY_FIELDS:
            raise filter_error(
                clause,
                words[0].start(),
                f"unknown field {words[0].group()!r}",
                _ACCEPTED,
                "order_by",
            )
        ascending = True
        if len(words) > 1:
            direction = words[1].group().upper()
            if direction not in ("ASC", "DESC"):
                raise filter_error(
                    clause,
                    words[1].start(),
                    f"expected ASC or DESC, got {words[1].group()!r}",
                    _ACCEPTED,
                    "order_by",
                )
            ascending = direction == "ASC"
        if len(words) > 2:
            raise filter_error(
                clause,
                words[2].start(),
                f"unexpected {words[2].group()!r} after the direction",
                _ACCEPTED,
                "order_by",
            )
        if any(o.field == field for o in result):
            raise filter_error(
                clause, words[0].start(), f"{field} is listed twice", _ACCEPTED, "order_by"
            )
        result.append(OrderBy(field, ascending))
    return result
