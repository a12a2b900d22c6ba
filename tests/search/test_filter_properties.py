"""Property tests: the parser only ever raises InvalidFilterError, the printer round-trips, and
the evaluator is consistent with its documented semantics."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from spanscope.entities import Trace, TraceData
from spanscope.exceptions import InvalidFilterError
from spanscope.search import (
    And,
    Comparison,
    Expr,
    FieldKind,
    Not,
    Op,
    Or,
    SpanGroup,
    like_match,
    like_to_regex,
    literal_to_string,
    matches,
    parse_filter,
    span_matches,
    to_filter_string,
    trace_field_value,
)
from spanscope.testing.conformance.store_filters import like_pattern
from tests.search.search_helpers import (
    SETTINGS,
    SMALL_TEXT,
    expressions,
    small_expressions,
    traces,
)

# Pieces of the grammar, valid and broken, so random soups reach deep into the parser.
TOKENS = [
    "name", "status", "timestamp_ms", "execution_time_ms", "tags.env", "tags.", "metadata.k",
    "tags.`a b`", "tags.`", "`k`", "span.attributes.gen_ai.usage.input_tokens", "span.type",
    "span.status", "span.name", "span.attributes.`x.y`", "span.", "text", "trace_id", "foo",
    "=", "!=", "<>", "<", "<=", ">", ">=", "==", "!", "LIKE", "ilike", "NOT", "not", "IN", "IS",
    "NULL", "AND", "or", "(", ")", ",", "'a'", "'", '"x"', "''", "'it''s'", "'%\\'", "1", "-2.5",
    "-", "1.", "1e5", "99999999999999999999", "'OK'", "'ok'", "'UNSET'", "%", "\\", "`", ".",
    "\n", "\t", "é", "\x00",
]  # fmt: skip


def _parse_or_filter_error(text: str) -> Expr | None:
    try:
        expr = parse_filter(text)
    except InvalidFilterError as exc:
        assert exc.filter_string == text
        assert exc.position is not None and 0 <= exc.position <= len(text)
        assert "^" in str(exc)
        return None
    if expr is not None:  # whatever parses, prints back to the same tree
        assert parse_filter(to_filter_string(expr)) == expr
    return expr


@SETTINGS
@given(st.text(max_size=200))
def test_arbitrary_text_raises_only_invalid_filter_error(text: str) -> None:
    _parse_or_filter_error(text)


@SETTINGS
@given(st.lists(st.sampled_from(TOKENS), max_size=25), st.sampled_from(["", " ", "  "]))
def test_token_soup_raises_only_invalid_filter_error(tokens: list[str], separator: str) -> None:
    _parse_or_filter_error(separator.join(tokens))


@SETTINGS
@given(expressions())
def test_printed_ast_parses_back_to_itself(expr: Expr) -> None:
    text = to_filter_string(expr)
    assert parse_filter(text) == expr
    assert to_filter_string(expr) == text  # canonical: printing is deterministic


@SETTINGS
@given(small_expressions(), small_expressions(), traces())
def test_boolean_structure(left: Expr, right: Expr, trace: Trace) -> None:
    a, b = matches(left, trace), matches(right, trace)
    assert matches(Not(left), trace) is (not a)
    assert matches(And((left, right)), trace) is (a and b)
    assert matches(Or((left, right)), trace) is (a or b)


def _comparisons(expr: Expr) -> list[Comparison]:
    if isinstance(expr, Comparison):
        return [expr]
    if isinstance(expr, Not):
        return _comparisons(expr.operand)
    if isinstance(expr, SpanGroup):  # its comparisons speak of one span, not of the trace
        return []
    return [c for e in expr.operands for c in _comparisons(e)]


def _groups(expr: Expr) -> list[SpanGroup]:
    if isinstance(expr, SpanGroup):
        return [expr]
    if isinstance(expr, Not):
        return _groups(expr.operand)
    if isinstance(expr, Comparison):
        return []
    return [g for e in expr.operands for g in _groups(e)]


@SETTINGS
@given(small_expressions(), traces())
def test_span_groups_are_existential_as_a_whole(expr: Expr, trace: Trace) -> None:
    for group in _groups(expr):
        per_span = [matches(group, Trace(trace.info, TraceData([s]))) for s in trace.data.spans]
        assert matches(group, trace) is any(per_span)
        assert any(per_span) is any(
            span_matches(group.expr, s, trace.info) for s in trace.data.spans
        )


@SETTINGS
@given(small_expressions(), traces())
def test_span_predicates_are_existential(expr: Expr, trace: Trace) -> None:
    for comparison in _comparisons(expr):
        if comparison.field.kind not in (FieldKind.SPAN, FieldKind.SPAN_ATTRIBUTE):
            continue
        per_span = [
            matches(comparison, Trace(trace.info, TraceData([span]))) for span in trace.data.spans
        ]
        if comparison.op is Op.IS_NULL:
            assert matches(comparison, trace) is all(per_span)
        else:
            assert matches(comparison, trace) is any(per_span)


@SETTINGS
@given(small_expressions(), traces())
def test_missing_values_only_match_is_null(expr: Expr, trace: Trace) -> None:
    empty = Trace(
        replace(trace.info, name=None, tags={}, metadata={}, execution_duration=None),
        TraceData([]),
    )
    for comparison in _comparisons(expr):
        if comparison.field.kind in (FieldKind.TAG, FieldKind.METADATA, FieldKind.SPAN_ATTRIBUTE):
            assert matches(comparison, empty) is (comparison.op is Op.IS_NULL)


@SETTINGS
@given(st.text(alphabet="ab%_\\\n", max_size=8), st.text(alphabet="ab%_\\\n", max_size=10))
def test_like_match_agrees_with_like_to_regex(pattern: str, value: str) -> None:
    pattern = like_pattern(pattern)
    regex = like_to_regex(pattern)
    assert like_match(value, pattern) is (regex.fullmatch(value) is not None)


@SETTINGS
@given(st.text(max_size=10), SMALL_TEXT)
def test_escaped_like_pattern_matches_exactly_the_literal(value: str, other: str) -> None:
    escaped = "".join("\\" + c if c in "\\%_" else c for c in value)
    assert like_match(value, escaped)
    assert like_match(value.upper(), escaped, case_insensitive=True) is (
        value.upper().lower() == value.lower()
    )
    assert like_match(value + other, escaped) is (other == "")
    assert parse_filter(f"name LIKE {literal_to_string(escaped)}") is not None


@SETTINGS
@given(traces())
def test_a_trace_matches_filters_built_from_its_own_values(trace: Trace) -> None:
    info = trace.info
    own = [
        f"trace_id = '{info.trace_id}'",
        f"timestamp_ms = {info.request_time}",
        f"status = '{info.state.value}'",
        f"NOT timestamp_ms != {info.request_time}",
    ]
    for name in ("input_tokens", "output_tokens", "total_tokens"):
        count = trace_field_value(info, name)
        own.append(f"{name} IS NULL" if count is None else f"{name} IN (-5, {count})")
    for key, value in info.tags.items():
        own.append(f"tags.`{key.replace('`', '``')}` = {literal_to_string(value)}")
    for span in trace.data.spans:
        own.append(f"span.name = {literal_to_string(span.name)}")
        own.append(f"span.type IN ('x', {literal_to_string(span.span_type)})")
        own.append(f"span.status = '{span.status.status_code.value}'")
        for key in span.attributes:
            own.append(
                f"span.attributes.`{key.replace('`', '``')}` IS NOT NULL"
                if span.attributes[key] is not None
                else f"NOT span.attributes.`{key.replace('`', '``')}` = 'never'"
            )
    if info.name is not None:
        own.append(f"name = {literal_to_string(info.name)}")
        own.append("text LIKE '%'")
    for text in own:
        expr = parse_filter(text)
        assert expr is not None
        assert matches(expr, trace), text
