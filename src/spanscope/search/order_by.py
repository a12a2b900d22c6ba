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
    "cost",
    "input_tokens",
    "output_tokens",
    "total_tokens",
    "name",
    "status",
    "trace_id",
    "session_id",
    "user_id",
)
# A word, or feedback.`a quoted name` (a doubled backtick stands for one).
_WORD = re.compile(r"(?i:feedback\.)`(?:[^`]|``)+`|\S+")
_FEEDBACK = "feedback."
_ACCEPTED = (
    "accepted: <field> [ASC|DESC] with <field> one of "
    + ", ".join(ORDER_BY_FIELDS)
    + ", or feedback.<name> (its numeric or true / false value; traces without one sort lowest);"
    " the default direction is ASC"
)


@dataclass(frozen=True, slots=True)
class OrderBy:
    """Sort by the trace field `field` (one of ORDER_BY_FIELDS), or, with field "feedback", by
    the value of the feedback named `key`."""

    field: str
    ascending: bool = True
    key: str = ""

    def to_string(self) -> str:
        direction = "ASC" if self.ascending else "DESC"
        if self.field != "feedback":
            return f"{self.field} {direction}"
        plain = self.key and not any(c.isspace() or c == "`" for c in self.key)
        name = self.key if plain else "`" + self.key.replace("`", "``") + "`"
        return f"feedback.{name} {direction}"


def _feedback_key(word: str) -> str | None:
    """The feedback name of `feedback.<name>`, None for another word."""
    if word[: len(_FEEDBACK)].lower() != _FEEDBACK or len(word) == len(_FEEDBACK):
        return None
    name = word[len(_FEEDBACK) :]
    if len(name) > 1 and name.startswith("`") and name.endswith("`"):
        return name[1:-1].replace("``", "`")
    return name


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
        key = _feedback_key(words[0].group())
        field = "feedback" if key is not None else words[0].group().lower()
        if key is None and field not in ORDER_BY_FIELDS:
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
        if any(o.field == field and o.key == (key or "") for o in result):
            raise filter_error(
                clause,
                words[0].start(),
                f"{field if key is None else words[0].group()} is listed twice",
                _ACCEPTED,
                "order_by",
            )
        result.append(OrderBy(field, ascending, key or ""))
    return result
