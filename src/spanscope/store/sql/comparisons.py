"""Comparing one SQL value with a filter value: the operators every filter module compiles to.

Text is compared as stored (spanscope.search.stored_text): U+0000 or a lone surrogate in a value
or key stands for U+FFFD. ILIKE compares Python's `str.lower()` of the value with the pattern
lowered in Python, as the evaluator does: SQLite calls `str.lower` (sqlite_functions.py),
PostgreSQL lowers with ICU's root locale (`FOLD_COLLATION`), which follows the same Unicode rules
(İ -> i̇, final sigma), whatever the database's own collation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    exists,
    func,
    literal,
    literal_column,
    not_,
    select,
)

from spanscope.search.ast import Op, Scalar, Value
from spanscope.search.stored_text import replace_unstorable
from spanscope.store.sql.case_folding import is_case_stable

__all__ = [
    "FOLD_COLLATION",
    "FilterContext",
    "canonical_like",
    "compare",
    "exists_where",
    "scalars",
    "stored",
]

_ORDERING = {Op.LT: "__lt__", Op.LE: "__le__", Op.GT: "__gt__", Op.GE: "__ge__"}
# The ICU collation of the root locale, present on PostgreSQL built with ICU (the usual builds).
FOLD_COLLATION = "und-x-icu"


@dataclass(frozen=True, slots=True)
class FilterContext:
    """The compile settings of one filter (see filters.compile_filter)."""

    dialect: str
    fold_collation: str | None
    case_stable: Callable[[], frozenset[str]] | None
    many_judged: Callable[[Select[Any]], bool] | None = None
    # Test full-text comparisons trace by trace (no index pre-selection of every candidate):
    # for a query over a few traces already chosen (search.py, SearchQuery.statement's window).
    text_per_row: bool = False

    def is_stable(self, char: str) -> bool:
        return is_case_stable(char, self.case_stable)

    def fold(self, expr: Any) -> Any:
        """Python's str.lower() of a text expression (see the module docstring)."""
        if self.dialect == "sqlite":
            return func.spanscope_lower(expr)
        if self.fold_collation is not None:
            return func.lower(expr.collate(self.fold_collation))
        return func.lower(expr)


def compare(column: Any, op: Op, value: Value, context: FilterContext) -> ColumnElement[bool]:
    if op is Op.EQ:
        return column == value  # type: ignore[no-any-return]
    if op is Op.NE:
        return column != value  # type: ignore[no-any-return]
    if op is Op.IN:
        return column.in_(_in_list(value))  # type: ignore[no-any-return]
    if op is Op.NOT_IN:
        return column.notin_(_in_list(value))  # type: ignore[no-any-return]
    if op in _ORDERING:
        return getattr(column, _ORDERING[op])(value)  # type: ignore[no-any-return]
    if op in (Op.LIKE, Op.NOT_LIKE):
        like = column.like(canonical_like(str(value)), escape="\\")
        return like if op is Op.LIKE else not_(like)  # type: ignore[no-any-return]
    if op in (Op.ILIKE, Op.NOT_ILIKE):
        # The pattern is lowered in Python, before its escapes are read, as the evaluator does.
        pattern = canonical_like(str(value).lower())
        ilike: ColumnElement[bool] = context.fold(column).like(pattern, escape="\\")
        return ilike if op is Op.ILIKE else not_(ilike)
    raise ValueError(f"operator {op.value} cannot be compiled here")


def _in_list(value: Value) -> list[Any]:
    """An IN list's values; numbers bound one by one, each with its own type: SQLAlchemy
    types an IN list by its first number, so `(0, 2147483648)` would send the second as a
    32-bit integer, which PostgreSQL refuses."""
    values = list(scalars(value))
    if any(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return [literal(v) for v in values]
    return values


def scalars(value: Value) -> tuple[Scalar, ...]:
    """The literals of a filter value: an IN list's, else the one (none for NULL)."""
    return value if isinstance(value, tuple) else () if value is None else (value,)


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


def stored(value: Value) -> Value:
    """A filter value as stores keep text (U+0000, lone surrogates -> U+FFFD)."""
    if isinstance(value, str):
        return replace_unstorable(value)
    if isinstance(value, tuple):
        return tuple(replace_unstorable(v) if isinstance(v, str) else v for v in value)
    return value


def exists_where(
    where: list[ColumnElement[bool]], fence: bool, from_: Any = None
) -> ColumnElement[bool]:
    """EXISTS a row (of `from_`, else of the tables `where` names) where every test holds;
    fenced (OFFSET 0) so PostgreSQL keeps it a subplan (see filters.PULL_UP_LIMIT)."""
    query: Select[Any] = select(literal_column("1")).where(*where)
    if from_ is not None:
        query = query.select_from(from_)
    return exists(query.offset(0) if fence else query)
