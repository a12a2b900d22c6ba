"""converse: a reply under a user span, a tool call and its result, the prompt cache, errors."""

from __future__ import annotations

from typing import Any

import pytest

import spanscope
from spanscope.testing import TraceCapture
from spanscope.testing.fake_llm import FakeLLMServer
from tests.bedrock.expect import (
    CONVERSE,
    MESSAGES,
    MODEL,
    TOOL_CONFIG,
    TOOL_USE_ID,
    chat_attributes,
    converse_output,
    tool_call,
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

botocore = pytest.importorskip("botocore")

SYSTEM = "Be terse."


def test_converse_nests_under_the_callers_span(client: Any, spanscope_traces: TraceCapture) -> None:
    @spanscope.trace(span_type="AGENT")
    def bot(question: str) -> str:
        messages = [{"role": "user", "content": [{"text": question}]}]
        reply = client.converse(
            modelId=MODEL,
            messages=messages,
            system=[{"text": SYSTEM}],
            inferenceConfig={"maxTokens": 64, "temperature": 0.5},
        )
        return str(reply["output"]["message"]["content"][0]["text"])

    assert bot(QUESTION) == ANSWER
    (root,) = tree(spanscope_traces.single())
    assert (root["name"], root["span_type"], root["outputs"]) == ("bot", "AGENT", ANSWER)
    assert root["children"] == [
        chat_span(
            CONVERSE,
            inputs={
                "modelId": MODEL,
                "messages": MESSAGES,
                "system": [{"text": SYSTEM}],
                "inferenceConfig": {"maxTokens": 64, "temperature": 0.5},
            },
            outputs=converse_output([{"text": ANSWER}], "end_turn", (8, 8)),
            attributes=chat_attributes(
                inputs=[user()],
                outputs=[text(ANSWER)],
                finish="stop",
                tokens=usage(8, 8),
                system=SYSTEM,
            ),
        )
    ]


def test_a_tool_call_and_its_result_round_trip(client: Any, spanscope_traces: TraceCapture) -> None:
    @spanscope.trace(span_type="AGENT")
    def weather_bot() -> str:
        messages: list[dict[str, Any]] = [*MESSAGES]
        first = client.converse(modelId=MODEL, messages=messages, toolConfig=TOOL_CONFIG)
        assert first["stopReason"] == "tool_use"
        messages.append(first["output"]["message"])
        result = {"toolUseId": TOOL_USE_ID, "content": [{"json": {"sky": "sunny"}}]}
        messages.append({"role": "user", "content": [{"toolResult": result}]})
        second = client.converse(modelId=MODEL, messages=messages, toolConfig=TOOL_CONFIG)
        return str(second["output"]["message"]["content"][0]["text"])

    assert weather_bot() == 'The tool returned: {"sky": "sunny"}'
    (root,) = tree(spanscope_traces.single())
    first, second = root["children"]
    use = {
        "toolUse": {"toolUseId": TOOL_USE_ID, "name": "get_weather", "input": {"city": "example"}}
    }
    assert first == chat_span(
        CONVERSE,
        inputs={"modelId": MODEL, "messages": MESSAGES, "toolConfig": TOOL_CONFIG},
        outputs=converse_output([use], "tool_use", (7, 2)),
        attributes=chat_attributes(
            inputs=[user()],
            outputs=[tool_call()],
            finish="tool_call",
            tokens=usage(7, 2),
            tools=[WEATHER_DEFINITION],
        ),
    )
    assert second["attributes"] == chat_attributes(
        inputs=[
            user(),
            {"role": "assistant", "parts": [tool_call()]},
            {
                "role": "user",
                "parts": [
                    {"type": "tool_call_response", "id": TOOL_USE_ID, "response": {"sky": "sunny"}}
                ],
            },
        ],
        outputs=[text('The tool returned: {"sky": "sunny"}')],
        finish="stop",
        tokens=usage(11, 5),
        tools=[WEATHER_DEFINITION],
    )


def test_cache_reads_and_writes_count_as_input_tokens(
    client: Any, spanscope_traces: TraceCapture
) -> None:
    prompt = "You are a weather bot with a long system prompt."
    system: list[dict[str, Any]] = [{"text": prompt}, {"cachePoint": {"type": "default"}}]
    for _ in range(2):
        client.converse(modelId=MODEL, messages=MESSAGES, system=system)
    written, read = (trace.data.spans[0] for trace in spanscope_traces.traces)
    # 10 system tokens before the cache point, then 6 of the question.
    assert {k: v for k, v in written.attributes.items() if "usage" in k} == usage(
        16, 8, cache_read=0, cache_creation=10
    )
    assert {k: v for k, v in read.attributes.items() if "usage" in k} == usage(
        16, 8, cache_read=10, cache_creation=0
    )
    # The cache point marks the prompt; it is no part of the system instructions.
    assert read.attributes["gen_ai.system_instructions"] == [text(prompt)]


def test_a_client_error_is_raised_unchanged_and_recorded(
    client: Any, fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    fake_llm.fail_next(429)
    with pytest.raises(client.exceptions.ThrottlingException) as caught:
        client.converse(modelId=MODEL, messages=MESSAGES)
    assert isinstance(caught.value, botocore.exceptions.ClientError)
    assert caught.value.response["Error"]["Code"] == "ThrottlingException"
    assert tree(spanscope_traces.single()) == [
        chat_span(
            CONVERSE,
            inputs={"modelId": MODEL, "messages": MESSAGES},
            outputs=None,
            error=error_text(caught.value),
            attributes=chat_attributes(inputs=[user()]),
        )
    ]


def test_a_validation_error_names_bedrocks_error_code(
    client: Any, spanscope_traces: TraceCapture
) -> None:
    with pytest.raises(client.exceptions.ValidationException) as caught:
        client.converse(modelId="error-400", messages=MESSAGES)
    (span,) = spanscope_traces.single().data.spans
    (event,) = span.events
    assert event.attributes["exception.type"] == "ValidationException"
    assert event.attributes["exception.message"] == str(caught.value)


def test_media_and_reasoning_blocks_become_genai_parts(
    client: Any, spanscope_traces: TraceCapture
) -> None:
    image = {"format": "png", "source": {"bytes": b"\x89PNG"}}
    messages = [
        {"role": "user", "content": [{"text": QUESTION}, {"image": image}]},
        {
            "role": "assistant",
            "content": [
                {"reasoningContent": {"reasoningText": {"text": "Think.", "signature": "s"}}}
            ],
        },
        {"role": "user", "content": [{"text": "Go on"}]},
    ]
    client.converse(modelId=MODEL, messages=messages)
    (span,) = spanscope_traces.single().data.spans
    blob = {"type": "blob", "modality": "image", "mime_type": "image/png", "content": "iVBORw=="}
    assert span.attributes["gen_ai.input.messages"] == [
        {"role": "user", "parts": [text(QUESTION), blob]},
        {"role": "assistant", "parts": [{"type": "reasoning", "content": "Think."}]},
        user("Go on"),
    ]
    assert span.inputs["messages"][0]["content"][1] == {
        "image": {**image, "source": {"bytes": "iVBORw=="}}
    }
