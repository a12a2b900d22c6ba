"""Vercel AI SDK telemetry (`ai.*` spans, AI SDK 4-6 and v7's legacy spans) mapped whole."""

from __future__ import annotations

import json
from typing import Any

from spanscope.otel import spans_from_request
from tests.otel.otlp_helpers import WEATHER_ANSWER, WEATHER_CALL, WEATHER_PROMPT, proto_request


def _mapped(attributes: dict[str, Any], name: str) -> Any:
    [item] = spans_from_request(proto_request({"attributes": attributes, "name": name}))
    return item.span


def test_provider_call_with_tool_round_trip_v5() -> None:
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": [{"type": "text", "text": "Weather in Paris?"}]},
        {
            "role": "assistant",
            "content": [
                {
                    "type": "tool-call",
                    "toolCallId": "call_1",
                    "toolName": "weather",
                    "input": {"city": "Paris"},
                }
            ],
        },
        {
            "role": "tool",
            "content": [
                {
                    "type": "tool-result",
                    "toolCallId": "call_1",
                    "toolName": "weather",
                    "output": {"type": "text", "value": "rain"},
                }
            ],
        },
    ]
    span = _mapped(
        {
            "ai.operationId": "ai.generateText.doGenerate",
            "operation.name": "ai.generateText.doGenerate forecaster",
            "ai.model.id": "gpt-4o-mini",
            "ai.model.provider": "openai.chat",
            "gen_ai.system": "openai.chat",
            "ai.prompt.messages": json.dumps(messages),
            "ai.prompt.tools": [
                json.dumps(
                    {
                        "type": "function",
                        "name": "weather",
                        "description": "The weather in a city.",
                        "inputSchema": {"type": "object"},
                    }
                )
            ],
            "ai.response.text": "It rains.",
            "ai.response.finishReason": "stop",
            "ai.response.model": "gpt-4o-mini-2024-07-18",
            "ai.response.id": "resp_1",
            "ai.usage.promptTokens": 20,
            "ai.usage.completionTokens": 3,
            "ai.settings.maxRetries": 2,
        },
        "ai.generateText.doGenerate",
    )
    assert span.span_type == "CHAT_MODEL"
    assert span.inputs == {"messages": WEATHER_PROMPT}
    assert span.outputs == WEATHER_ANSWER
    assert span.attributes == {
        "operation.name": "ai.generateText.doGenerate forecaster",
        "ai.operationId": "ai.generateText.doGenerate",
        "ai.model.provider": "openai.chat",
        "ai.settings.maxRetries": 2,
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
        "gen_ai.response.id": "resp_1",
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
    }


def test_tool_calls_in_the_response_v4_args() -> None:
    span = _mapped(
        {
            "ai.operationId": "ai.streamText.doStream",
            "ai.response.toolCalls": json.dumps(
                [{"toolCallId": "call_1", "toolName": "weather", "args": '{"city": "Paris"}'}]
            ),
            "ai.response.finishReason": "tool-calls",
            "ai.usage.inputTokens": 8,
            "ai.usage.outputTokens": 2,
            "ai.usage.totalTokens": 10,
        },
        "ai.streamText.doStream",
    )
    assert span.span_type == "CHAT_MODEL"
    assert span.outputs == [
        {"role": "assistant", "parts": [WEATHER_CALL], "finish_reason": "tool-calls"}
    ]
    assert "ai.usage.totalTokens" not in span.attributes  # input + output


def test_outer_call_prompt_and_tool_span() -> None:
    outer = _mapped(
        {
            "ai.operationId": "ai.generateText",
            "ai.prompt": json.dumps({"system": "Be brief.", "prompt": "Weather in Paris?"}),
            "ai.response.text": "It rains.",
        },
        "ai.generateText",
    )
    assert outer.span_type == "CHAIN"
    assert outer.attributes["gen_ai.input.messages"] == [
        {"role": "system", "parts": [{"type": "text", "content": "Be brief."}]},
        {"role": "user", "parts": [{"type": "text", "content": "Weather in Paris?"}]},
    ]

    tool = _mapped(
        {
            "ai.operationId": "ai.toolCall",
            "ai.toolCall.name": "weather",
            "ai.toolCall.id": "call_1",
            "ai.toolCall.args": '{"city": "Paris"}',
            "ai.toolCall.result": '"rain"',
        },
        "ai.toolCall",
    )
    assert (tool.span_type, tool.inputs, tool.outputs) == ("TOOL", {"city": "Paris"}, "rain")
    assert tool.attributes == {
        "ai.operationId": "ai.toolCall",
        "gen_ai.tool.name": "weather",
        "gen_ai.tool.call.id": "call_1",
    }
