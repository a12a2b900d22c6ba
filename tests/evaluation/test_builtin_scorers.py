"""Built-in code scorers, on outputs and on real traces made with @spanscope.trace and
start_span (an agent that retrieves, calls a tool and asks a model)."""

from __future__ import annotations

import sys
from typing import Any

import pytest

import spanscope
from spanscope import Document, Feedback, InvalidArgumentError, SpanType, Trace
from spanscope.constants import SpanAttributeKey as K
from spanscope.scorers import (
    Scorer,
    contains,
    exact_match,
    is_valid_json,
    latency_budget,
    matches_json_schema,
    matches_regex,
    token_budget,
    tool_called,
    tool_not_called,
)
from spanscope.testing import capture_traces

MS = 1_000_000


def agent_trace() -> Trace:
    """An agent run: a RETRIEVER span with documents, a TOOL span, a chat model with usage."""

    @spanscope.trace(span_type=SpanType.AGENT)
    def agent(question: str) -> str:
        with spanscope.start_span(
            "search_docs", span_type=SpanType.RETRIEVER, inputs={"query": question}
        ) as retriever:
            retriever.set_outputs(
                [Document("Paris is the capital of France.", {"doc_uri": "kb/france"}).to_dict()]
            )
        with spanscope.start_span(
            "get_weather", span_type=SpanType.TOOL, inputs={"city": "Paris"}
        ) as tool:
            tool.set_outputs({"sky": "sunny"})
        with spanscope.start_span("chat", span_type=SpanType.CHAT_MODEL) as llm:
            llm.set_attributes({K.GEN_AI_INPUT_TOKENS: 120, K.GEN_AI_OUTPUT_TOKENS: 30})
        return "Paris, and it is sunny."

    with capture_traces() as captured:
        agent("What is the capital of France?")
    return captured.single()


def plain_trace() -> Trace:
    with capture_traces() as captured:
        with spanscope.start_span("answer", span_type=SpanType.CHAIN) as span:
            span.set_outputs("hi")
    return captured.single()


def timed_trace(duration_ms: int) -> Trace:
    """A trace whose root took exactly `duration_ms` (times given, not measured)."""
    client = spanscope.TracingClient()
    with capture_traces() as captured:
        root = client.start_trace("timed", start_time_ns=1_000 * MS)
        client.end_trace(root.trace_id, outputs="done", end_time_ns=(1_000 + duration_ms) * MS)
    return captured.single()


def one(scorer: Scorer, **row: Any) -> Feedback:
    [feedback] = scorer.score(**row)
    return feedback


def error_of(feedback: Feedback) -> str:
    assert feedback.value is None and feedback.error is not None
    return str(feedback.error.error_message)


# -- text ----------------------------------------------------------------------------------------


def test_exact_match_compares_with_the_expected_response() -> None:
    scorer = exact_match()
    assert scorer.name == "exact_match" and scorer.parameters == ("outputs", "expectations")
    expectations = {"expected_response": "Paris"}
    assert one(scorer, outputs=" Paris\n", expectations=expectations).value is True
    miss = one(scorer, outputs="paris", expectations=expectations)
    assert (miss.value, miss.rationale) == (False, "expected 'Paris', got 'paris'")
    assert one(exact_match(ignore_case=True), outputs="PARIS", expectations=expectations).value
    strict = exact_match(strip_whitespace=False)
    assert one(strict, outputs="Paris ", expectations=expectations).value is False


def test_exact_match_of_other_values_and_named_expectations() -> None:
    scorer = exact_match("answer", name="same_answer")
    feedback = one(scorer, outputs={"city": "Paris"}, expectations={"answer": {"city": "Paris"}})
    assert (feedback.name, feedback.value) == ("same_answer", True)
    assert one(scorer, outputs=[1], expectations={"answer": [2]}).value is False


def test_exact_match_without_the_expectation_is_an_error_feedback() -> None:
    feedback = one(exact_match(), outputs="Paris", expectations={"other": "x"})
    assert "expectations['expected_response']" in error_of(feedback)
    assert "expectations" in error_of(one(exact_match(), outputs="Paris", expectations=None))


def test_contains_fixed_substrings() -> None:
    assert one(contains("sunny"), outputs="Paris, sunny").value is True
    both = contains(["Paris", "rain"], name="mentions")
    feedback = one(both, outputs="Paris, sunny")
    assert (feedback.name, feedback.value, feedback.rationale) == (
        "mentions",
        False,
        "the outputs lack ['rain']",
    )
    assert one(contains("PARIS", ignore_case=True), outputs="paris").value is True
    # Outputs that are not text are searched as their JSON.
    assert one(contains('"city": "Paris"'), outputs={"city": "Paris"}).value is True


def test_contains_what_the_expectations_name() -> None:
    scorer = contains(expectation="must_mention")
    row = {"expectations": {"must_mention": ["Paris", "France"]}}
    assert one(scorer, outputs="Paris, France", **row).value is True
    assert one(scorer, outputs="Paris", **row).value is False
    assert "must_mention" in error_of(one(scorer, outputs="Paris", expectations={}))


def test_contains_takes_substrings_or_an_expectation() -> None:
    with pytest.raises(InvalidArgumentError, match="one of them"):
        contains()
    with pytest.raises(InvalidArgumentError, match="one of them"):
        contains("a", expectation="b")
    with pytest.raises(InvalidArgumentError, match="list of strings"):
        contains([])


def test_matches_regex() -> None:
    dated = matches_regex(r"\d{4}-\d{2}-\d{2}")
    assert dated.name == "matches_regex"
    assert one(dated, outputs="due 2026-01-31").value is True
    assert one(dated, outputs="due soon").value is False
    whole = matches_regex(r"[A-Z][a-z]+", full_match=True, name="one_word")
    assert one(whole, outputs="Paris").value is True
    assert one(whole, outputs="Paris France").value is False
    with pytest.raises(InvalidArgumentError, match="not a regex"):
        matches_regex("(unclosed")


def test_is_valid_json() -> None:
    scorer = is_valid_json()
    assert scorer.name == "valid_json"
    assert one(scorer, outputs='{"city": "Paris"}').value is True
    assert one(scorer, outputs={"city": "Paris"}).value is True
    broken = one(scorer, outputs='{"city": ')
    assert broken.value is False and str(broken.rationale).startswith("not JSON")
    assert one(scorer, outputs=None).rationale == "there are no outputs"
    assert one(scorer, outputs={"n": float("nan")}).value is False


SCHEMA = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "days": {"type": "integer", "minimum": 1}},
    "required": ["city"],
}


def test_matches_json_schema() -> None:
    scorer = matches_json_schema(SCHEMA)
    assert scorer.name == "json_schema"
    assert one(scorer, outputs='{"city": "Paris", "days": 2}').value is True
    assert one(scorer, outputs={"city": "Paris"}).value is True
    wrong = one(scorer, outputs={"city": "Paris", "days": 0})
    assert wrong.value is False
    assert wrong.rationale == "at days: 0 is less than the minimum of 1"
    missing = one(scorer, outputs="{}")
    assert missing.rationale == "at (root): 'city' is a required property"
    assert one(scorer, outputs="not json").value is False


def test_matches_json_schema_refuses_a_bad_schema() -> None:
    with pytest.raises(InvalidArgumentError, match="invalid schema"):
        matches_json_schema({"type": "no-such-type"})


def test_matches_json_schema_names_the_extra_when_jsonschema_is_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "jsonschema", None)  # import fails
    with pytest.raises(ImportError, match=r"spanscope\[evaluation\]"):
        matches_json_schema(SCHEMA)


# -- traces --------------------------------------------------------------------------------------


def test_latency_budget_reads_the_trace_duration() -> None:
    trace = timed_trace(1500)
    assert trace.info.execution_duration == 1500
    within = one(latency_budget(2000), trace=trace)
    assert (within.name, within.value, within.rationale) == (
        "latency_budget",
        True,
        "took 1500 ms, within the budget of 2000 ms",
    )
    assert within.trace_id == trace.trace_id
    over = one(latency_budget(max_ms=1000, name="fast"), trace=trace)
    assert (over.name, over.value) == ("fast", False)
    assert one(latency_budget(1500), trace=trace).value is True


def test_budgets_need_a_trace_and_a_sane_budget() -> None:
    assert "has none" in error_of(one(latency_budget(10), outputs="x"))
    assert "has none" in error_of(one(token_budget(10), outputs="x"))
    with pytest.raises(InvalidArgumentError, match="max_ms"):
        latency_budget(-1)
    with pytest.raises(InvalidArgumentError, match="max_tokens"):
        token_budget(True)
    with pytest.raises(InvalidArgumentError, match="input_tokens"):
        token_budget(10, count="tokens")


def test_token_budget_sums_the_trace_usage() -> None:
    trace = agent_trace()
    assert trace.info.token_usage == {
        "input_tokens": 120,
        "output_tokens": 30,
        "total_tokens": 150,
    }
    within = one(token_budget(150), trace=trace)
    assert (within.name, within.value, within.rationale) == (
        "token_budget",
        True,
        "used 150 total tokens, within the budget of 150",
    )
    assert one(token_budget(100), trace=trace).value is False
    assert one(token_budget(40, count="output_tokens"), trace=trace).value is True
    assert one(token_budget(100, count="input_tokens"), trace=trace).value is False
    # A trace without any LLM usage used no tokens.
    assert one(token_budget(0), trace=plain_trace()).rationale == (
        "used 0 total tokens, within the budget of 0"
    )


def test_tool_called_and_not_called_read_tool_spans() -> None:
    trace = agent_trace()
    assert [s.name for s in trace.search_spans(span_type=SpanType.TOOL)] == ["get_weather"]
    any_tool = one(tool_called(), trace=trace)
    assert (any_tool.name, any_tool.value, any_tool.rationale) == (
        "tool_called",
        True,
        "1 tool call(s): get_weather",
    )
    weather = one(tool_called("get_weather"), trace=trace)
    assert (weather.name, weather.value, weather.rationale) == (
        "tool_called_get_weather",
        True,
        "the tool 'get_weather' was called 1 time(s)",
    )
    search = one(tool_called("search_web"), trace=trace)
    assert (search.value, search.rationale) == (False, "the tool 'search_web' was not called")
    assert one(tool_not_called("search_web"), trace=trace).value is True
    assert one(tool_not_called("get_weather"), trace=trace).value is False
    assert one(tool_not_called(name="no_tools"), trace=trace).name == "no_tools"
    quiet = plain_trace()
    assert one(tool_called(), trace=quiet).rationale == "no tool was called"
    assert one(tool_called(), trace=quiet).value is False
    assert one(tool_not_called(), trace=quiet).value is True


def test_tool_called_matches_the_tool_name_attribute() -> None:
    with capture_traces() as captured:
        with spanscope.start_span("run"):
            with spanscope.start_span(
                "execute_tool", span_type=SpanType.TOOL, attributes={K.GEN_AI_TOOL_NAME: "lookup"}
            ):
                pass
    trace = captured.single()
    assert one(tool_called("lookup"), trace=trace).value is True
    assert one(tool_called("execute_tool"), trace=trace).value is True
    assert one(tool_called("other"), trace=trace).value is False


def test_scorers_on_a_traced_run_together() -> None:
    trace = agent_trace()
    root = trace.data.root
    assert root is not None
    row = {
        "inputs": root.inputs,
        "outputs": root.outputs,
        "expectations": {"expected_response": "Paris, and it is sunny."},
        "trace": trace,
    }
    scorers = [
        exact_match(),
        contains("sunny"),
        matches_regex("Paris"),
        token_budget(1000),
        latency_budget(60_000),
        tool_called("get_weather"),
        tool_not_called("search_web"),
    ]
    results = {f.name: f.value for s in scorers for f in s.score(**row)}
    assert results == {
        "exact_match": True,
        "contains": True,
        "matches_regex": True,
        "token_budget": True,
        "latency_budget": True,
        "tool_called_get_weather": True,
        "tool_not_called_search_web": True,
    }
    for scorer in scorers:
        [feedback] = scorer.score(**row)
        assert feedback.trace_id == trace.trace_id
        assert feedback.source.source_id == scorer.name
