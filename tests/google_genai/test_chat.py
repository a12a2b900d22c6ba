"""Chat sessions send through the traced methods: one span per turn, the conversation so far
as its input messages."""

from __future__ import annotations

from typing import Any

import pytest

import spanscope
from spanscope.constants import SpanAttributeKey as K
from spanscope.testing import TraceCapture, span_tree
from tests.genai_expect import ANSWER, QUESTION, assistant, chat_span, text, tree, usage, user
from tests.google_genai.expect import (
    GENERATE,
    MODEL,
    STREAM,
    chat_attributes,
    dumped,
    tool_call,
    tool_result,
)

genai = pytest.importorskip("google.genai")
types = genai.types

GREETING = "Hello there"
GREETING_ANSWER = f"You said: {GREETING}"
# The config a chat sends: it runs any functions itself, so the SDK's own loop is off.
CHAT_CONFIG = {"automatic_function_calling": {"disable": True, "maximum_remote_calls": 10}}


def _contents(*turns: tuple[str, str]) -> list[dict[str, Any]]:
    return [{"role": role, "parts": [{"text": words}]} for role, words in turns]


def test_a_chat_session_of_two_turns(client: Any, spanscope_traces: TraceCapture) -> None:
    @spanscope.trace(span_type="AGENT")
    def conversation() -> list[str]:
        chat = client.chats.create(model=MODEL)
        return [chat.send_message(GREETING).text, chat.send_message(QUESTION).text]

    assert conversation() == [GREETING_ANSWER, ANSWER]
    (root,) = tree(spanscope_traces.single())
    first, second = root["children"]
    assert first == chat_span(
        GENERATE,
        inputs={"model": MODEL, "contents": _contents(("user", GREETING)), "config": CHAT_CONFIG},
        outputs=first["outputs"],
        attributes=chat_attributes(
            inputs=[user(GREETING)],
            outputs=[text(GREETING_ANSWER)],
            finish="stop",
            tokens=usage(2, 4),
        ),
    )
    assert second == chat_span(
        GENERATE,
        inputs={
            "model": MODEL,
            "contents": _contents(
                ("user", GREETING), ("model", GREETING_ANSWER), ("user", QUESTION)
            ),
            "config": CHAT_CONFIG,
        },
        outputs=second["outputs"],
        attributes=chat_attributes(
            inputs=[user(GREETING), assistant(GREETING_ANSWER), user()],
            outputs=[text(ANSWER)],
            finish="stop",
            tokens=usage(12, 8),
        ),
    )
    assert [node["outputs"]["candidates"][0]["content"]["parts"] for node in (first, second)] == [
        [{"text": GREETING_ANSWER}],
        [{"text": ANSWER}],
    ]
    assert root["outputs"] == [GREETING_ANSWER, ANSWER]


async def test_an_async_chat_session_streams_its_second_turn(
    aclient: Any, spanscope_traces: TraceCapture
) -> None:
    chat = aclient.chats.create(model=MODEL)
    first = await chat.send_message(GREETING)
    pieces = [chunk.text async for chunk in await chat.send_message_stream(QUESTION)]
    assert (first.text, "".join(pieces)) == (GREETING_ANSWER, ANSWER)
    first_trace, second_trace = spanscope_traces.traces
    assert tree(first_trace)[0]["outputs"] == dumped(first)
    (node,) = tree(second_trace)
    assert (node["name"], node["events"]) == (STREAM, ["stream.chunk"] * 8)
    assert node["attributes"][K.GEN_AI_INPUT_MESSAGES] == [
        user(GREETING),
        assistant(GREETING_ANSWER),
        user(),
    ]
    assert node["attributes"][K.GEN_AI_OUTPUT_MESSAGES] == [
        {"role": "assistant", "parts": [text(ANSWER)], "finish_reason": "stop"}
    ]


def test_a_chat_with_python_functions_has_a_span_per_request(
    client: Any, spanscope_traces: TraceCapture
) -> None:
    # The chat runs the functions itself, between two generate_content calls.
    @spanscope.trace(span_type="TOOL")
    def get_weather(city: str) -> str:
        """Current weather in a city."""
        return f"sunny in {city}"

    @spanscope.trace(span_type="AGENT")
    def agent() -> str:
        chat = client.chats.create(
            model=MODEL, config=types.GenerateContentConfig(tools=[get_weather])
        )
        return str(chat.send_message(QUESTION).text)

    assert agent() == "The tool returned: sunny in example"
    trace = spanscope_traces.single()
    outline = span_tree(trace, values=False, events=False)
    assert [(node["name"], node["span_type"]) for node in outline[0]["children"]] == [
        (GENERATE, "CHAT_MODEL"),
        ("get_weather", "TOOL"),
        (GENERATE, "CHAT_MODEL"),
    ]
    second = trace.search_spans(span_type="CHAT_MODEL")[1]
    assert second.get_attribute(K.GEN_AI_INPUT_MESSAGES) == [
        user(),
        {"role": "assistant", "parts": [tool_call()]},
        {"role": "user", "parts": [tool_result({"result": "sunny in example"})]},
    ]
