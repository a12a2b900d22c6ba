"""order_by clauses."""

from __future__ import annotations

from typing import Any

import pytest

from spanscope.constants import TraceMetadataKey
from spanscope.entities import Feedback, Trace
from spanscope.exceptions import InvalidFilterError
from spanscope.search import ORDER_BY_FIELDS, OrderBy, parse_order_by, sort_traces
from tests.search.search_helpers import make_trace


def test_fields_and_directions() -> None:
    assert ORDER_BY_FIELDS == (
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
    assert parse_order_by(["timestamp_ms DESC", "name", "status asc", "  Trace_ID   Desc "]) == [
        OrderBy("timestamp_ms", ascending=False),
        OrderBy("name", ascending=True),
        OrderBy("status", ascending=True),
        OrderBy("trace_id", ascending=False),
    ]
    assert parse_order_by(["execution_time_ms"]) == [OrderBy("execution_time_ms")]
    assert parse_order_by(["Output_Tokens DESC", "input_tokens"]) == [
        OrderBy("output_tokens", ascending=False),
        OrderBy("input_tokens"),
    ]
    assert OrderBy("name", ascending=False).to_string() == "name DESC"


def test_empty_and_single_string() -> None:
    assert parse_order_by(None) == []
    assert parse_order_by([]) == []
    assert parse_order_by("name DESC") == [OrderBy("name", ascending=False)]


@pytest.mark.parametrize(
    ("clauses", "clause", "position", "message"),
    [
        (["tokens DESC"], "tokens DESC", 0, "unknown field 'tokens'"),
        (["tokens.output DESC"], "tokens.output DESC", 0, "unknown field 'tokens.output'"),
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
    assert (
        "timestamp_ms, execution_time_ms, cost, input_tokens, output_tokens, total_tokens, name,"
        " status, trace_id" in text
    )
    assert " " * (2 + position) + "^" in text.splitlines()


def test_non_string_clauses() -> None:
    with pytest.raises(InvalidFilterError, match="expected strings, got int"):
        parse_order_by([1])  # type: ignore[list-item]


def _trace(index: int, usage: str | None, **info: Any) -> Trace:
    metadata = {} if usage is None else {TraceMetadataKey.TOKEN_USAGE: usage}
    return make_trace(trace_id=f"{index:032x}", metadata=metadata, **info)


def test_sort_traces_is_the_reference_order() -> None:
    many = _trace(1, '{"input_tokens": 5, "output_tokens": 90, "total_tokens": 95}')
    few = _trace(2, '{"input_tokens": 40, "output_tokens": 7, "total_tokens": 47}')
    none = _trace(3, None, request_time=9)
    # A count a store cannot keep (negative, not an integer) is no count.
    odd = _trace(4, '{"input_tokens": -3, "output_tokens": 7.5, "total_tokens": true}')
    batch = [none, odd, few, many]

    def order(*order_by: str) -> list[int]:
        return [int(t.info.trace_id, 16) for t in sort_traces(batch, list(order_by) or None)]

    assert order("output_tokens DESC") == [1, 2, 4, 3]  # no count: lowest, ties by trace_id
    assert order("output_tokens") == [3, 4, 2, 1]
    assert order("input_tokens DESC", "trace_id ASC") == [2, 1, 3, 4]
    assert order("total_tokens DESC") == [1, 2, 4, 3]
    assert order() == [3, 4, 2, 1]  # newest first, then trace_id descending
    assert order("execution_time_ms", "cost DESC") == [4, 3, 2, 1]  # both missing everywhere
    many.info.assessments = [Feedback(trace_id=many.info.trace_id, name="good", value=False)]
    few.info.assessments = [Feedback(trace_id=few.info.trace_id, name="good", value=0.5)]
    assert order("feedback.good DESC") == [2, 1, 4, 3]
    with pytest.raises(InvalidFilterError):
        sort_traces(batch, ["tokens DESC"])
