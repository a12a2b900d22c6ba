"""The reference evaluator: every field and operator on a known trace, and LIKE semantics."""

from __future__ import annotations

import pytest

import spanscope
from spanscope.constants import SpanAttributeKey, TraceMetadataKey
from spanscope.entities import Trace, TraceState
from spanscope.search import (
    like_match,
    like_to_regex,
    matches,
    parse_filter,
    trace_field_value,
    trace_text_fields,
)
from spanscope.testing import TraceCapture
from tests.search.search_helpers import TRACE_ID, make_span, make_trace

TRACE = make_trace(
    [
        make_span(
            0,
            name="answer",
            span_type="CHAIN",
            inputs={"query": "refund?"},
            outputs="5 days",
            attributes={"version": 2},
        ),
        make_span(
            1,
            name="chat",
            span_type="LLM",
            attributes={
                "gen_ai.request.model": "gpt-4o",
                "gen_ai.usage.input_tokens": 12,
                "stream": True,
                "ratio": 0.5,
                "labels": ["a"],
                "nothing": None,
            },
        ),
        make_span(
            2,
            name="lookup",
            span_type="TOOL",
            status="ERROR",
            attributes={"gen_ai.usage.input_tokens": "12"},
        ),
    ],
    request_time=1_000,
    execution_duration=250,
    state=TraceState.OK,
    name="Answer Refund",
    request_preview="How do I get a refund?",
    response_preview="Refunds take 5 days",
    client_request_id="req-1",
    metadata={
        TraceMetadataKey.SESSION: "s-1",
        TraceMetadataKey.USER: "u-7",
        TraceMetadataKey.TOKEN_USAGE: (
            '{"input_tokens": 12, "output_tokens": 30, "total_tokens": 42}'
        ),
        "source": "web",
    },
    tags={"env": "prod", "my.key": "v", "team": "ML"},
)
IN_PROGRESS = make_trace(request_time=5, state=TraceState.IN_PROGRESS)


def check(source: str, trace: Trace = TRACE) -> bool:
    expr = parse_filter(source)
    assert expr is not None
    return matches(expr, trace)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (f"trace_id = '{TRACE_ID}'", True),
        ("trace_id LIKE '0af7%'", True),
        ("trace_id != 'x'", True),
        ("name = 'Answer Refund'", True),
        ("name = 'answer refund'", False),
        ("name IN ('x', 'Answer Refund')", True),
        ("name NOT IN ('x', 'Answer Refund')", False),
        ("name IS NOT NULL", True),
        ("name IS NULL", False),
        ("status = 'OK'", True),
        ("status != 'OK'", False),
        ("status IN ('ERROR', 'IN_PROGRESS')", False),
        ("status NOT IN ('ERROR')", True),
        ("timestamp_ms = 1000", True),
        ("timestamp_ms = 1000.0", True),
        ("timestamp_ms != 1000", False),
        ("timestamp_ms < 1000.5", True),
        ("timestamp_ms <= 1000", True),
        ("timestamp_ms > 1000", False),
        ("timestamp_ms >= 1000", True),
        ("timestamp_ms IN (1, 1000)", True),
        ("timestamp_ms NOT IN (1, 2)", True),
        ("execution_time_ms > 200", True),
        ("execution_time_ms IS NULL", False),
        ("session_id = 's-1'", True),
        ("user_id = 'u-7'", True),
        ("user_id LIKE 'u-%'", True),
        ("client_request_id = 'req-1'", True),
        ("request_preview ILIKE '%REFUND%'", True),
        ("response_preview LIKE 'Refunds%'", True),
        ("response_preview NOT LIKE 'Refunds%'", False),
        ("response_preview NOT ILIKE '%xyz%'", True),
        ("input_tokens = 12 AND output_tokens = 30 AND total_tokens = 42", True),
        ("output_tokens > 30", False),
        ("output_tokens >= 30.0", True),
        ("input_tokens IN (1, 12)", True),
        ("total_tokens NOT IN (42)", False),
        ("input_tokens IS NULL", False),
    ],
)
def test_trace_fields(source: str, expected: bool) -> None:
    assert check(source) is expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("tags.env = 'prod'", True),
        ("tags.env != 'prod'", False),
        ("tags.env ILIKE 'PR%'", True),
        ("tags.`my.key` = 'v'", True),
        ("tags.my.key = 'v'", True),
        ("tags.team IN ('ML', 'infra')", True),
        ("tags.env IS NOT NULL", True),
        ("metadata.source = 'web'", True),
        # A missing key: every comparison is false except IS NULL; NOT negates that.
        ("tags.missing = 'x'", False),
        ("tags.missing != 'x'", False),
        ("tags.missing NOT LIKE 'x'", False),
        ("tags.missing NOT IN ('x')", False),
        ("tags.missing IS NULL", True),
        ("tags.missing IS NOT NULL", False),
        ("NOT tags.missing = 'x'", True),
        ("NOT tags.missing != 'x'", True),
        ("metadata.missing IS NULL", True),
    ],
)
def test_tags_and_metadata(source: str, expected: bool) -> None:
    assert check(source) is expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("execution_time_ms IS NULL", True),
        ("execution_time_ms IS NOT NULL", False),
        ("execution_time_ms > 0", False),
        ("execution_time_ms != 5", False),
        ("execution_time_ms NOT IN (5)", False),
        ("NOT execution_time_ms = 5", True),
        # No LLM call reported usage.
        ("input_tokens IS NULL AND output_tokens IS NULL AND total_tokens IS NULL", True),
        ("output_tokens != 0", False),
        ("NOT output_tokens > 0", True),
        ("name IS NULL", True),
        ("name != 'x'", False),
        ("name NOT LIKE '%'", False),
        ("status = 'IN_PROGRESS'", True),
        # A trace without spans has no span to satisfy an existential predicate.
        ("span.type != 'TOOL'", False),
        ("span.attributes.k IS NULL", True),
        ("span.attributes.k IS NOT NULL", False),
        ("NOT span.status = 'ERROR'", True),
    ],
)
def test_missing_values_on_an_in_progress_trace(source: str, expected: bool) -> None:
    assert check(source, IN_PROGRESS) is expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("span.type = 'TOOL'", True),
        ("span.type = 'RETRIEVER'", False),
        ("span.type != 'TOOL'", True),  # some span is not a tool
        ("span.type NOT IN ('CHAIN', 'LLM', 'TOOL')", False),
        ("NOT span.type = 'RETRIEVER'", True),  # no span is a retriever
        ("span.name LIKE 'ch%'", True),
        ("span.name IN ('lookup')", True),
        ("span.status = 'ERROR'", True),
        ("span.status = 'UNSET'", False),
        # Each span comparison is existential on its own: these two match different spans.
        ("span.type = 'TOOL' AND span.status = 'OK'", True),
        ("span.type = 'TOOL' AND NOT span.status = 'OK'", False),
    ],
)
def test_span_fields_are_existential(source: str, expected: bool) -> None:
    assert check(source) is expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("span.attributes.gen_ai.usage.input_tokens > 10", True),
        ("span.attributes.gen_ai.usage.input_tokens = 12", True),  # the LLM span's number
        ("span.attributes.gen_ai.usage.input_tokens = '12'", True),  # the tool span's string
        ("span.attributes.gen_ai.usage.input_tokens > 12", False),
        ("span.attributes.gen_ai.usage.input_tokens LIKE '1%'", True),  # only the string
        ("span.attributes.`gen_ai.request.model` = 'gpt-4o'", True),
        ("span.attributes.gen_ai.request.model LIKE 'gpt%'", True),
        ("span.attributes.gen_ai.request.model ILIKE 'GPT-4O'", True),
        ("span.attributes.gen_ai.request.model NOT LIKE 'claude%'", True),
        ("span.attributes.gen_ai.request.model = 4", False),
        ("span.attributes.stream = 1", False),  # a bool is not a number
        ("span.attributes.stream = 'true'", False),
        ("span.attributes.stream IS NOT NULL", True),
        ("span.attributes.ratio < 1", True),
        ("span.attributes.ratio = 0.5", True),
        ("span.attributes.labels = 'a'", False),  # lists and objects never compare
        ("span.attributes.labels IS NOT NULL", True),
        ("span.attributes.nothing IS NULL", True),  # a JSON null is missing
        ("span.attributes.version IS NOT NULL", True),
        ("span.attributes.version IS NULL", False),
        ("span.attributes.version != 3", True),
        ("span.attributes.version != 'x'", False),  # a number never equals or differs a string
        ("span.attributes.version >= 2", True),
        ("span.attributes.missing IS NULL", True),
        ("span.attributes.missing != 1", False),
        (f"span.attributes.`{SpanAttributeKey.SPAN_TYPE}` IS NULL", True),  # reserved: not here
    ],
)
def test_span_attributes(source: str, expected: bool) -> None:
    assert check(source) is expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("text ILIKE '%refund%'", True),
        ("text LIKE '%Refund%'", True),
        ("text LIKE '%REFUND%'", False),
        ("text ILIKE '%\"query\"%'", True),  # span inputs as compact JSON
        ('text LIKE \'%{"query":"refund?"}%\'', True),
        ("text LIKE '\"5 days\"'", True),  # a whole field: the outputs JSON string
        ("text ILIKE '%lookup%'", True),  # a span name
        ("text ILIKE '%prod%'", False),  # tags are not full text
        ("text ILIKE '%gpt-4o%'", False),  # nor attributes
        ("NOT text ILIKE '%xyz%'", True),
    ],
)
def test_full_text(source: str, expected: bool) -> None:
    assert check(source) is expected


def test_trace_text_fields() -> None:
    assert trace_text_fields(TRACE) == [
        "Answer Refund",
        "How do I get a refund?",
        "Refunds take 5 days",
        "answer",
        '{"query":"refund?"}',
        '"5 days"',
        "chat",
        "lookup",
    ]
    assert trace_text_fields(IN_PROGRESS) == []
    assert check("text LIKE '%'", IN_PROGRESS) is False


def test_trace_field_value() -> None:
    assert trace_field_value(TRACE.info, "status") == "OK"
    assert trace_field_value(TRACE.info, "timestamp_ms") == 1_000
    assert trace_field_value(IN_PROGRESS.info, "execution_time_ms") is None
    assert trace_field_value(TRACE.info, "output_tokens") == 30
    assert trace_field_value(IN_PROGRESS.info, "total_tokens") is None


@pytest.mark.parametrize(
    ("value", "pattern", "expected"),
    [
        ("Answer Refund", "Answer%", True),
        ("Answer Refund", "answer%", False),
        ("Answer Refund", "Answer_Refund", True),
        ("Answer Refund", "Answer", False),  # LIKE matches the whole value
        ("Answer Refund", "%Refund", True),
        ("Answer Refund", "%", True),
        ("", "%", True),
        ("", "_", False),
        ("ab", "a_b", False),
        ("a\nb", "a%b", True),  # % spans newlines
        ("a\nb", "a_b", True),
        ("50% off_now", "50\\% off\\_now", True),
        ("50x off_now", "50\\% off\\_now", False),
        ("50% offXnow", "50\\% off\\_now", False),
        ("50% off", "50\\%%", True),
        ("a\\b", "a\\\\b", True),  # \\ is a literal backslash
        ("ab", "\\ab", True),  # an escaped ordinary character is itself
        ("x.y*z", "x.y*z", True),  # regex characters are literal
        ("x.y*z", "x_y*z", True),
        ("aXbXc", "%a%b%c%", True),
        ("aXcXb", "%a%b%c%", False),
    ],
)
def test_like(value: str, pattern: str, expected: bool) -> None:
    assert like_match(value, pattern) is expected
    assert (like_to_regex(pattern).fullmatch(value) is not None) is expected


@pytest.mark.parametrize(
    ("value", "pattern", "expected"),
    [
        ("Answer", "aNSWER", True),
        ("ÉCOLE", "école", True),
        ("STRASSE", "straße", False),  # lower(), not casefold()
        ("Ünïcödé", "%NÏC%", True),
    ],
)
def test_ilike_compares_lowercased_text(value: str, pattern: str, expected: bool) -> None:
    assert like_match(value, pattern, case_insensitive=True) is expected
    regex = like_to_regex(pattern, case_insensitive=True)
    assert (regex.fullmatch(value.lower()) is not None) is expected


def test_like_does_not_backtrack_catastrophically() -> None:
    value = "a" * 20_000
    pattern = "%a" * 30 + "%b"
    # Backtracking would take far longer than the suite's per-test timeout.
    assert like_match(value, pattern) is False
    assert like_match(value + "b", pattern) is True


def test_filters_on_a_trace_recorded_by_the_sdk(spanscope_traces: TraceCapture) -> None:
    @spanscope.trace(span_type="TOOL", attributes={"gen_ai.usage.input_tokens": 7})
    def lookup(order_id: str) -> dict[str, str]:
        return {"order": order_id, "state": "shipped"}

    @spanscope.trace(span_type="AGENT")
    def support_bot(question: str) -> str:
        spanscope.update_current_trace(tags={"env": "prod"}, session_id="s-1", user_id="u-7")
        return lookup("A-42")["state"]

    support_bot("Where is my order?")
    trace = spanscope_traces.single()
    for source in [
        "tags.env = 'prod' AND span.type = 'TOOL'",
        "status = 'OK' AND session_id = 's-1' AND user_id = 'u-7'",
        "name = 'support_bot' AND execution_time_ms >= 0 AND timestamp_ms > 0",
        "span.attributes.gen_ai.usage.input_tokens = 7",
        "text ILIKE '%a-42%' AND text LIKE '%shipped%'",
        "NOT span.status = 'ERROR'",
    ]:
        assert check(source, trace), source
    assert not check("span.type = 'LLM' OR tags.env = 'dev'", trace)
