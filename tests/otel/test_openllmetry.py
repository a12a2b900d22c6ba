"""OpenLLMetry (Traceloop) spans mapped whole: decorator spans, and the legacy LLM format that
OpenLLMetry's Python instrumentations wrote before 0.55 (and its JavaScript ones still write).

The current format is covered end to end with the real packages in
tests/otel/instrumentations/test_openllmetry_openai.py.
"""

from __future__ import annotations

import json
from typing import Any

from opentelemetry.semconv_ai import SpanAttributes, TraceloopSpanKindValues

from spanscope.constants import TraceMetadataKey
from spanscope.otel import spans_from_request
from tests.otel.otlp_helpers import WEATHER_ANSWER, WEATHER_PROMPT, expected_span, proto_request


def _mapped(attributes: dict[str, Any], **spec: Any) -> Any:
    [item] = spans_from_request(proto_request({"attributes": attributes, **spec}))
    return item


def test_decorator_kinds_give_the_type_and_entity_input_output_the_values() -> None:
    for kind, span_type in (
        (TraceloopSpanKindValues.WORKFLOW, "WORKFLOW"),
        (TraceloopSpanKindValues.TASK, "TASK"),
        (TraceloopSpanKindValues.AGENT, "AGENT"),
        (TraceloopSpanKindValues.TOOL, "TOOL"),
    ):
        item = _mapped(
            {
                SpanAttributes.TRACELOOP_SPAN_KIND: kind.value,
                SpanAttributes.TRACELOOP_ENTITY_NAME: "step",
                SpanAttributes.TRACELOOP_ENTITY_INPUT: json.dumps(
                    {"args": ["Paris"], "kwargs": {"days": 2}}
                ),
                SpanAttributes.TRACELOOP_ENTITY_OUTPUT: '"rain"',
                "traceloop.association.properties.user_id": "u-1",
                "traceloop.association.properties.session_id": "s-1",
            },
            name=f"step.{kind.value}",
        )
        assert item.span.to_dict() == expected_span(
            name=f"step.{kind.value}",
            span_type=span_type,
            inputs={"args": ["Paris"], "kwargs": {"days": 2}},
            outputs="rain",
            attributes={
                "traceloop.entity.name": "step",
                "traceloop.association.properties.user_id": "u-1",
                "traceloop.association.properties.session_id": "s-1",
            },
        )
        assert item.trace_metadata == {
            TraceMetadataKey.USER: "u-1",
            TraceMetadataKey.SESSION: "s-1",
        }


def test_an_output_that_is_not_json_stays_text() -> None:
    item = _mapped(
        {
            SpanAttributes.TRACELOOP_SPAN_KIND: "task",
            SpanAttributes.TRACELOOP_ENTITY_OUTPUT: "<Response object>",
        }
    )
    assert (item.span.span_type, item.span.outputs) == ("TASK", "<Response object>")


def test_legacy_chat_span_with_a_tool_round_trip() -> None:
    item = _mapped(
        {
            "llm.request.type": "chat",
            "gen_ai.system": "OpenAI",
            "gen_ai.request.model": "gpt-4o-mini",
            "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
            "gen_ai.prompt.0.role": "system",
            "gen_ai.prompt.0.content": "Be brief.",
            "gen_ai.prompt.1.role": "user",
            "gen_ai.prompt.1.content": "Weather in Paris?",
            "gen_ai.prompt.2.role": "assistant",
            "gen_ai.prompt.2.tool_calls.0.id": "call_1",
            "gen_ai.prompt.2.tool_calls.0.name": "weather",
            "gen_ai.prompt.2.tool_calls.0.arguments": '{"city": "Paris"}',
            "gen_ai.prompt.3.role": "tool",
            "gen_ai.prompt.3.tool_call_id": "call_1",
            "gen_ai.prompt.3.content": "rain",
            "gen_ai.completion.0.role": "assistant",
            "gen_ai.completion.0.content": "It rains.",
            "gen_ai.completion.0.finish_reason": "stop",
            "llm.request.functions.0.name": "weather",
            "llm.request.functions.0.description": "The weather in a city.",
            "llm.request.functions.0.parameters": '{"type": "object"}',
            "gen_ai.usage.prompt_tokens": 20,
            "gen_ai.usage.completion_tokens": 3,
            "llm.usage.total_tokens": 23,
            "llm.usage.cache_read_input_tokens": 4,
            "llm.is_streaming": False,
            "traceloop.workflow.name": "daily_report",
        },
        name="openai.chat",
    )
    span = item.span
    assert span.span_type == "CHAT_MODEL"
    assert span.inputs == {"messages": WEATHER_PROMPT}
    assert span.outputs == WEATHER_ANSWER
    assert span.attributes == {
        "llm.request.type": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
        "gen_ai.input.messages": WEATHER_PROMPT,
        "gen_ai.output.messages": WEATHER_ANSWER,
        "gen_ai.response.finish_reasons": ["stop"],
        "gen_ai.tool.definitions": [
            {
                "type": "function",
                "name": "weather",
                "description": "The weather in a city.",
                "parameters": {"type": "object"},
            }
        ],
        "gen_ai.usage.input_tokens": 20,
        "gen_ai.usage.output_tokens": 3,
        "gen_ai.usage.cache_read.input_tokens": 4,
        "llm.is_streaming": False,
        "traceloop.workflow.name": "daily_report",
    }


def test_legacy_total_that_is_not_input_plus_output_stays() -> None:
    item = _mapped(
        {
            "llm.request.type": "completion",
            "gen_ai.usage.prompt_tokens": 5,
            "gen_ai.usage.completion_tokens": 1,
            "llm.usage.total_tokens": 9,
            "llm.usage.reasoning_tokens": 3,
        }
    )
    attrs = item.span.attributes
    assert item.span.span_type == "LLM"
    assert attrs["llm.usage.total_tokens"] == 9
    assert attrs["gen_ai.usage.reasoning.output_tokens"] == 3
