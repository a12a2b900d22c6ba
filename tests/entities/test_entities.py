"""Entities: exact dict / JSON round trips, span search, text rendering."""

from __future__ import annotations

import re

import pytest

import spanscope
from spanscope import Document, Span, SpanEvent, SpanStatus, SpanStatusCode, Trace, TraceInfo
from spanscope.testing import TraceCapture


def _sample_trace(captured: TraceCapture) -> Trace:
    @spanscope.trace(span_type="RETRIEVER")
    def retrieve(query: str) -> list[dict[str, object]]:
        return [
            Document("refunds take 5 days", {"doc_uri": "kb/1", "chunk_id": "3"}, "d1").to_dict()
        ]

    @spanscope.trace(span_type="CHAIN", attributes={"version": 2, "flags": ["a"]})
    def answer(query: str) -> str:
        retrieve(query)
        with spanscope.start_span("llm", span_type="LLM") as span:
            span.set_attribute("gen_ai.usage.input_tokens", 12)
            span.add_event(SpanEvent("first_token", 123, {"n": 1}))
        try:
            with spanscope.start_span("tool", span_type="TOOL"):
                raise TimeoutError("slow")
        except TimeoutError:
            pass
        spanscope.update_current_trace(tags={"env": "test"}, session_id="s1")
        return "5 days"

    answer("refund?")
    return captured.single()


def test_trace_round_trips_exactly_through_dict_and_json(spanscope_traces: TraceCapture) -> None:
    trace = _sample_trace(spanscope_traces)
    as_dict = trace.to_dict()
    assert Trace.from_dict(as_dict).to_dict() == as_dict
    assert Trace.from_json(trace.to_json()) == trace
    assert Trace.from_json(trace.to_json(pretty=True)).to_dict() == as_dict
    for span in trace.data.spans:
        assert Span.from_dict(span.to_dict()) == span
    assert TraceInfo.from_dict(trace.info.to_dict()) == trace.info


def test_span_dict_shape(spanscope_traces: TraceCapture) -> None:
    trace = _sample_trace(spanscope_traces)
    root = trace.data.spans[0].to_dict()
    assert set(root) == {
        "trace_id",
        "span_id",
        "parent_id",
        "name",
        "span_type",
        "start_time_ns",
        "end_time_ns",
        "status",
        "inputs",
        "outputs",
        "attributes",
        "events",
    }
    assert re.fullmatch(r"[0-9a-f]{32}", root["trace_id"])
    assert re.fullmatch(r"[0-9a-f]{16}", root["span_id"])
    assert root["attributes"] == {"version": 2, "flags": ["a"]}
    assert root["status"] == {"code": "OK", "message": ""}
    tool = trace.search_spans(name="tool")[0].to_dict()
    assert tool["status"] == {"code": "ERROR", "message": "TimeoutError: slow"}
    assert tool["events"][0]["name"] == "exception"


def test_search_spans(spanscope_traces: TraceCapture) -> None:
    trace = _sample_trace(spanscope_traces)
    assert [s.name for s in trace.search_spans(span_type="RETRIEVER")] == ["retrieve"]
    assert [s.name for s in trace.search_spans(name=re.compile("^(llm|tool)$"))] == ["llm", "tool"]
    llm = trace.search_spans(name="llm")[0]
    assert trace.search_spans(span_id=llm.span_id) == [llm]
    assert trace.search_spans(name="llm", span_type="TOOL") == []
    assert trace.info.token_usage == {"input_tokens": 12, "output_tokens": 0, "total_tokens": 12}


def test_text_tree(spanscope_traces: TraceCapture) -> None:
    text = _sample_trace(spanscope_traces).to_text()
    lines = text.splitlines()
    assert lines[0].startswith("Trace ") and " OK " in lines[0]
    assert lines[1].startswith("└── answer [CHAIN]")
    assert any(line.startswith("    ├── retrieve [RETRIEVER]") for line in lines)
    assert any("└── tool [TOOL]" in line and "ERROR TimeoutError: slow" in line for line in lines)
    assert '    │   in: {"query":"refund?"}' in lines


def test_status_and_document_helpers() -> None:
    assert SpanStatus.coerce("OK") == SpanStatus(SpanStatusCode.OK)
    assert SpanStatus.coerce(SpanStatusCode.ERROR).status_code is SpanStatusCode.ERROR
    assert SpanStatus.from_dict({"code": "ERROR", "message": "m"}).to_dict() == {
        "code": "ERROR",
        "message": "m",
    }
    with pytest.raises(spanscope.InvalidArgumentError):
        SpanStatus.coerce("FINE")
    doc = Document("text", {"doc_uri": "u"}, "1")
    assert Document.from_dict(doc.to_dict()) == doc
    event = SpanEvent.from_exception(ValueError("x"))
    assert SpanEvent.from_dict(event.to_dict()) == event
