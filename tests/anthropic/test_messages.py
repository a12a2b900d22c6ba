"""messages.create / messages.parse without streaming: replies, tools, errors, usage, raw."""

from __future__ import annotations

from typing import Any

import pydantic
import pytest

from spanscope.testing import TraceCapture
from spanscope.testing.fake_llm import FakeLLMServer
from tests.anthropic.expect import (
    MODEL,
    PREAMBLE,
    THOUGHT,
    TOOL_CALL,
    USER,
    WEATHER_TOOL,
    chat_attributes,
    usage,
)
from tests.genai_expect import (
    ANSWER,
    QUESTION,
    WEATHER_DEFINITION,
    chat_span,
    error_text,
    text,
    tree,
    user,
)

anthropic = pytest.importorskip("anthropic")

CREATE = "anthropic.messages.create"


class City(pydantic.BaseModel):
    name: str
    population: int


def test_create(client: Any, spanscope_traces: TraceCapture) -> None:
    request = {"model": MODEL, "max_tokens": 100, "system": "Be terse", "messages": USER}
    message = client.messages.create(**request)
    assert isinstance(message, anthropic.types.Message) and message.content[0].text == ANSWER
    assert tree(spanscope_traces.single()) == [
        chat_span(
            CREATE,
            inputs=request,
            outputs=message.model_dump(mode="json"),
            attributes=chat_attributes(
                system="Be terse",
                inputs=[user()],
                outputs=[text(ANSWER)],
                finish="end_turn",
                tokens=usage(8, 8),
            ),
        )
    ]


async def test_create_async(aclient: Any, spanscope_traces: TraceCapture) -> None:
    request = {"model": MODEL, "max_tokens": 100, "messages": USER}
    message = await aclient.messages.create(**request)
    assert message.content[0].text == ANSWER
    assert tree(spanscope_traces.single()) == [
        chat_span(
            CREATE,
            inputs=request,
            outputs=message.model_dump(mode="json"),
            attributes=chat_attributes(
                inputs=[user()], outputs=[text(ANSWER)], finish="end_turn", tokens=usage(6, 8)
            ),
        )
    ]


def _tool_round_trip_requests(first: Any) -> dict[str, Any]:
    """The follow-up request: the reply's own content blocks (pydantic) and a tool result."""
    return {
        "model": MODEL,
        "max_tokens": 100,
        "tools": [WEATHER_TOOL],
        "messages": [
            *USER,
            {"role": "assistant", "content": first.content},
            {
                "role": "user",
                "content": [
                    {"type": "tool_result", "tool_use_id": "toolu_fake_0", "content": "sunny"}
                ],
            },
        ],
    }


def _tool_round_trip_trees(first: Any, second: Any, follow_up: dict[str, Any]) -> list[Any]:
    request = {"model": MODEL, "max_tokens": 100, "messages": USER, "tools": [WEATHER_TOOL]}
    history = [
        user(),
        {"role": "assistant", "parts": [text(PREAMBLE), TOOL_CALL]},
        {
            "role": "user",
            "parts": [{"type": "tool_call_response", "id": "toolu_fake_0", "response": "sunny"}],
        },
    ]
    return [
        [
            chat_span(
                CREATE,
                inputs=request,
                outputs=first.model_dump(mode="json"),
                attributes=chat_attributes(
                    inputs=[user()],
                    tools=[WEATHER_DEFINITION],
                    outputs=[text(PREAMBLE), TOOL_CALL],
                    finish="tool_use",
                    tokens=usage(9, 6),
                ),
            )
        ],
        [
            chat_span(
                CREATE,
                # Inputs are recorded as data: the pydantic blocks of the history as JSON.
                inputs={
                    **follow_up,
                    "messages": [
                        *USER,
                        {
                            "role": "assistant",
                            "content": [b.model_dump(mode="json") for b in first.content],
                        },
                        follow_up["messages"][2],
                    ],
                },
                outputs=second.model_dump(mode="json"),
                attributes=chat_attributes(
                    inputs=history,
                    tools=[WEATHER_DEFINITION],
                    outputs=[text("The tool returned: sunny")],
                    finish="end_turn",
                    tokens=usage(16, 4),
                ),
            )
        ],
    ]


def test_tool_use_round_trip(client: Any, spanscope_traces: TraceCapture) -> None:
    first = client.messages.create(model=MODEL, max_tokens=100, messages=USER, tools=[WEATHER_TOOL])
    follow_up = _tool_round_trip_requests(first)
    second = client.messages.create(**follow_up)
    assert second.content[0].text == "The tool returned: sunny"
    assert [tree(t) for t in spanscope_traces.traces] == _tool_round_trip_trees(
        first, second, follow_up
    )


async def test_tool_use_round_trip_async(aclient: Any, spanscope_traces: TraceCapture) -> None:
    first = await aclient.messages.create(
        model=MODEL, max_tokens=100, messages=USER, tools=[WEATHER_TOOL]
    )
    follow_up = _tool_round_trip_requests(first)
    second = await aclient.messages.create(**follow_up)
    assert [tree(t) for t in spanscope_traces.traces] == _tool_round_trip_trees(
        first, second, follow_up
    )


@pytest.mark.parametrize(
    ("status", "error"),
    [(400, "BadRequestError"), (429, "RateLimitError"), (500, "InternalServerError")],
)
def test_provider_error(
    client: Any, spanscope_traces: TraceCapture, status: int, error: str
) -> None:
    request = {"model": f"error-{status}", "max_tokens": 10, "messages": USER}
    with pytest.raises(getattr(anthropic, error)) as caught:
        client.messages.create(**request)
    assert type(caught.value) is getattr(anthropic, error)  # unchanged, not wrapped
    assert caught.value.status_code == status and caught.value.request_id == "req_fake"
    assert tree(spanscope_traces.single()) == [
        chat_span(
            CREATE,
            inputs=request,
            outputs=None,
            error=error_text(caught.value),
            attributes=chat_attributes(model=f"error-{status}", inputs=[user()], response=False),
        )
    ]


async def test_provider_error_async(aclient: Any, spanscope_traces: TraceCapture) -> None:
    request = {"model": "error-429", "max_tokens": 10, "messages": USER}
    with pytest.raises(anthropic.RateLimitError) as caught:
        await aclient.messages.create(**request)
    assert tree(spanscope_traces.single()) == [
        chat_span(
            CREATE,
            inputs=request,
            outputs=None,
            error=error_text(caught.value),
            attributes=chat_attributes(model="error-429", inputs=[user()], response=False),
        )
    ]


def test_thinking_blocks_become_reasoning_parts(
    client: Any, spanscope_traces: TraceCapture
) -> None:
    thinking = {"type": "enabled", "budget_tokens": 1024}
    request = {"model": MODEL, "max_tokens": 2000, "messages": USER, "thinking": thinking}
    message = client.messages.create(**request)
    assert [block.type for block in message.content] == ["thinking", "text"]
    assert tree(spanscope_traces.single()) == [
        chat_span(
            CREATE,
            inputs=request,
            outputs=message.model_dump(mode="json"),
            attributes=chat_attributes(
                inputs=[user()],
                outputs=[{"type": "reasoning", "content": THOUGHT}, text(ANSWER)],
                finish="end_turn",
                tokens=usage(6, 17),
            ),
        )
    ]


def test_prompt_cache_tokens(
    client: Any, fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    fake_llm.reset()  # forget cached prefixes of earlier tests
    context = "a long shared context " * 10
    system = [{"type": "text", "text": context, "cache_control": {"type": "ephemeral"}}]
    request = {"model": MODEL, "max_tokens": 50, "system": system, "messages": USER}
    first = client.messages.create(**request)
    second = client.messages.create(**request)
    assert first.usage.cache_creation_input_tokens == second.usage.cache_read_input_tokens == 40

    def expected(message: Any, tokens: dict[str, int]) -> list[Any]:
        return [
            chat_span(
                CREATE,
                inputs=request,
                outputs=message.model_dump(mode="json"),
                attributes=chat_attributes(
                    system=context,
                    inputs=[user()],
                    outputs=[text(ANSWER)],
                    finish="end_turn",
                    tokens=tokens,
                ),
            )
        ]

    first_trace, second_trace = spanscope_traces.traces
    assert tree(first_trace) == expected(first, usage(6, 8, cache_creation=40))
    assert tree(second_trace) == expected(second, usage(6, 8, cache_read=40))
    # 46 input tokens each: the 6 fresh ones plus the 40 written to / read from the cache.
    assert second_trace.info.token_usage == {
        "input_tokens": 46,
        "output_tokens": 8,
        "total_tokens": 54,
        "cache_read_input_tokens": 40,
        "cache_creation_input_tokens": 0,
    }


def test_image_input_is_a_blob_part(client: Any, spanscope_traces: TraceCapture) -> None:
    image = {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}
    content = [{"type": "image", "source": image}, {"type": "text", "text": QUESTION}]
    client.messages.create(
        model=MODEL, max_tokens=100, messages=[{"role": "user", "content": content}]
    )
    (node,) = tree(spanscope_traces.single())
    assert node["attributes"]["gen_ai.input.messages"] == [
        {
            "role": "user",
            "parts": [
                {
                    "type": "blob",
                    "modality": "image",
                    "mime_type": "image/png",
                    "content": "iVBORw0KGgo=",
                },
                text(QUESTION),
            ],
        }
    ]


def test_parse(client: Any, spanscope_traces: TraceCapture) -> None:
    parsed = client.messages.parse(model=MODEL, max_tokens=100, messages=USER, output_format=City)
    assert parsed.parsed_output == City(name="example", population=1)
    body = '{"name": "example", "population": 1}'
    (node,) = tree(spanscope_traces.single())
    assert node == chat_span(
        "anthropic.messages.parse",
        inputs={
            "model": MODEL,
            "max_tokens": 100,
            "messages": USER,
            "output_format": node["inputs"]["output_format"],  # the class, as text
        },
        # The Message, plus what the SDK parsed (its dump leaves `parsed_output` out).
        outputs={
            **parsed.model_dump(mode="json"),
            "parsed_output": {"name": "example", "population": 1},
        },
        attributes=chat_attributes(
            inputs=[user()], outputs=[text(body)], finish="end_turn", tokens=usage(6, 4)
        ),
    )
    assert "City" in node["inputs"]["output_format"]


async def test_parse_async(aclient: Any, spanscope_traces: TraceCapture) -> None:
    parsed = await aclient.messages.parse(
        model=MODEL, max_tokens=100, messages=USER, output_format=City
    )
    (node,) = tree(spanscope_traces.single())
    assert (node["name"], node["status"]) == ("anthropic.messages.parse", "OK")
    assert node["outputs"] == {
        **parsed.model_dump(mode="json"),
        "parsed_output": parsed.parsed_output.model_dump(),
    }
    assert node["attributes"]["gen_ai.usage.output_tokens"] == 4


def test_with_raw_response(client: Any, spanscope_traces: TraceCapture) -> None:
    request = {"model": MODEL, "max_tokens": 100, "messages": USER}
    raw = client.messages.with_raw_response.create(**request)
    message = raw.parse()
    # The raw body, read already, is the output; extra headers (the SDK's marker) are left out.
    body = raw.http_response.json()
    assert tree(spanscope_traces.single()) == [
        chat_span(
            CREATE,
            inputs=request,
            outputs=body,
            attributes=chat_attributes(
                inputs=[user()], outputs=[text(ANSWER)], finish="end_turn", tokens=usage(6, 8)
            ),
        )
    ]
    assert message.content[0].text == ANSWER


def test_with_streaming_response_records_the_request(
    client: Any, spanscope_traces: TraceCapture
) -> None:
    request = {"model": MODEL, "max_tokens": 100, "messages": USER}
    with client.messages.with_streaming_response.create(**request) as response:
        assert response.parse().content[0].text == ANSWER
    # The body is the caller's to read: the span has the request, not the reply.
    assert tree(spanscope_traces.single()) == [
        chat_span(
            CREATE,
            inputs=request,
            outputs=None,
            attributes=chat_attributes(inputs=[user()], response=False),
        )
    ]
