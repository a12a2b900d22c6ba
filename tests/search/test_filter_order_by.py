"""order_by clauses."""

from __future__ import annotations

import pytest

from spanscope.exceptions import InvalidFilterError
from spanscope.search import ORDER_BY_FIELDS, OrderBy, parse_order_by


def test_fields_and_directions() -> None:
    assert ORDER_BY_FIELDS == (
        "timestamp_ms",
        "execution_time_ms",
        "cost",
        "name",
        "status",
        "trace_id",
    )
    assert parse_order_by(["timestamp_ms DESC", "name", "status asc", "  Trace_ID   Desc "]) == [
        OrderBy("timestamp_ms", ascending=False),
        OrderBy("name", ascending=True),
        OrderBy("status", ascending=True),
        OrderBy("trace_id", ascending=False),
    ]
    assert parse_order_by(["execution_time_ms"]) == [OrderBy("execution_time_ms")]
    assert OrderBy("name", ascending=False).to_string() == "name DESC"


def test_empty_and_single_string() -> None:
    assert parse_order_by(None) == []
    assert parse_order_by([]) == []
    assert parse_order_by("name DESC") == [OrderBy("name", ascending=False)]


@pytest.mark.parametrize(
    ("clauses", "clause", "position", "message"),
    [
        (["tokens DESC"], "tokens DESC", 0, "unknown field 'tokens'"),
        (["timestamp_ms DESCENDING"], "timestamp_ms DESCENDING", 13, "expected ASC or DESC"),
        (["name ASC NULLS"], "name ASC NULLS", 9, "unexpected 'NULLS' after the direction"),
        (["  "], "  ", 0, "empty clause"),
        (["name", "NAME desc"], "NAME desc", 0, "name is listed twice"),
        (["tags.env"], "tags.env", 0, "unknown field 'tags.env'"),
    ],
)
def test_errors(clauses: list[str], clause: str, position: int, message: str) -> None:
    with pytest.raises(InvalidFilterError) as info:
        parse_order_by(clauses)
    text = str(info.value)
    assert info.value.position == position
    assert info.value.filter_string == clause
    assert text.startswith(f"invalid order_by: {message}")
    assert "timestamp_ms, execution_time_ms, cost, name, status, trace_id" in text
    assert " " * (2 + position) + "^" in text.splitlines()


def test_non_string_clauses() -> None:
    with pytest.raises(InvalidFilterError, match="expected strings, got int"):
        parse_order_by([1])  # type: ignore[list-item]
