"""Pydantic Logfire and Pydantic AI spans mapped whole, in the formats the real packages do not
write today (older Pydantic AI instrumentation versions) and Logfire's own span naming.

The current format is covered end to end in tests/otel/instrumentations/test_pydantic_ai_logfire.py.
"""

from __future__ import annotations

import json
from typing import Any

from spanscope.otel import spans_from_request
from tests.otel.otlp_helpers import proto_request


def _mapped(attributes: dict[str, Any], name: str = "span") -> Any:
    [item] = spans_from_request(proto_request({"attributes": attributes, "name": name}))
    return item.span


def test_a_span_named_by_its_template_is_shown_under_the_formatted_message() -> None:
    span = _mapped(
        {
            "logfire.msg_template": "app run {who}",
            "logfire.msg": "app run alice",
            "who": "alice",
            "tags": '{"team": "search"}',
            "logfire.json_schema": json.dumps(
                {"type": "object", "properties": {"who": {}, "tags": {"type": "object"}}}
            ),
        },
        name="app run {who}",
    )
    assert span.name == "app run alice"
    assert span.attributes["tags"] == {"team": "search"}  # declared an object: decoded
    assert span.attributes["who"] == "alice"
    # A name that is not the template (set by the program) is kept.
    assert _mapped({"logfire.msg": "other", "logfire.msg_template": "t"}, name="mine").name == (
        "mine"
    )


def test_agent_run_of_format_2_with_aggregated_usage() -> None:
    messages = [
        {"role": "user", "parts": [{"type": "text", "content": "Weather in Paris?"}]},
        {
            "role": "assistant",
            "parts": [
                {"type": "thinking", "content": "Ask the tool."},
                {
                    "type": "tool_call",
                    "id": "call_1",
                    "name": "weather",
                    "arguments": '{"city": "Paris"}',
                },
            ],
        },
        # Before format 6 tool results came back in a user message, as `result`.
        {
            "role": "user",
            "parts": [
                {"type": "tool_call_response", "id": "call_1", "name": "weather", "result": "rain"}
            ],
        },
        {"role": "assistant", "parts": [{"type": "text", "content": "It rains."}]},
    ]
    span = _mapped(
        {
            "agent_name": "forecaster",
            "model_name": "gpt-4o-mini",
            "logfire.msg": "forecaster run",
            "pydantic_ai.all_messages": json.dumps(messages),
            "final_result": "It rains.",
            "gen_ai.aggregated_usage.input_tokens": 30,
            "gen_ai.aggregated_usage.output_tokens": 9,
            "logfire.json_schema": json.dumps(
                {"type": "object", "properties": {"pydantic_ai.all_messages": {"type": "array"}}}
            ),
        },
        name="agent run",
    )
    assert span.span_type == "AGENT"
    assert span.inputs == {
        "messages": [{"role": "user", "parts": [{"type": "text", "content": "Weather in Paris?"}]}]
    }
    assert span.outputs == "It rains."
    assert span.attributes["gen_ai.input.messages"][1:] == [
        {
            "role": "assistant",
            "parts": [
                {"type": "reasoning", "content": "Ask the tool."},
                {
                    "type": "tool_call",
                    "id": "call_1",
                    "name": "weather",
                    "arguments": {"city": "Paris"},
                },
            ],
        },
        {
            "role": "tool",
            "parts": [
                {
                    "type": "tool_call_response",
                    "id": "call_1",
                    "name": "weather",
                    "response": "rain",
                }
            ],
        },
    ]
    assert span.attributes["gen_ai.output.messages"] == [messages[-1]]
    assert span.attributes["gen_ai.request.model"] == "gpt-4o-mini"
    assert span.attributes["gen_ai.usage.input_tokens"] == 30
    assert span.attributes["gen_ai.usage.output_tokens"] == 9
    for consumed in ("pydantic_ai.all_messages", "final_result", "model_name"):
        assert consumed not in span.attributes
    assert not any(key.startswith("gen_ai.aggregated_usage.") for key in span.attributes)


def test_running_tool_span_of_format_2() -> None:
    span = _mapped(
        {
            "gen_ai.tool.name": "weather",
            "gen_ai.tool.call.id": "call_1",
            "tool_arguments": '{"city": "Paris"}',
            "tool_response": "rain",
            "logfire.msg": "running tool: weather",
        },
        name="running tool",
    )
    assert (span.span_type, span.inputs, span.outputs) == ("TOOL", {"city": "Paris"}, "rain")
    assert "tool_arguments" not in span.attributes
