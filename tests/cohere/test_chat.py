"""chat, sync and async: the conversation, a tool call round trip, and API errors."""

from __future__ import annotations

import json
import types
from typing import Any

import pytest

import spanscope
from spanscope.cohere._patch import ChatHooks
from spanscope.testing import TraceCapture
from spanscope.testing.fake_llm import FakeLLMServer
from tests.cohere.expect import (
    ACHAT,
    CALL_ID,
    CHAT,
    MESSAGES,
    MODEL,
    PLAN,
    WEATHER_TOOL,
    chat_attributes,
    counts,
    plan,
    reply,
    tool_call,
    tool_result,
)
from tests.genai_expect import (
    ANSWER,
    QUESTION,
    WEATHER_DEFINITION,
    chat_span,
    error_text,
    text,
    tree,
    usage,
    user,
)

cohere = pytest.importorskip("cohere")


def test_chat(client: Any, spanscope_traces: TraceCapture) -> None:
    messages = [{"role": "system", "content": "Be brief."}, *MESSAGES]
    response = client.chat(model=MODEL, messages=messages, temperature=0.2)
    assert isinstance(response, cohere.V2ChatResponse)
    assert response.message.content[0].text == ANSWER
    assert tree(spanscope_traces.single()) == [
        chat_span(
            CHAT,
            inputs={"model": MODEL, "messages": messages, "temperature": 0.2},
            outputs=reply(ANSWER, 8, 8),
            attributes=chat_attributes(
                inputs=[user()],
                system="Be brief.",
                outputs=[text(ANSWER)],
                finish="stop",
                tokens=usage(8, 8),
            ),
        )
    ]


async def test_chat_async(aclient: Any, spanscope_traces: TraceCapture) -> None:
    response = await aclient.chat(model=MODEL, messages=MESSAGES)
    assert response.message.content[0].text == ANSWER
    assert tree(spanscope_traces.single()) == [
        chat_span(
            ACHAT,
            inputs={"model": MODEL, "messages": MESSAGES},
            outputs=reply(ANSWER, 6, 8),
            attributes=chat_attributes(
                inputs=[user()], outputs=[text(ANSWER)], finish="stop", tokens=usage(6, 8)
            ),
        )
    ]


def test_the_sdk_message_objects_are_recorded_as_json(
    client: Any, spanscope_traces: TraceCapture
) -> None:
    client.chat(model=MODEL, messages=[cohere.UserChatMessageV2(content=QUESTION)])
    (node,) = tree(spanscope_traces.single())
    assert node["inputs"] == {"model": MODEL, "messages": [{"role": "user", "content": QUESTION}]}
    assert node["attributes"]["gen_ai.input.messages"] == [user()]


def test_usage_is_counted_once(client: Any, spanscope_traces: TraceCapture) -> None:
    """The API reports `tokens` and `billed_units` for the same call: the span takes one."""
    client.chat(model=MODEL, messages=MESSAGES)
    client.chat(model=MODEL, messages=MESSAGES)
    for trace in spanscope_traces.traces:
        assert trace.info.token_usage is not None
        assert trace.info.token_usage["input_tokens"] == 6
        assert trace.info.token_usage["output_tokens"] == 8


WEATHER_NOW = "sunny, 21 C"


def test_a_tool_call_round_trip(client: Any, spanscope_traces: TraceCapture) -> None:
    @spanscope.trace(span_type="TOOL")
    def get_weather(city: str) -> str:
        return WEATHER_NOW

    @spanscope.trace(span_type="AGENT")
    def agent() -> str:
        messages: list[Any] = list(MESSAGES)
        first = client.chat(model=MODEL, messages=messages, tools=[WEATHER_TOOL])
        assert first.finish_reason == "TOOL_CALL"
        messages.append(first.message)
        for call in first.message.tool_calls:
            result = get_weather(**json.loads(call.function.arguments))
            messages.append(
                cohere.ToolChatMessageV2(
                    tool_call_id=call.id, content=[{"type": "text", "text": result}]
                )
            )
        second = client.chat(model=MODEL, messages=messages, tools=[WEATHER_TOOL])
        answer: str = second.message.content[0].text
        return answer

    assert agent() == f"The tool returned: {WEATHER_NOW}"
    (root,) = tree(spanscope_traces.single())
    assert [(c["name"], c["span_type"]) for c in root["children"]] == [
        (CHAT, "CHAT_MODEL"),
        ("get_weather", "TOOL"),
        (CHAT, "CHAT_MODEL"),
    ]
    first, tool, second = root["children"]
    assert first["attributes"] == chat_attributes(
        inputs=[user()],
        tools=[WEATHER_DEFINITION],
        outputs=[plan(), tool_call()],
        finish="tool_call",
        tokens=usage(6, 2),
    )
    assert first["outputs"]["message"] == {
        "role": "assistant",
        "tool_plan": PLAN,
        "tool_calls": [
            {
                "id": CALL_ID,
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city": "example"}'},
            }
        ],
    }
    assert tool["inputs"] == {"city": "example"} and tool["outputs"] == WEATHER_NOW
    answer = f"The tool returned: {WEATHER_NOW}"
    assert second["attributes"] == chat_attributes(
        inputs=[
            user(),
            {"role": "assistant", "parts": [plan(), tool_call()]},
            {"role": "tool", "parts": [tool_result(WEATHER_NOW)]},
        ],
        tools=[WEATHER_DEFINITION],
        outputs=[text(answer)],
        finish="stop",
        tokens=usage(11, 6),
    )
    assert second["outputs"]["usage"] == counts(11, 6)


def test_the_reply_reads_the_same_from_its_body_and_from_the_sdk_object(
    client: Any, spanscope_traces: TraceCapture
) -> None:
    """A traced chat reads the reply from the JSON body it came in; where the SDK does not
    show the body, from the SDK's response object. Both record the same span."""
    request = {"model": MODEL, "messages": MESSAGES, "tools": [WEATHER_TOOL]}
    http = client.with_raw_response.chat(**request)  # traced, from the body
    assert http.response.content.startswith(b"{")
    hooks = ChatHooks(CHAT)  # the same call's hooks, given the SDK's object alone
    hooks.after(hooks.before((), request), types.SimpleNamespace(data=http.data))
    from_body, from_object = (tree(trace) for trace in spanscope_traces.traces)
    assert from_body == from_object
    (node,) = from_body
    assert node["outputs"]["message"]["tool_calls"][0]["id"] == CALL_ID
    assert node["attributes"] == chat_attributes(
        inputs=[user()],
        tools=[WEATHER_DEFINITION],
        outputs=[plan(), tool_call()],
        finish="tool_call",
        tokens=usage(6, 2),
    )


def test_tool_choice_none_answers_in_text(client: Any, spanscope_traces: TraceCapture) -> None:
    client.chat(model=MODEL, messages=MESSAGES, tools=[WEATHER_TOOL], tool_choice="NONE")
    (node,) = tree(spanscope_traces.single())
    assert node["attributes"]["gen_ai.output.messages"] == [
        {"role": "assistant", "parts": [text(ANSWER)], "finish_reason": "stop"}
    ]
    assert node["inputs"]["tool_choice"] == "NONE"


def test_an_api_error_is_raised_unchanged_and_recorded(
    client: Any, fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    fake_llm.fail_next(429)
    with pytest.raises(cohere.TooManyRequestsError) as caught:
        client.chat(model=MODEL, messages=MESSAGES)
    assert caught.value.status_code == 429
    assert caught.value.body["message"].startswith("Rate limit reached")
    assert tree(spanscope_traces.single()) == [
        chat_span(
            CHAT,
            inputs={"model": MODEL, "messages": MESSAGES},
            outputs=None,
            error=error_text(caught.value),
            attributes=chat_attributes(inputs=[user()], response=False),
        )
    ]


async def test_an_api_error_async(
    aclient: Any, fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    with pytest.raises(cohere.BadRequestError) as caught:
        await aclient.chat(model="error-400", messages=MESSAGES)
    (node,) = tree(spanscope_traces.single())
    assert (node["name"], node["status"], node["error"]) == (
        ACHAT,
        "ERROR",
        error_text(caught.value),
    )
    assert node["events"] == ["exception"]


def test_a_v1_client_v2_namespace_is_traced(
    fake_llm: FakeLLMServer, traced: None, spanscope_traces: TraceCapture
) -> None:
    with cohere.Client(api_key="co-fake", base_url=fake_llm.cohere_base_url) as v1:
        v1.v2.chat(model=MODEL, messages=MESSAGES)
    assert [node["name"] for node in tree(spanscope_traces.single())] == [CHAT]
