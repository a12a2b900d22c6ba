"""converse_stream and invoke_model_with_response_stream: read whole, dropped, closed, failing."""

from __future__ import annotations

import gc
import json
import warnings
from typing import Any

import pytest

from spanscope.testing import TraceCapture
from tests.bedrock.expect import (
    CONVERSE_STREAM,
    INVOKE_STREAM,
    MESSAGES,
    MODEL,
    TOOL_CONFIG,
    TOOL_USE_ID,
    chat_attributes,
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

INPUTS = {"modelId": MODEL, "messages": MESSAGES}
# messageStart, one delta per word, contentBlockStop, messageStop, metadata.
EVENTS = 1 + len(ANSWER.split()) + 3


def _text(events: list[dict[str, Any]]) -> str:
    deltas = [e["contentBlockDelta"]["delta"] for e in events if "contentBlockDelta" in e]
    return "".join(delta.get("text", "") for delta in deltas)


def test_a_stream_read_to_the_end(client: Any, spanscope_traces: TraceCapture) -> None:
    response = client.converse_stream(**INPUTS)
    stream = response["stream"]
    events = list(stream)
    assert response["stream"] is stream  # the caller reads botocore's own object
    assert isinstance(stream, botocore.eventstream.EventStream)
    assert len(events) == EVENTS and _text(events) == ANSWER
    assert tree(spanscope_traces.single()) == [
        chat_span(
            CONVERSE_STREAM,
            inputs=INPUTS,
            outputs={
                "output": {"message": {"role": "assistant", "content": [{"text": ANSWER}]}},
                "stopReason": "end_turn",
                "usage": {"inputTokens": 6, "outputTokens": 8, "totalTokens": 14},
                "metrics": {"latencyMs": 42},
            },
            chunks=EVENTS,
            attributes=chat_attributes(
                inputs=[user()],
                outputs=[text(ANSWER)],
                finish="stop",
                tokens=usage(6, 8),
                streamed=True,
            ),
        )
    ]


def test_a_streamed_tool_call_is_assembled(client: Any, spanscope_traces: TraceCapture) -> None:
    events = list(client.converse_stream(**INPUTS, toolConfig=TOOL_CONFIG)["stream"])
    assert events[-2] == {"messageStop": {"stopReason": "tool_use"}}
    (span,) = spanscope_traces.single().data.spans
    assert span.attributes["gen_ai.output.messages"] == [
        {"role": "assistant", "parts": [tool_call()], "finish_reason": "tool_call"}
    ]
    assert span.attributes["gen_ai.tool.definitions"] == [WEATHER_DEFINITION]
    use = {"toolUseId": TOOL_USE_ID, "name": "get_weather", "input": {"city": "example"}}
    assert span.outputs["output"]["message"]["content"] == [{"toolUse": use}]


def _first_event_tree(error: str | None = None) -> list[dict[str, Any]]:
    """The span of a stream that stopped after messageStart and its first delta ("You")."""
    return [
        chat_span(
            CONVERSE_STREAM,
            inputs=INPUTS,
            outputs={"output": {"message": {"role": "assistant", "content": [{"text": "You"}]}}},
            chunks=2,
            error=error,
            attributes=chat_attributes(inputs=[user()], outputs=[text("You")], streamed=True),
        )
    ]


def test_a_stream_closed_halfway_ends_its_span(client: Any, spanscope_traces: TraceCapture) -> None:
    stream = client.converse_stream(**INPUTS)["stream"]
    events = iter(stream)
    next(events), next(events)
    stream.close()
    assert tree(spanscope_traces.single()) == _first_event_tree()


def test_a_stream_dropped_halfway_ends_its_span(
    client: Any, spanscope_traces: TraceCapture
) -> None:
    def read_two() -> None:
        events = iter(client.converse_stream(**INPUTS)["stream"])
        next(events), next(events)

    read_two()
    with warnings.catch_warnings():  # the dropped stream's own connection, left open
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()
    assert tree(spanscope_traces.single()) == _first_event_tree()


def test_a_stream_closed_before_its_first_event(
    client: Any, spanscope_traces: TraceCapture
) -> None:
    client.converse_stream(**INPUTS)["stream"].close()
    (node,) = tree(spanscope_traces.single())
    assert (node["name"], node["status"], node["outputs"], node["events"]) == (
        CONVERSE_STREAM,
        "OK",
        None,
        [],
    )


def test_an_error_mid_stream_is_raised_unchanged_and_recorded(
    client: Any, spanscope_traces: TraceCapture
) -> None:
    inputs = {**INPUTS, "modelId": "error-stream"}
    seen = []
    with pytest.raises(botocore.exceptions.EventStreamError) as caught:
        for event in client.converse_stream(**inputs)["stream"]:
            seen.append(event)
    assert len(seen) == 2
    assert caught.value.response["Error"]["Code"] == "modelStreamErrorException"
    (node,) = tree(spanscope_traces.single())
    expected = _first_event_tree(error_text(caught.value))[0]
    expected["inputs"] = inputs
    expected["attributes"]["gen_ai.request.model"] = "error-stream"
    assert node == expected


ANTHROPIC = {
    "anthropic_version": "bedrock-2023-05-31",
    "max_tokens": 64,
    "system": "Be terse.",
    "messages": [{"role": "user", "content": QUESTION}],
}


def test_invoke_model_with_response_stream(client: Any, spanscope_traces: TraceCapture) -> None:
    response = client.invoke_model_with_response_stream(modelId=MODEL, body=json.dumps(ANTHROPIC))
    chunks = [json.loads(event["chunk"]["bytes"]) for event in response["body"]]
    texts = [c["delta"]["text"] for c in chunks if c["type"] == "content_block_delta"]
    assert "".join(texts) == ANSWER
    (node,) = tree(spanscope_traces.single())
    assert node["name"] == INVOKE_STREAM
    assert node["events"] == ["stream.chunk"] * len(chunks)
    assert node["inputs"] == {"modelId": MODEL, "body": ANTHROPIC}
    assert node["outputs"]["content"] == [{"type": "text", "text": ANSWER}]
    assert node["outputs"]["amazon-bedrock-invocationMetrics"]["outputTokenCount"] == 8
    assert node["attributes"] == chat_attributes(
        inputs=[user()],
        outputs=[text(ANSWER)],
        finish="stop",
        tokens=usage(8, 8, cache_read=0, cache_creation=0),
        system="Be terse.",
        streamed=True,
        response_id="msg_fake",
    )
