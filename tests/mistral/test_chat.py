"""chat.complete and complete_async: one CHAT_MODEL span each, the whole chat in the GenAI
shape; a tool call round trip; a provider error re-raised unchanged and recorded."""

from __future__ import annotations

import json
from typing import Any

import pytest

import spanscope
from spanscope.testing import TraceCapture
from spanscope.testing.fake_llm import FakeLLMServer
from tests.genai_expect import ANSWER, WEATHER_DEFINITION, chat_span, text, tree, usage, user
from tests.mistral.conftest import make_client
from tests.mistral.expect import COMPLETE, MODEL, USER, WEATHER, chat_attributes, dumped

pytest.importorskip("mistralai.client")


def test_complete_under_a_user_span(client: Any, spanscope_traces: TraceCapture) -> None:
    @spanscope.trace(span_type="AGENT")
    def ask() -> Any:
        return client.chat.complete(model=MODEL, messages=USER, temperature=0.2)

    response = ask()
    assert response.choices[0].message.content == ANSWER
    (root,) = tree(spanscope_traces.single())
    assert root["name"] == "ask" and root["span_type"] == "AGENT"
    assert root["children"] == [
        chat_span(
            COMPLETE,
            inputs={"model": MODEL, "messages": USER, "temperature": 0.2},
            outputs=dumped(response),
            attributes=chat_attributes(
                inputs=[user()], outputs=[text(ANSWER)], finish="stop", tokens=usage(6, 8)
            ),
        )
    ]


async def test_complete_async(
    fake_llm: FakeLLMServer, traced: None, spanscope_traces: TraceCapture
) -> None:
    async with make_client(fake_llm) as client:
        response = await client.chat.complete_async(model=MODEL, messages=USER)
    assert response.choices[0].message.content == ANSWER
    assert tree(spanscope_traces.single()) == [
        chat_span(
            COMPLETE,
            inputs={"model": MODEL, "messages": USER},
            outputs=dumped(response),
            attributes=chat_attributes(
                inputs=[user()], outputs=[text(ANSWER)], finish="stop", tokens=usage(6, 8)
            ),
        )
    ]


def test_a_tool_call_round_trip(client: Any, spanscope_traces: TraceCapture) -> None:
    """The model calls the tool; its result goes back as a `tool` message, the model answers."""

    @spanscope.trace(span_type="AGENT")
    def weather_agent() -> str:
        first = client.chat.complete(model=MODEL, messages=USER, tools=[WEATHER], tool_choice="any")
        call = first.choices[0].message.tool_calls[0]
        result = get_weather(**json.loads(call.function.arguments))
        messages = [
            *USER,
            first.choices[0].message,
            {"role": "tool", "tool_call_id": call.id, "name": "get_weather", "content": result},
        ]
        second = client.chat.complete(model=MODEL, messages=messages, tools=[WEATHER])
        return str(second.choices[0].message.content)

    @spanscope.trace(span_type="TOOL")
    def get_weather(city: str) -> str:
        return f"Sunny in {city}"

    assert weather_agent() == "The tool returned: Sunny in example"
    (root,) = tree(spanscope_traces.single())
    first, tool, second = root["children"]
    assert [first["name"], tool["name"], second["name"]] == [COMPLETE, "get_weather", COMPLETE]
    call_part = {
        "type": "tool_call",
        "id": "call_fake_0",
        "name": "get_weather",
        "arguments": {"city": "example"},
    }
    assert first["attributes"] == chat_attributes(
        inputs=[user()],
        outputs=[call_part],
        finish="tool_calls",
        tokens=usage(6, first["attributes"]["gen_ai.usage.output_tokens"]),
        tools=[WEATHER_DEFINITION],
    )
    assert second["attributes"]["gen_ai.input.messages"] == [
        user(),
        {"role": "assistant", "parts": [call_part]},
        {
            "role": "tool",
            "parts": [
                {"type": "tool_call_response", "id": "call_fake_0", "response": "Sunny in example"}
            ],
            "name": "get_weather",
        },
    ]
    assert second["attributes"]["gen_ai.output.messages"] == [
        {
            "role": "assistant",
            "parts": [text("The tool returned: Sunny in example")],
            "finish_reason": "stop",
        }
    ]


def test_a_provider_error_is_reraised_unchanged_and_recorded(
    client: Any, spanscope_traces: TraceCapture
) -> None:
    from mistralai.client import errors

    with pytest.raises(errors.SDKError) as raised:
        client.chat.complete(model="error-429", messages=USER, retries=None)
    assert raised.value.status_code == 429
    (node,) = tree(spanscope_traces.single())
    assert node["status"] == "ERROR" and node["events"] == ["exception"]
    assert node["error"] == f"SDKError: {raised.value}"
    assert node["outputs"] is None
    assert node["attributes"]["gen_ai.request.model"] == "error-429"
    assert "gen_ai.output.messages" not in node["attributes"]
