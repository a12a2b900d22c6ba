"""span(...) groups and search_spans filters: parsing, errors, printing, evaluation."""

from __future__ import annotations

import pytest
from hypothesis import given

from spanscope.entities import Span
from spanscope.exceptions import InvalidFilterError
from spanscope.search import (
    Comparison,
    Expr,
    Field,
    Op,
    SpanGroup,
    matches,
    parse_filter,
    parse_span_filter,
    parse_span_order_by,
    span_matches,
    to_filter_string,
    to_span_filter_string,
)
from tests.search.search_helpers import (
    SETTINGS,
    expressions,
    make_span,
    make_trace,
    span_expressions,
)

FAILED_TOOL = "span(type = 'TOOL' AND status = 'ERROR')"


def _f(text: str) -> Expr:
    expr = parse_filter(text)
    assert expr is not None
    return expr


def _tool_ok_and_llm_error() -> list[Span]:
    return [
        make_span(0, span_type="TOOL", status="OK"),
        make_span(1, span_type="LLM", status="ERROR"),
    ]


def test_a_group_holds_only_when_one_span_meets_every_condition() -> None:
    apart = make_trace(_tool_ok_and_llm_error())
    together = make_trace(
        [make_span(0, span_type="CHAIN"), make_span(1, span_type="TOOL", status="ERROR")]
    )
    assert matches(_f("span.type = 'TOOL' AND span.status = 'ERROR'"), apart)
    assert not matches(_f(FAILED_TOOL), apart)
    assert matches(_f(FAILED_TOOL), together)
    assert matches(_f(f"NOT {FAILED_TOOL}"), apart)
    assert not matches(_f(FAILED_TOOL), make_trace([]))


def test_a_group_parses_to_one_node_and_composes_with_trace_fields() -> None:
    expr = _f("tags.env = 'prod' AND span(type = 'TOOL' OR NOT name LIKE 'x%')")
    group = SpanGroup(
        parse_span_filter("type = 'TOOL' OR NOT name LIKE 'x%'")  # type: ignore[arg-type]
    )
    assert expr == parse_filter(f"tags.env = 'prod' AND {to_filter_string(group)}")
    assert (
        to_filter_string(expr) == "tags.env = 'prod' AND span(type = 'TOOL' OR NOT name LIKE 'x%')"
    )


def test_inside_a_group_every_span_field_is_one_spans() -> None:
    span = make_span(
        0,
        span_type="LLM",
        start_time_ns=5_000_000,
        end_time_ns=6_500_000,
        inputs={"q": "Refund please"},
        attributes={"gen_ai.request.model": "gpt-4o", "gen_ai.response.model": 7, "tries": 2},
    )
    trace = make_trace([span, make_span(1, name="other")])
    for text in (
        "span(model = 'gpt-4o' AND duration_ms = 1.5 AND start_time_ms = 5)",
        "span(duration_ms > 1.4999 AND duration_ms < 1.5001 AND attributes.tries >= 2)",
        "span(text ILIKE '%refund%' AND type = 'LLM' AND parent_id IS NULL)",
        "span(span_id = '0000000000000001')",
    ):
        assert matches(_f(text), trace), text
    for text in (
        "span(text ILIKE '%refund%' AND name = 'other')",
        "span(duration_ms > 1.5)",
        "span(model = 'gpt-4o' AND parent_id IS NOT NULL)",
    ):
        assert not matches(_f(text), trace), text


def test_span_times_compare_exactly_in_milliseconds() -> None:
    trace = make_trace([make_span(0, start_time_ns=0, end_time_ns=1_000)])  # 0.001 ms
    assert matches(_f("span.duration_ms = 0.001"), trace)
    assert matches(_f("span.duration_ms >= 0.001"), trace)
    assert not matches(_f("span.duration_ms > 0.001"), trace)
    assert not matches(_f("span.duration_ms = 0"), trace)
    assert matches(_f("span.duration_ms IN (0.001, 7)"), trace)
    unfinished = make_trace([make_span(0, end_time_ns=None)])
    assert matches(_f("span.duration_ms IS NULL"), unfinished)
    assert not matches(_f("span(duration_ms != 1)"), unfinished)


def test_span_filters_name_the_trace_with_a_prefix() -> None:
    trace = make_trace(_tool_ok_and_llm_error(), tags={"env": "prod"})
    tool, llm = trace.data.spans
    expr = parse_span_filter("status = 'ERROR' AND trace.tags.env = 'prod'")
    assert expr is not None
    assert [span_matches(expr, s, trace.info) for s in (tool, llm)] == [False, True]
    assert to_span_filter_string(expr) == "status = 'ERROR' AND trace.tags.env = 'prod'"
    assert parse_span_filter("trace.status = 'OK'") == Comparison(
        Field.trace("status"), Op.EQ, "OK"
    )


@pytest.mark.parametrize(
    ("text", "position", "message"),
    [
        ("span(span.type = 'TOOL')", 5, "span fields are named without a prefix"),
        ("span(type = 'TOOL'", 18, "expected ')' to close span( at position 0"),
        ("tags.a = 'b' AND span(span(type = 'x'))", 22, "groups do not nest"),
        ("span(tags.env = 'x')", 5, "unknown field 'tags.env' inside span(...)"),
        ("span(duration_ms > 'slow')", 19, "duration_ms takes a number"),
        ("span(status = 'broken')", 14, "invalid value 'broken' for status"),
    ],
)
def test_group_errors_point_at_the_offending_token(text: str, position: int, message: str) -> None:
    with pytest.raises(InvalidFilterError) as info:
        parse_filter(text)
    assert info.value.position == position
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("text", "position", "message"),
    [
        ("span(type = 'TOOL')", 0, "span(...) is for trace filters"),
        ("tags.env = 'prod'", 0, "name the trace's fields as trace.<field>"),
        ("type = 'TOOL' AND span.status = 'OK'", 18, "without the span. prefix"),
        ("trace.text LIKE '%a%'", 0, "unknown field 'trace.text'"),
        ("trace.tags. = 'x'", 0, "missing key after 'trace.tags.'"),
    ],
)
def test_span_filter_errors_point_at_the_offending_token(
    text: str, position: int, message: str
) -> None:
    with pytest.raises(InvalidFilterError) as info:
        parse_span_filter(text)
    assert info.value.position == position
    assert message in str(info.value)


def test_span_order_by() -> None:
    orders = parse_span_order_by(["duration_ms DESC", "Name"])
    assert [(o.field, o.ascending) for o in orders] == [("duration_ms", False), ("name", True)]
    with pytest.raises(InvalidFilterError) as info:
        parse_span_order_by(["duration_ms sideways"])
    assert info.value.position == 12
    with pytest.raises(InvalidFilterError):
        parse_span_order_by(["cost DESC"])


@SETTINGS
@given(expr=expressions())
def test_trace_filters_with_groups_print_and_parse_back(expr: Expr) -> None:
    assert parse_filter(to_filter_string(expr)) == expr


@SETTINGS
@given(expr=span_expressions())
def test_span_filters_print_and_parse_back(expr: Expr) -> None:
    assert parse_span_filter(to_span_filter_string(expr)) == expr
