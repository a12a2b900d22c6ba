"""generate_content, sync and async: replies, system instructions, tools, errors."""

from __future__ import annotations

from typing import Any

import pytest

import spanscope
from spanscope.testing import TraceCapture
from spanscope.testing.fake_llm import FakeLLMServer
from tests.genai_expect import (
    ANSWER,
    QUESTION,
    WEATHER_DEFINITION,
    WEATHER_SCHEMA,
    chat_span,
    error_text,
    text,
    tree,
    usage,
    user,
)
from tests.google_genai.expect import (
    GENERATE,
    MODEL,
    chat_attributes,
    dumped,
    tool_call,
    tool_result,
)

genai = pytest.importorskip("google.genai")
types = genai.types

WEATHER = types.FunctionDeclaration(
    name="get_weather", description="Current weather", parameters_json_schema=WEATHER_SCHEMA
)
TOOLS = [types.Tool(function_declarations=[WEATHER])]


def test_generate_content(client: Any, spanscope_traces: TraceCapture) -> None:
    config = types.GenerateContentConfig(system_instruction="Be terse", temperature=0.5)
    response = client.models.generate_content(model=MODEL, contents=QUESTION, config=config)
    assert response.text == ANSWER
    assert tree(spanscope_traces.single()) == [
        chat_span(
            GENERATE,
            inputs={
                "model": MODEL,
                "contents": QUESTION,
                "config": {"system_instruction": "Be terse", "temperature": 0.5},
            },
            outputs=dumped(response),
            attributes=chat_attributes(
                system="Be terse",
                inputs=[user()],
                outputs=[text(ANSWER)],
                finish="stop",
                tokens=usage(8, 8),
            ),
        )
    ]


async def test_generate_content_async(aclient: Any, spanscope_traces: TraceCapture) -> None:
    # The model's resource name and the conversation as Content dicts, as the SDK accepts them.
    contents = [{"role": "user", "parts": [{"text": QUESTION}]}]
    response = await aclient.models.generate_content(model=f"models/{MODEL}", contents=contents)
    assert response.text == ANSWER
    assert tree(spanscope_traces.single()) == [
        chat_span(
            GENERATE,
            inputs={"model": f"models/{MODEL}", "contents": contents},
            outputs=dumped(response),
            attributes=chat_attributes(
                inputs=[user()], outputs=[text(ANSWER)], finish="stop", tokens=usage(6, 8)
            ),
        )
    ]


def test_a_tool_call_round_trip(client: Any, spanscope_traces: TraceCapture) -> None:
    config = types.GenerateContentConfig(tools=TOOLS)
    first = client.models.generate_content(model=MODEL, contents=QUESTION, config=config)
    (call,) = first.function_calls
    assert (call.name, call.args) == ("get_weather", {"city": "example"})
    history = [
        types.UserContent(parts=[types.Part.from_text(text=QUESTION)]),
        first.candidates[0].content,
        types.UserContent(
            parts=[types.Part.from_function_response(name=call.name, response={"result": "sunny"})]
        ),
    ]
    second = client.models.generate_content(model=MODEL, contents=history, config=config)
    assert second.text == "The tool returned: sunny"

    config_inputs = {
        "tools": [
            {
                "function_declarations": [
                    {
                        "name": "get_weather",
                        "description": "Current weather",
                        "parameters_json_schema": WEATHER_SCHEMA,
                    }
                ]
            }
        ]
    }
    first_trace, second_trace = spanscope_traces.traces
    assert tree(first_trace) == [
        chat_span(
            GENERATE,
            inputs={"model": MODEL, "contents": QUESTION, "config": config_inputs},
            outputs=dumped(first),
            attributes=chat_attributes(
                inputs=[user()],
                tools=[WEATHER_DEFINITION],
                outputs=[tool_call()],
                finish="tool_call",
                tokens=usage(6, 2),
            ),
        )
    ]
    assert tree(second_trace) == [
        chat_span(
            GENERATE,
            inputs={
                "model": MODEL,
                "contents": [
                    {"role": "user", "parts": [{"text": QUESTION}]},
                    {
                        "role": "model",
                        "parts": [
                            {"function_call": {"name": "get_weather", "args": {"city": "example"}}}
                        ],
                    },
                    {
                        "role": "user",
                        "parts": [
                            {
                                "function_response": {
                                    "name": "get_weather",
                                    "response": {"result": "sunny"},
                                }
                            }
                        ],
                    },
                ],
                "config": config_inputs,
            },
            outputs=dumped(second),
            attributes=chat_attributes(
                inputs=[
                    user(),
                    {"role": "assistant", "parts": [tool_call()]},
                    {"role": "user", "parts": [tool_result({"result": "sunny"})]},
                ],
                tools=[WEATHER_DEFINITION],
                outputs=[text("The tool returned: sunny")],
                finish="stop",
                tokens=usage(10, 4),
            ),
        )
    ]


def test_automatic_function_calling_is_one_span_around_the_functions(
    client: Any, spanscope_traces: TraceCapture
) -> None:
    @spanscope.trace(span_type="TOOL")
    def get_weather(city: str) -> str:
        """Current weather in a city."""
        return f"sunny in {city}"

    config = types.GenerateContentConfig(tools=[get_weather])
    response = client.models.generate_content(model=MODEL, contents=QUESTION, config=config)
    assert response.text == "The tool returned: sunny in example"
    (node,) = tree(spanscope_traces.single())
    assert node["inputs"]["config"] == {"tools": [{"function": get_weather.__qualname__}]}
    assert node["outputs"] == dumped(response)
    # The SDK ran the function inside the call: its span is the call's child.
    assert [(child["name"], child["inputs"]) for child in node["children"]] == [
        ("get_weather", {"city": "example"})
    ]
    assert node["attributes"] == chat_attributes(
        # The whole exchange: the question, the function call and its result.
        inputs=[
            user(),
            {"role": "assistant", "parts": [tool_call()]},
            {"role": "user", "parts": [tool_result({"result": "sunny in example"})]},
        ],
        tools=[
            {
                "type": "function",
                "name": "get_weather",
                "description": "Current weather in a city.",
                "parameters": WEATHER_SCHEMA,
            }
        ],
        outputs=[text("The tool returned: sunny in example")],
        finish="stop",
        tokens=usage(12, 6),
    )


def test_a_provider_error_is_raised_unchanged(
    client: Any, fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    fake_llm.fail_next(429)
    with pytest.raises(genai.errors.ClientError) as caught:
        client.models.generate_content(model=MODEL, contents=QUESTION)
    assert caught.value.code == 429 and caught.value.status == "RESOURCE_EXHAUSTED"
    assert tree(spanscope_traces.single()) == [
        chat_span(
            GENERATE,
            inputs={"model": MODEL, "contents": QUESTION},
            outputs=None,
            error=error_text(caught.value),
            attributes=chat_attributes(inputs=[user()], response=False),
        )
    ]


async def test_a_provider_error_is_raised_unchanged_async(
    aclient: Any, fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    fake_llm.fail_next(503)
    with pytest.raises(genai.errors.ServerError) as caught:
        await aclient.models.generate_content(model=MODEL, contents=QUESTION)
    assert caught.value.code == 503
    (node,) = tree(spanscope_traces.single())
    assert (node["status"], node["error"], node["events"]) == (
        "ERROR",
        error_text(caught.value),
        ["exception"],
    )
