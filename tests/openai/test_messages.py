"""The pure mapping in `spanscope.openai._messages`, on wire dicts and on the SDK's objects,
for shapes the fake server does not produce (refusals, reasoning, parallel tool calls...)."""

from __future__ import annotations

from typing import Any

import pydantic
import pytest

from spanscope.tracing.llm import Usage

openai = pytest.importorskip("openai")

from spanscope.openai import _messages as m  # noqa: E402  (needs openai)
from spanscope.openai import _responses as r  # noqa: E402

ChatCompletionChunk = openai.types.chat.ChatCompletionChunk
Response = openai.types.responses.Response


def test_request_inputs_drop_placeholders_and_headers() -> None:
    class Answer(pydantic.BaseModel):
        text: str

    request = {
        "model": "gpt-x",
        "messages": [],
        "n": openai.omit,
        "timeout": openai.NOT_GIVEN,
        "extra_headers": {"Authorization": "Bearer secret"},
        "extra_query": None,
        "extra_body": {"x": 1},
        "stop": None,
        "response_format": Answer,
    }
    assert m.request_inputs(request) == {
        "model": "gpt-x",
        "messages": [],
        "extra_body": {"x": 1},
        "stop": None,
        "response_format": {
            "type": "json_schema",
            "name": "Answer",
            "schema": Answer.model_json_schema(),
        },
    }
    assert m.request_model(request) == "gpt-x"
    assert m.request_model({"model": openai.omit}) is None


def test_chat_messages_with_refusal_images_and_the_old_function_call() -> None:
    messages = [
        {"role": "developer", "content": "Rules."},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "What is this?"},
                {"type": "image_url", "image_url": {"url": "https://x.test/a.png"}},
            ],
        },
        {"role": "assistant", "content": None, "refusal": "I can't help with that."},
        {"role": "assistant", "function_call": {"name": "f", "arguments": '{"a": 1}'}},
        {"role": "function", "name": "f", "content": "42"},
    ]
    assert m.chat_input_messages(messages) == [
        {"role": "developer", "parts": [{"type": "text", "content": "Rules."}]},
        {
            "role": "user",
            "parts": [
                {"type": "text", "content": "What is this?"},
                {"type": "uri", "modality": "image", "uri": "https://x.test/a.png"},
            ],
        },
        {"role": "assistant", "parts": [{"type": "refusal", "content": "I can't help with that."}]},
        {
            "role": "assistant",
            "parts": [{"type": "tool_call", "id": None, "name": "f", "arguments": {"a": 1}}],
        },
        {"role": "function", "parts": [{"type": "text", "content": "42"}], "name": "f"},
    ]
    assert m.chat_input_messages(iter(messages)) == []  # never consumed


def test_chat_tools_fall_back_to_functions() -> None:
    function = {"name": "f", "parameters": {"type": "object"}}
    assert m.chat_tools({"functions": [function]}) == [{"type": "function", "function": function}]
    assert m.chat_tools({}) == []


def test_chat_output_orders_choices() -> None:
    completion = {
        "choices": [
            {
                "index": 1,
                "message": {"role": "assistant", "content": "b"},
                "finish_reason": "length",
            },
            {"index": 0, "message": {"role": "assistant", "content": "a"}, "finish_reason": "stop"},
        ]
    }
    assert m.chat_output(completion) == (
        [
            {
                "role": "assistant",
                "parts": [{"type": "text", "content": "a"}],
                "finish_reason": "stop",
            },
            {
                "role": "assistant",
                "parts": [{"type": "text", "content": "b"}],
                "finish_reason": "length",
            },
        ],
        ["stop", "length"],
    )


def chunk(choices: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    base = {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "gpt-x"}
    return {**base, "choices": choices, **fields}


def delta(index: int, finish: str | None = None, **fields: Any) -> dict[str, Any]:
    return {"index": index, "delta": fields, "finish_reason": finish}


PARALLEL_CHUNKS = [
    chunk([delta(0, role="assistant", content=""), delta(1, role="assistant")]),
    chunk([delta(1, content="Hel")]),
    chunk(
        [
            delta(
                0,
                tool_calls=[
                    {"index": 0, "id": "a", "type": "function", "function": {"name": "f"}},
                    {"index": 1, "id": "b", "type": "function", "function": {"name": "g"}},
                ],
            )
        ]
    ),
    chunk([delta(0, tool_calls=[{"index": 1, "function": {"arguments": '{"y": '}}])]),
    chunk([delta(0, tool_calls=[{"index": 0, "function": {"arguments": '{"x": 1}'}}])]),
    chunk([delta(0, tool_calls=[{"index": 1, "function": {"arguments": "2}"}}])]),
    chunk([delta(1, content="lo"), delta(0, "tool_calls")]),
    chunk([delta(1, "stop")]),
    chunk(
        [],
        usage={
            "prompt_tokens": 9,
            "completion_tokens": 7,
            "total_tokens": 16,
            "prompt_tokens_details": {"cached_tokens": 4, "cache_write_tokens": 2},
            "completion_tokens_details": {"reasoning_tokens": 3},
        },
    ),
]


@pytest.mark.parametrize("as_objects", [False, True], ids=["dicts", "sdk-objects"])
def test_chat_stream_with_two_choices_and_parallel_tool_calls(as_objects: bool) -> None:
    chunks: list[Any] = PARALLEL_CHUNKS
    if as_objects:
        chunks = [ChatCompletionChunk.model_validate(c) for c in PARALLEL_CHUNKS]
    completion = m.assemble_chat_stream(chunks)
    calls = [
        {"type": "function", "id": "a", "function": {"name": "f", "arguments": '{"x": 1}'}},
        {"type": "function", "id": "b", "function": {"name": "g", "arguments": '{"y": 2}'}},
    ]
    usage = PARALLEL_CHUNKS[-1]["usage"]
    assert completion["choices"] == [
        {
            "index": 0,
            "message": {"role": "assistant", "content": None, "tool_calls": calls},
            "finish_reason": "tool_calls",
        },
        {
            "index": 1,
            "message": {"role": "assistant", "content": "Hello"},
            "finish_reason": "stop",
        },
    ]
    assert (completion["id"], completion["model"], completion["created"]) == ("c1", "gpt-x", 1)
    if not as_objects:
        assert completion["usage"] == usage
    messages, reasons = m.chat_output(completion)
    assert messages[0]["parts"] == [
        {"type": "tool_call", "id": "a", "name": "f", "arguments": {"x": 1}},
        {"type": "tool_call", "id": "b", "name": "g", "arguments": {"y": 2}},
    ]
    assert reasons == ["tool_calls", "stop"]
    assert m.usage(completion["usage"]) == Usage(9, 7, 4, 2, 3)


def test_chat_stream_refusal_and_function_call_deltas() -> None:
    chunks = [
        chunk([delta(0, role="assistant", refusal="I can")]),
        chunk([delta(0, refusal="'t.", function_call={"name": "f", "arguments": "{}"})]),
    ]
    (choice,) = m.assemble_chat_stream(chunks)["choices"]
    assert choice["message"] == {
        "role": "assistant",
        "content": None,
        "refusal": "I can't.",
        "function_call": {"name": "f", "arguments": "{}"},
    }
    assert choice["finish_reason"] is None


def test_usage_of_each_api() -> None:
    assert m.usage(None) is None
    assert m.usage({"prompt_tokens": 3, "total_tokens": 3}) == Usage(3)  # embeddings
    responses_usage = {
        "input_tokens": 5,
        "output_tokens": 6,
        "input_tokens_details": {"cached_tokens": 1},
        "output_tokens_details": {"reasoning_tokens": 2},
    }
    assert m.usage(responses_usage) == Usage(5, 6, 1, None, 2)


def test_legacy_completion_stream() -> None:
    chunks = [
        {"id": "x", "model": "m", "choices": [{"index": 0, "text": "a", "finish_reason": None}]},
        {
            "id": "x",
            "model": "m",
            "choices": [{"index": 0, "text": "b", "finish_reason": "length"}],
        },
    ]
    assert m.assemble_completion_stream(chunks) == {
        "id": "x",
        "object": "text_completion",
        "model": "m",
        "choices": [{"index": 0, "text": "ab", "finish_reason": "length"}],
        "usage": None,
    }
    assert m.completion_input_messages([[1, 2]]) == []


REASONING = {
    "type": "reasoning",
    "id": "rs_1",
    "summary": [{"type": "summary_text", "text": "Hmm."}],
}
CALL = {"type": "function_call", "call_id": "c1", "name": "f", "arguments": '{"x": 1}'}


def test_responses_input_items() -> None:
    items = [
        {"role": "system", "content": "Rules."},
        {
            "type": "message",
            "role": "user",
            "content": [
                {"type": "input_text", "text": "Look"},
                {"type": "input_image", "image_url": "https://x.test/a.png", "detail": "auto"},
            ],
        },
        REASONING,
        CALL,
        {"type": "custom_tool_call", "call_id": "c2", "name": "g", "input": "raw"},
        {"type": "function_call_output", "call_id": "c1", "output": "2"},
        {"type": "item_reference", "id": "msg_0"},
        {"type": "reasoning", "id": "rs_2", "summary": []},  # nothing to show
    ]
    assert r.responses_input_messages(items) == [
        {"role": "system", "parts": [{"type": "text", "content": "Rules."}]},
        {
            "role": "user",
            "parts": [
                {"type": "text", "content": "Look"},
                {"type": "uri", "modality": "image", "uri": "https://x.test/a.png"},
            ],
        },
        {
            "role": "assistant",  # one turn: reasoning and both calls
            "parts": [
                {"type": "reasoning", "content": "Hmm."},
                {"type": "tool_call", "id": "c1", "name": "f", "arguments": {"x": 1}},
                {"type": "tool_call", "id": "c2", "name": "g", "arguments": "raw"},
            ],
        },
        {"role": "tool", "parts": [{"type": "tool_call_response", "id": "c1", "response": "2"}]},
        {"role": "assistant", "parts": [{"type": "item_reference", "id": "msg_0"}]},
    ]
    assert r.responses_input_messages(None) == []


def response(status: str = "completed", **fields: Any) -> dict[str, Any]:
    return {
        "id": "resp_1",
        "object": "response",
        "created_at": 1.0,
        "model": "gpt-x",
        "status": status,
        "output": [
            REASONING,
            {
                "type": "message",
                "id": "m1",
                "role": "assistant",
                "status": "completed",
                "content": [
                    {"type": "output_text", "text": "Hi", "annotations": []},
                    {"type": "refusal", "refusal": "Not that."},
                ],
            },
            {**CALL, "id": "fc_1", "status": "completed"},
            {
                "type": "web_search_call",
                "id": "ws_1",
                "status": "completed",
                "action": {"type": "search", "query": "x"},
            },
        ],
        "parallel_tool_calls": True,
        "tool_choice": "auto",
        "tools": [],
        **fields,
    }


@pytest.mark.parametrize("as_objects", [False, True], ids=["dicts", "sdk-objects"])
def test_responses_output_parts(as_objects: bool) -> None:
    value: Any = response()
    if as_objects:
        value = Response.model_validate(value)
    messages, reasons = r.responses_output(value)
    parts = messages[0]["parts"]
    assert parts[:4] == [
        {"type": "reasoning", "content": "Hmm."},
        {"type": "text", "content": "Hi"},
        {"type": "refusal", "content": "Not that."},
        {"type": "tool_call", "id": "c1", "name": "f", "arguments": {"x": 1}},
    ]
    assert (parts[4]["type"], parts[4]["id"]) == ("web_search_call", "ws_1")
    assert reasons == ["tool_calls"] and messages[0]["finish_reason"] == "tool_calls"


@pytest.mark.parametrize(
    ("status", "fields", "reason"),
    [
        ("incomplete", {"incomplete_details": {"reason": "max_output_tokens"}}, "length"),
        ("incomplete", {"incomplete_details": {"reason": "content_filter"}}, "content_filter"),
        ("failed", {"error": {"code": "server_error", "message": "boom"}}, "error"),
        ("cancelled", {}, "cancelled"),
        ("in_progress", {}, None),
    ],
)
def test_responses_finish_reasons(status: str, fields: dict[str, Any], reason: str | None) -> None:
    assert r.responses_output(response(status, **fields))[1] == [reason]


def test_responses_error() -> None:
    assert r.responses_error(response()) is None
    failed = response("failed", error={"code": "server_error", "message": "boom"})
    assert r.responses_error(failed) == "server_error: boom"


def test_responses_tools() -> None:
    tools = [
        {"type": "function", "name": "f", "parameters": {"type": "object"}, "strict": True},
        {"type": "web_search"},
    ]
    assert r.responses_tools(tools) == [
        {"type": "function", "name": "f", "parameters": {"type": "object"}},
        {"type": "web_search"},
    ]


def test_responses_stream_cut_short_keeps_what_came() -> None:
    started = {"id": "resp_1", "model": "gpt-x", "status": "in_progress", "output": []}
    events = [
        {"type": "response.created", "response": started},
        {"type": "response.output_item.added", "output_index": 0, "item": {"type": "message"}},
        {
            "type": "response.output_text.delta",
            "output_index": 0,
            "content_index": 0,
            "delta": "He",
        },
        {"type": "response.output_text.delta", "output_index": 0, "content_index": 0, "delta": "y"},
        {
            "type": "response.output_item.added",
            "output_index": 1,
            "item": {**CALL, "arguments": ""},
        },
        {"type": "response.function_call_arguments.delta", "output_index": 1, "delta": '{"x"'},
    ]
    assembled = r.assemble_responses_stream(events)
    assert assembled == {
        **started,
        "output": [
            {"type": "message", "content": [{"type": "output_text", "text": "Hey"}]},
            {**CALL, "arguments": '{"x"'},
        ],
    }
    messages, reasons = r.responses_output(assembled)
    assert messages[0]["parts"] == [
        {"type": "text", "content": "Hey"},
        {"type": "tool_call", "id": "c1", "name": "f", "arguments": '{"x"'},
    ]
    assert reasons == [None]
