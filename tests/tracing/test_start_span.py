"""start_span as a context manager, span setters, events and the current-span accessors."""

from __future__ import annotations

import pytest

import spanscope
from spanscope import SpanEvent, SpanStatusCode
from spanscope.testing import TraceCapture, span_tree


def test_nested_start_spans_with_values_attributes_and_events(
    spanscope_traces: TraceCapture,
) -> None:
    assert spanscope.get_current_active_span() is None
    with spanscope.start_span("answer", span_type="CHAIN", inputs={"q": "hi"}) as root:
        assert spanscope.get_current_active_span() is root
        assert spanscope.get_active_trace_id() == root.trace_id
        with spanscope.start_span("retrieve", span_type="RETRIEVER", attributes={"k": 3}) as child:
            child.set_inputs("hi")
            child.set_outputs([{"page_content": "doc", "metadata": {"doc_uri": "a"}, "id": "1"}])
            child.set_attribute("index", "faq")
            child.add_event(SpanEvent("cache_miss", attributes={"key": "hi"}))
        assert spanscope.get_current_active_span() is root
        root.set_outputs("hello")
    assert spanscope.get_current_active_span() is None
    trace = spanscope_traces.single()
    assert span_tree(trace, attributes=True) == [
        {
            "name": "answer",
            "span_type": "CHAIN",
            "status": "OK",
            "inputs": {"q": "hi"},
            "outputs": "hello",
            "events": [],
            "attributes": {},
            "children": [
                {
                    "name": "retrieve",
                    "span_type": "RETRIEVER",
                    "status": "OK",
                    "inputs": "hi",
                    "outputs": [{"page_content": "doc", "metadata": {"doc_uri": "a"}, "id": "1"}],
                    "events": ["cache_miss"],
                    "attributes": {"k": 3, "index": "faq"},
                    "children": [],
                }
            ],
        }
    ]
    assert trace.search_spans(name="retrieve")[0].events[0].attributes == {"key": "hi"}
    assert spanscope.get_last_active_trace_id() == trace.info.trace_id


async def test_async_with_and_exception_in_block(spanscope_traces: TraceCapture) -> None:
    with pytest.raises(LookupError, match="no such tool"):
        async with spanscope.start_span("agent", span_type="AGENT"):
            async with spanscope.start_span("tool", span_type="TOOL"):
                raise LookupError("no such tool")
    tree = span_tree(spanscope_traces.single())
    assert tree[0]["status"] == "ERROR"
    assert tree[0]["children"][0]["status"] == "ERROR"
    assert tree[0]["children"][0]["error"] == "LookupError: no such tool"


def test_status_can_be_set_explicitly_and_end_twice_is_harmless(
    spanscope_traces: TraceCapture,
) -> None:
    with spanscope.start_span("check") as span:
        span.set_status("ERROR", "guardrail tripped")
        span.set_span_type("GUARDRAIL")
        span.set_name("guardrail")
        span.end()
        span.end()
        span.set_outputs("ignored after end")
    trace = spanscope_traces.single()
    root = trace.data.spans[0]
    assert root.name == "guardrail"
    assert root.span_type == "GUARDRAIL"
    assert root.status.status_code is SpanStatusCode.ERROR
    assert root.status.description == "guardrail tripped"
    assert root.outputs is None
    assert trace.info.state.value == "ERROR"


def test_bad_status_is_a_clear_error() -> None:
    with (
        spanscope.start_span("x") as span,
        pytest.raises(spanscope.InvalidArgumentError, match="expected a SpanStatus or one of"),
    ):
        span.set_status("BROKEN")


def test_record_exception_from_a_string(spanscope_traces: TraceCapture) -> None:
    with spanscope.start_span("x") as span:
        span.record_exception("upstream said no")
    root = spanscope_traces.single().data.spans[0]
    assert root.status.description == "upstream said no"
    assert root.events[0].attributes == {"exception.message": "upstream said no"}


def test_live_span_reads_back_what_was_set() -> None:
    with spanscope.start_span("x", inputs=[1, 2]) as span:
        span.set_attributes({"a": 1, "b": {"c": [1]}})
        assert span.inputs == [1, 2]
        assert span.attributes == {"a": 1, "b": {"c": [1]}}
        span.set_attribute("a", 2)
        assert span.get_attribute("a") == 2
        assert not span.is_ended
    assert span.is_ended
