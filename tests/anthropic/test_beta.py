"""client.beta.messages: create, stream and parse are traced like their stable twins."""

from __future__ import annotations

from typing import Any

import pydantic
import pytest

from spanscope.testing import TraceCapture
from spanscope.testing.fake_llm import FakeLLMServer
from tests.anthropic.expect import (
    MODEL,
    PREAMBLE,
    TEXT_EVENTS,
    TOOL_CALL,
    TOOL_EVENTS,
    USER,
    WEATHER_TOOL,
    chat_attributes,
    usage,
)
from tests.genai_expect import ANSWER, WEATHER_DEFINITION, chat_span, error_text, text, tree, user

anthropic = pytest.importorskip("anthropic")

BETAS = ["fake-beta-2026"]


class City(pydantic.BaseModel):
    name: str
    population: int


def test_beta_create(client: Any, fake_llm: FakeLLMServer, spanscope_traces: TraceCapture) -> None:
    request = {"model": MODEL, "max_tokens": 100, "messages": USER, "betas": BETAS}
    message = client.beta.messages.create(**request)
    assert type(message).__name__ == "BetaMessage"
    assert fake_llm.last_request.headers["anthropic-beta"] == "fake-beta-2026"
    assert tree(spanscope_traces.single()) == [
        chat_span(
            "anthropic.beta.messages.create",
            inputs=request,
            outputs=message.model_dump(mode="json"),
            attributes=chat_attributes(
                inputs=[user()], outputs=[text(ANSWER)], finish="end_turn", tokens=usage(6, 8)
            ),
        )
    ]


def test_beta_stream_helper_tool_use(client: Any, spanscope_traces: TraceCapture) -> None:
    request = {"model": MODEL, "max_tokens": 100, "messages": USER, "tools": [WEATHER_TOOL]}
    with client.beta.messages.stream(**request) as stream:
        final = stream.get_final_message()
    assert final.content[1].input == {"city": "example"}
    (node,) = tree(spanscope_traces.single())
    assert node == chat_span(
        "anthropic.beta.messages.stream",
        inputs=request,
        outputs=node["outputs"],  # checked below against the SDK's own final message
        chunks=TOOL_EVENTS,
        attributes=chat_attributes(
            inputs=[user()],
            tools=[WEATHER_DEFINITION],
            outputs=[text(PREAMBLE), TOOL_CALL],
            finish="tool_use",
            tokens=usage(9, 6),
            streamed=True,
        ),
    )
    assert node["outputs"]["content"] == [b.model_dump(mode="json") for b in final.content]
    assert node["outputs"]["usage"] == final.usage.model_dump(mode="json")


async def test_beta_create_stream_async(aclient: Any, spanscope_traces: TraceCapture) -> None:
    request = {"model": MODEL, "max_tokens": 100, "messages": USER, "stream": True}
    stream = await aclient.beta.messages.create(**request)
    async with stream:
        assert len([event async for event in stream]) == TEXT_EVENTS
    (node,) = tree(spanscope_traces.single())
    assert node["name"] == "anthropic.beta.messages.create"
    assert node["events"] == ["stream.chunk"] * TEXT_EVENTS
    assert node["attributes"] == chat_attributes(
        inputs=[user()],
        outputs=[text(ANSWER)],
        finish="end_turn",
        tokens=usage(6, 8),
        streamed=True,
    )


async def test_beta_stream_helper_async_error(aclient: Any, spanscope_traces: TraceCapture) -> None:
    request = {"model": "error-400", "max_tokens": 100, "messages": USER}
    with pytest.raises(anthropic.BadRequestError) as caught:
        async with aclient.beta.messages.stream(**request):
            pass
    assert tree(spanscope_traces.single()) == [
        chat_span(
            "anthropic.beta.messages.stream",
            inputs=request,
            outputs=None,
            error=error_text(caught.value),
            attributes=chat_attributes(model="error-400", inputs=[user()], response=False),
        )
    ]


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_beta_parse(
    client: Any, aclient: Any, spanscope_traces: TraceCapture, mode: str
) -> None:
    request = {"model": MODEL, "max_tokens": 100, "messages": USER, "output_format": City}
    if mode == "sync":
        parsed = client.beta.messages.parse(**request)
    else:
        parsed = await aclient.beta.messages.parse(**request)
    assert parsed.parsed_output == City(name="example", population=1)
    (node,) = tree(spanscope_traces.single())
    assert (node["name"], node["status"]) == ("anthropic.beta.messages.parse", "OK")
    assert node["outputs"]["parsed_output"] == {"name": "example", "population": 1}
    assert node["attributes"]["gen_ai.output.messages"] == [
        {
            "role": "assistant",
            "parts": [text('{"name": "example", "population": 1}')],
            "finish_reason": "end_turn",
        }
    ]
