"""The Responses API: `create`, `parse`, streams and the `.stream()` helper, sync and async."""

from __future__ import annotations

from typing import Any

import pydantic
import pytest

from spanscope.testing import TraceCapture
from tests.openai.helpers import (
    ANSWER,
    QUESTION,
    error_of,
    request,
    response,
    text,
    tree,
    trees,
    usage,
)

openai = pytest.importorskip("openai")

PARAMETERS = {
    "type": "object",
    "properties": {"city": {"type": "string"}},
    "required": ["city"],
    "additionalProperties": False,
}
TOOL = {
    "type": "function",
    "name": "get_weather",
    "description": "Current weather",
    "parameters": PARAMETERS,
    "strict": True,
}
DEFINITION = {k: v for k, v in TOOL.items() if k != "strict"}
SYSTEM = {
    "gen_ai.system_instructions": [{"type": "text", "content": "Be brief."}],
    "gen_ai.input.messages": [text("system", "Be brief."), text("user", QUESTION)],
}
CALL = {"type": "tool_call", "id": "call_fake_0", "name": "get_weather"}
CALL_PART = {**CALL, "arguments": {"city": "example"}}


def span(name: str = "openai.responses.create", **fields: Any) -> dict[str, Any]:
    return {
        "name": name,
        "span_type": "CHAT_MODEL",
        "status": "OK",
        "inputs": None,
        "outputs": None,
        "events": [],
        "attributes": {},
        "children": [],
        **fields,
    }


def answer_span(result: Any, inputs: dict[str, Any], events: list[str]) -> dict[str, Any]:
    return span(
        inputs=inputs,
        outputs=result.model_dump(mode="json"),
        events=events,
        attributes={
            **request(),
            **SYSTEM,
            **({"spanscope.span.time_to_first_token_ns": "<ns>"} if events else {}),
            "gen_ai.output.messages": [text("assistant", ANSWER, "stop")],
            "gen_ai.response.finish_reasons": ["stop"],
            **usage(8, 8),
            **response("resp_fake"),
        },
    )


REQUEST = {"model": "gpt-x", "input": QUESTION, "instructions": "Be brief."}


def test_response_is_one_span(client: Any, spanscope_traces: TraceCapture) -> None:
    result = client.responses.create(**REQUEST)
    assert result.output_text == ANSWER
    assert tree(spanscope_traces) == [answer_span(result, REQUEST, [])]


async def test_async_response(aclient: Any, spanscope_traces: TraceCapture) -> None:
    result = await aclient.responses.create(**REQUEST)
    assert tree(spanscope_traces) == [answer_span(result, REQUEST, [])]


def tool_trees(first: Any, second: Any, second_input: list[Any]) -> list[Any]:
    user = text("user", QUESTION)
    return [
        [
            span(
                inputs={"model": "gpt-x", "input": QUESTION, "tools": [TOOL]},
                outputs=first.model_dump(mode="json"),
                attributes={
                    **request(),
                    "gen_ai.input.messages": [user],
                    "gen_ai.tool.definitions": [DEFINITION],
                    "gen_ai.output.messages": [
                        {"role": "assistant", "parts": [CALL_PART], "finish_reason": "tool_calls"}
                    ],
                    "gen_ai.response.finish_reasons": ["tool_calls"],
                    **usage(6, 2),
                    **response("resp_fake"),
                },
            )
        ],
        [
            span(
                inputs={"model": "gpt-x", "input": second_input, "tools": [TOOL]},
                outputs=second.model_dump(mode="json"),
                attributes={
                    **request(),
                    "gen_ai.input.messages": [
                        user,
                        {"role": "assistant", "parts": [CALL_PART]},
                        {
                            "role": "tool",
                            "parts": [
                                {
                                    "type": "tool_call_response",
                                    "id": "call_fake_0",
                                    "response": "sunny",
                                }
                            ],
                        },
                    ],
                    "gen_ai.tool.definitions": [DEFINITION],
                    "gen_ai.output.messages": [
                        text("assistant", "The tool returned: sunny", "stop")
                    ],
                    "gen_ai.response.finish_reasons": ["stop"],
                    **usage(9, 4),
                    **response("resp_fake"),
                },
            )
        ],
    ]


def test_function_call_and_its_output(client: Any, spanscope_traces: TraceCapture) -> None:
    first = client.responses.create(model="gpt-x", input=QUESTION, tools=[TOOL])
    # The SDK's output items go back as input, followed by the tool's result.
    second_input = [
        {"role": "user", "content": QUESTION},
        *first.output,
        {"type": "function_call_output", "call_id": "call_fake_0", "output": "sunny"},
    ]
    second = client.responses.create(model="gpt-x", input=second_input, tools=[TOOL])
    assert second.output_text == "The tool returned: sunny"
    dumped = [item.model_dump(mode="json") for item in first.output]
    expected_input = [second_input[0], *dumped, second_input[-1]]
    assert trees(spanscope_traces) == tool_trees(first, second, expected_input)


async def test_async_function_call(aclient: Any, spanscope_traces: TraceCapture) -> None:
    first = await aclient.responses.create(model="gpt-x", input=QUESTION, tools=[TOOL])
    second_input = [
        {"role": "user", "content": QUESTION},
        *(item.model_dump(mode="json") for item in first.output),
        {"type": "function_call_output", "call_id": "call_fake_0", "output": "sunny"},
    ]
    second = await aclient.responses.create(model="gpt-x", input=second_input, tools=[TOOL])
    assert trees(spanscope_traces) == tool_trees(first, second, second_input)


STREAM_EVENTS = ["stream.chunk"] * 16  # created ... 8 text deltas ... completed


def test_stream_is_assembled_from_the_completed_event(
    client: Any, spanscope_traces: TraceCapture
) -> None:
    stream = client.responses.create(**REQUEST, stream=True)
    assert isinstance(stream, openai.Stream)
    events = list(stream)
    assert events[-1].type == "response.completed"
    expected = answer_span(events[-1].response, {**REQUEST, "stream": True}, STREAM_EVENTS)
    assert tree(spanscope_traces) == [expected]


async def test_async_stream(aclient: Any, spanscope_traces: TraceCapture) -> None:
    stream = await aclient.responses.create(**REQUEST, stream=True)
    events = [event async for event in stream]
    expected = answer_span(events[-1].response, {**REQUEST, "stream": True}, STREAM_EVENTS)
    assert tree(spanscope_traces) == [expected]


def test_stream_helper_gives_one_span(client: Any, spanscope_traces: TraceCapture) -> None:
    with client.responses.stream(**REQUEST) as stream:
        for _ in stream:
            pass
        final = stream.get_final_response()
    assert final.output_text == ANSWER
    completed = final.model_dump(mode="json", warnings=False)
    for part in completed["output"][0]["content"]:
        part.pop("parsed")  # the helper's own parsing, not what the API sent
    (only,) = tree(spanscope_traces)
    assert only == {
        **answer_span(final, {**REQUEST, "stream": True}, STREAM_EVENTS),
        "outputs": completed,
    }


async def test_async_stream_helper_gives_one_span(
    aclient: Any, spanscope_traces: TraceCapture
) -> None:
    async with aclient.responses.stream(**REQUEST) as stream:
        final = await stream.get_final_response()
    assert final.output_text == ANSWER
    assert [s["name"] for s in tree(spanscope_traces)] == ["openai.responses.create"]


def failed_span(model: str) -> dict[str, Any]:
    error = "server_error: The stream broke (fake error requested)"
    partial_item = {
        "id": "msg_fake",
        "type": "message",
        "role": "assistant",
        "status": "in_progress",
        "phase": None,
        "content": [{"type": "output_text", "text": "You", "annotations": [], "logprobs": []}],
    }
    return span(
        status="ERROR",
        error=error,
        inputs={"model": model, "input": QUESTION, "stream": True},
        events=["stream.chunk"] * 7 + ["exception"],
        attributes={
            **request(model=model),
            "gen_ai.input.messages": [text("user", QUESTION)],
            "spanscope.span.time_to_first_token_ns": "<ns>",
            "gen_ai.output.messages": [text("assistant", "You", "error")],
            "gen_ai.response.finish_reasons": ["error"],
            **response("resp_fake", model=model),
        },
        outputs=partial_item,  # replaced by the whole failed response below
    )


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
async def test_failed_stream_keeps_the_partial_output(
    client: Any, aclient: Any, spanscope_traces: TraceCapture, is_async: bool
) -> None:
    if is_async:
        stream = await aclient.responses.create(model="error-stream", input=QUESTION, stream=True)
        events = [event async for event in stream]
    else:
        events = list(client.responses.create(model="error-stream", input=QUESTION, stream=True))
    assert [e.type for e in events[-2:]] == ["error", "response.failed"]
    expected = failed_span("error-stream")
    failed = events[-1].response.model_dump(mode="json")
    expected["outputs"] = {**failed, "output": [expected["outputs"]]}
    assert tree(spanscope_traces) == [expected]


class City(pydantic.BaseModel):
    name: str
    population: int


async def test_parse_records_the_parsed_object(
    client: Any, aclient: Any, spanscope_traces: TraceCapture
) -> None:
    result = client.responses.parse(model="gpt-x", input=QUESTION, text_format=City)
    again = await aclient.responses.parse(model="gpt-x", input=QUESTION, text_format=City)
    assert result.output_parsed == again.output_parsed == City(name="example", population=1)
    city_json = '{"name": "example", "population": 1}'
    expected = span(
        name="openai.responses.parse",
        inputs={
            "model": "gpt-x",
            "input": QUESTION,
            "text_format": {
                "type": "json_schema",
                "name": "City",
                "schema": City.model_json_schema(),
            },
        },
        outputs=result.model_dump(mode="json", warnings=False),
        attributes={
            **request(),
            "gen_ai.input.messages": [text("user", QUESTION)],
            "gen_ai.output.messages": [text("assistant", city_json, "stop")],
            "gen_ai.response.finish_reasons": ["stop"],
            **usage(6, 4),
            **response("resp_fake"),
        },
    )
    assert trees(spanscope_traces) == [[expected], [expected]]
    parsed = expected["outputs"]["output"][0]["content"][0]["parsed"]
    assert parsed == {"name": "example", "population": 1}


@pytest.mark.parametrize(
    ("status", "error"),
    [(400, "BadRequestError"), (429, "RateLimitError"), (500, "InternalServerError")],
)
async def test_provider_errors(
    client: Any, aclient: Any, spanscope_traces: TraceCapture, status: int, error: str
) -> None:
    model = f"error-{status}"
    with pytest.raises(getattr(openai, error)) as sync_error:
        client.responses.create(model=model, input=QUESTION)
    with pytest.raises(getattr(openai, error)) as async_error:
        await aclient.responses.create(model=model, input=QUESTION)

    def failed(exc: BaseException) -> list[dict[str, Any]]:
        return [
            span(
                status="ERROR",
                error=error_of(exc),
                inputs={"model": model, "input": QUESTION},
                events=["exception"],
                attributes={
                    **request(model=model),
                    "gen_ai.input.messages": [text("user", QUESTION)],
                },
            )
        ]

    assert trees(spanscope_traces) == [failed(sync_error.value), failed(async_error.value)]


async def test_only_streamed_retrieves_are_traced(
    client: Any, aclient: Any, spanscope_traces: TraceCapture
) -> None:
    # The fake server stores no responses: retrieving one is a 404 (a provider error).
    with pytest.raises(openai.NotFoundError):
        client.responses.retrieve("resp_fake")  # a lookup, not a model call: no span
    with pytest.raises(openai.NotFoundError) as caught:
        client.responses.retrieve("resp_fake", stream=True, starting_after=3)
    with pytest.raises(openai.NotFoundError) as async_caught:
        await aclient.responses.retrieve("resp_fake", stream=True)

    def resumed(exc: BaseException, inputs: dict[str, Any]) -> list[dict[str, Any]]:
        return [
            span(
                name="openai.responses.retrieve",
                status="ERROR",
                error=error_of(exc),
                inputs={"response_id": "resp_fake", "stream": True, **inputs},
                events=["exception"],
                attributes={"gen_ai.provider.name": "openai", "gen_ai.operation.name": "chat"},
            )
        ]

    assert trees(spanscope_traces) == [
        resumed(caught.value, {"starting_after": 3}),
        resumed(async_caught.value, {}),
    ]
