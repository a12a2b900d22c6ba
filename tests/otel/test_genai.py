"""OpenTelemetry GenAI conventions, new and old, mapped onto whole spanscope spans."""

from __future__ import annotations

import json
from typing import Any

import pytest

from spanscope.constants import TraceMetadataKey
from spanscope.otel import spans_from_request
from spanscope.otel.conventions import ResourceKey
from spanscope.otel.values import AnyValue, any_to_json
from tests.otel.otlp_helpers import expected_span, proto_request


def _mapped(spec: dict[str, Any]) -> dict[str, Any]:
    [item] = spans_from_request(proto_request(spec))
    return item.span.to_dict()


def _text(role: str, content: str, **extra: Any) -> dict[str, Any]:
    return {"role": role, "parts": [{"type": "text", "content": content}], **extra}


WEATHER_INPUT = [
    _text("user", "Weather in Paris?"),
    {
        "role": "assistant",
        "parts": [
            {"type": "tool_call", "id": "call_1", "name": "weather", "arguments": {"city": "Paris"}}
        ],
    },
    {"role": "tool", "parts": [{"type": "tool_call_response", "id": "call_1", "response": "rain"}]},
]


def test_new_style_attributes() -> None:
    output = [_text("assistant", "Rainy.", finish_reason="stop")]
    tool = {"name": "weather", "description": "Get weather", "parameters": {"type": "object"}}
    span = _mapped(
        {
            "name": "chat gpt-4o",
            "kind": 3,
            "attributes": {
                "gen_ai.operation.name": "chat",
                "gen_ai.provider.name": "openai",
                "gen_ai.request.model": "gpt-4o",
                "gen_ai.response.model": "gpt-4o-2024-08-06",
                "gen_ai.system_instructions": json.dumps([{"type": "text", "content": "Brief."}]),
                "gen_ai.input.messages": json.dumps(WEATHER_INPUT),
                "gen_ai.output.messages": output,  # structured, as an AnyValue array
                "gen_ai.usage.input_tokens": 42,
                "gen_ai.usage.output_tokens": 3,
                "gen_ai.tool.definitions": json.dumps([{"type": "function", "function": tool}]),
                "server.address": "api.openai.com",
            },
        }
    )
    system = {"role": "system", "parts": [{"type": "text", "content": "Brief."}]}
    assert span == expected_span(
        name="chat gpt-4o",
        span_type="CHAT_MODEL",
        inputs={"messages": [system, *WEATHER_INPUT]},
        outputs=output,
        attributes={
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": "openai",
            "gen_ai.request.model": "gpt-4o",
            "gen_ai.response.model": "gpt-4o-2024-08-06",
            "gen_ai.system_instructions": [{"type": "text", "content": "Brief."}],
            "gen_ai.input.messages": WEATHER_INPUT,
            "gen_ai.output.messages": output,
            "gen_ai.usage.input_tokens": 42,
            "gen_ai.usage.output_tokens": 3,
            "gen_ai.tool.definitions": [{"type": "function", **tool}],
            "server.address": "api.openai.com",
            "gen_ai.response.finish_reasons": ["stop"],
            "otel.span.kind": "CLIENT",
        },
    )


def test_deprecated_message_events() -> None:
    call = {"id": "c1", "type": "function", "function": {"name": "add", "arguments": '{"a": 2}'}}
    content = "gen_ai.event.content"
    choice = {"message": {"content": "2."}, "finish_reason": "stop", "index": 0}
    span = _mapped(
        {
            "attributes": {
                "gen_ai.operation.name": "chat",
                "gen_ai.system": "az.ai.inference",
                "gen_ai.request.model": "gpt-4",
                "gen_ai.usage.prompt_tokens": 10,
                "gen_ai.usage.completion_tokens": 5,
            },
            "events": [
                (
                    "gen_ai.system.message",
                    1,
                    {"gen_ai.system": "az.ai.inference", content: '{"content": "You help."}'},
                ),
                ("gen_ai.user.message", 2, {content: '{"role": "user", "content": "Add 2"}'}),
                ("retry", 3, {"attempt": 1}),
                ("gen_ai.assistant.message", 4, {"tool_calls": json.dumps([call])}),
                ("gen_ai.tool.message", 5, {"content": "2", "id": "c1"}),
                (
                    "gen_ai.choice",
                    6,
                    {content: json.dumps(choice)},
                ),
            ],
        }
    )
    inputs = [
        _text("system", "You help."),
        _text("user", "Add 2"),
        {
            "role": "assistant",
            "parts": [{"type": "tool_call", "id": "c1", "name": "add", "arguments": {"a": 2}}],
        },
        {"role": "tool", "parts": [{"type": "tool_call_response", "id": "c1", "response": "2"}]},
    ]
    outputs = [_text("assistant", "2.", finish_reason="stop")]
    assert span == expected_span(
        span_type="CHAT_MODEL",
        inputs={"messages": inputs},
        outputs=outputs,
        attributes={
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": "az.ai.inference",
            "gen_ai.request.model": "gpt-4",
            "gen_ai.usage.input_tokens": 10,
            "gen_ai.usage.output_tokens": 5,
            "gen_ai.input.messages": inputs,
            "gen_ai.output.messages": outputs,
            "gen_ai.response.finish_reasons": ["stop"],
        },
        # The consumed message events are gone; the unrelated one stays.
        events=[
            {
                "name": "retry",
                "timestamp_ns": 1_700_000_000_000_000_003,
                "attributes": {"attempt": 1},
            }
        ],
    )


def test_content_prompt_events_of_the_oldest_conventions() -> None:
    span = _mapped(
        {
            "attributes": {"gen_ai.system": "openai"},
            "events": [
                (
                    "gen_ai.content.prompt",
                    1,
                    {"gen_ai.prompt": '[{"role": "user", "content": "Hi"}]'},
                ),
                ("gen_ai.content.completion", 2, {"gen_ai.completion": '[{"content": "Hello"}]'}),
            ],
        }
    )
    assert span["span_type"] == "LLM"  # no operation name: messages make it an LLM span
    assert span["inputs"] == {"messages": [_text("user", "Hi")]}
    assert span["outputs"] == [_text("assistant", "Hello")]
    assert span["events"] == []


def test_indexed_attributes_of_openllmetry() -> None:
    span = _mapped(
        {
            "attributes": {
                "gen_ai.system": "openai",
                "llm.request.type": "chat",
                "gen_ai.request.model": "gpt-4o-mini",
                "gen_ai.prompt.0.role": "system",
                "gen_ai.prompt.0.content": "Be kind.",
                "gen_ai.prompt.1.role": "user",
                "gen_ai.prompt.1.content": "What is 2+2?",
                "gen_ai.prompt.1.x_custom": "kept",
                "gen_ai.completion.0.role": "assistant",
                "gen_ai.completion.0.finish_reason": "tool_calls",
                "gen_ai.completion.0.tool_calls.0.id": "t1",
                "gen_ai.completion.0.tool_calls.0.name": "calc",
                "gen_ai.completion.0.tool_calls.0.arguments": '{"expr": "2+2"}',
                "gen_ai.usage.prompt_tokens": 7,
                "gen_ai.usage.completion_tokens": 2,
                "llm.usage.total_tokens": 9,
                "llm.request.functions.0.name": "calc",
                "llm.request.functions.0.description": "Evaluate",
                "llm.request.functions.0.parameters": '{"type": "object"}',
            }
        }
    )
    inputs = [_text("system", "Be kind."), _text("user", "What is 2+2?")]
    outputs = [
        {
            "role": "assistant",
            "parts": [
                {"type": "tool_call", "id": "t1", "name": "calc", "arguments": {"expr": "2+2"}}
            ],
            "finish_reason": "tool_calls",
        }
    ]
    assert span == expected_span(
        span_type="CHAT_MODEL",
        inputs={"messages": inputs},
        outputs=outputs,
        attributes={
            "gen_ai.provider.name": "openai",
            "llm.request.type": "chat",
            "gen_ai.request.model": "gpt-4o-mini",
            "gen_ai.prompt.1.x_custom": "kept",  # not understood: stays where it was
            "gen_ai.usage.input_tokens": 7,
            "gen_ai.usage.output_tokens": 2,
            # llm.usage.total_tokens is dropped: it says input + output.
            "gen_ai.input.messages": inputs,
            "gen_ai.output.messages": outputs,
            "gen_ai.tool.definitions": [
                {
                    "type": "function",
                    "name": "calc",
                    "description": "Evaluate",
                    "parameters": {"type": "object"},
                }
            ],
            "gen_ai.response.finish_reasons": ["tool_calls"],
        },
    )


def test_execute_tool_span() -> None:
    span = _mapped(
        {
            "name": "execute_tool weather",
            "attributes": {
                "gen_ai.operation.name": "execute_tool",
                "gen_ai.tool.name": "weather",
                "gen_ai.tool.call.id": "call_1",
                "gen_ai.tool.call.arguments": '{"city": "Paris"}',
                "gen_ai.tool.call.result": "rain",
            },
        }
    )
    assert span == expected_span(
        name="execute_tool weather",
        span_type="TOOL",
        inputs={"city": "Paris"},
        outputs="rain",
        attributes={
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": "weather",
            "gen_ai.tool.call.id": "call_1",
        },
    )


@pytest.mark.parametrize(
    ("operation", "span_type"),
    [
        ("chat", "CHAT_MODEL"),
        ("text_completion", "LLM"),
        ("generate_content", "LLM"),
        ("embeddings", "EMBEDDING"),
        ("execute_tool", "TOOL"),
        ("invoke_agent", "AGENT"),
        ("create_agent", "AGENT"),
        ("retrieval", "RETRIEVER"),
        ("invoke_workflow", "WORKFLOW"),
        ("plan", "UNKNOWN"),
    ],
)
def test_operation_names_give_span_types(operation: str, span_type: str) -> None:
    span = _mapped({"attributes": {"gen_ai.operation.name": operation}})
    assert span["span_type"] == span_type
    assert span["attributes"] == {"gen_ai.operation.name": operation}


def test_session_and_user_move_to_trace_metadata() -> None:
    request = proto_request(
        {"attributes": {"gen_ai.conversation.id": "conv-1", "user.id": "u-7"}},
        {"parent_id": "b7ad6b7169203331", "attributes": {"session.id": "s-1", "user.id": "u-7"}},
    )
    first, second = spans_from_request(request)
    assert first.trace_metadata == {
        TraceMetadataKey.SESSION: "conv-1",
        TraceMetadataKey.USER: "u-7",
    }
    assert second.trace_metadata == {TraceMetadataKey.SESSION: "s-1", TraceMetadataKey.USER: "u-7"}
    # Foreign spans keep them as attributes too: nothing depends on the server merging them.
    assert first.span.attributes == {"gen_ai.conversation.id": "conv-1", "user.id": "u-7"}
    assert second.span.attributes == {"session.id": "s-1", "user.id": "u-7"}


def test_experiment_by_name_from_the_resource() -> None:
    resource: dict[str, Any] = {"service.name": "app", ResourceKey.EXPERIMENT_NAME: "support-bot"}
    [item] = spans_from_request(proto_request({}, resource=resource))
    assert (item.experiment_id, item.experiment_name) == (None, "support-bot")
    assert item.experiment == "support-bot"
    resource[ResourceKey.EXPERIMENT_ID] = 12  # any AnyValue: read as text
    [item] = spans_from_request(proto_request({}, resource=resource))
    assert (item.experiment_id, item.experiment_name, item.experiment) == (
        "12",
        "support-bot",
        "12",
    )


def test_any_values_become_json() -> None:
    value = AnyValue()
    kv = value.kvlist_value.values.add()
    kv.key = "blob"
    kv.value.bytes_value = b"\x00\x01"
    kv = value.kvlist_value.values.add()
    kv.key = "list"
    items = kv.value.array_value.values
    items.add().int_value = -(2**63)
    items.add().double_value = float("nan")
    items.add()  # empty: null
    items.add().kvlist_value.SetInParent()
    items.add().array_value.SetInParent()
    items.add().bool_value = False
    assert any_to_json(value) == {"blob": "AAE=", "list": [-(2**63), "nan", None, {}, [], False]}


def test_usage_under_its_current_keys_is_kept_as_it_is() -> None:
    usage = {
        "gen_ai.usage.input_tokens": 9,
        "gen_ai.usage.output_tokens": 4,
        "gen_ai.usage.reasoning.output_tokens": 2,
        "gen_ai.usage.cache_read.input_tokens": 3,
    }
    span = _mapped({"attributes": {"gen_ai.operation.name": "chat", **usage}})
    assert span["attributes"] == {"gen_ai.operation.name": "chat", **usage}
