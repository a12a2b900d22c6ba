"""invoke_model with an Anthropic Messages body: the reply, tools, the body still readable."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from spanscope.testing import TraceCapture
from spanscope.testing.fake_llm import FakeLLMServer
from tests.bedrock.expect import INVOKE, MODEL, chat_attributes
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

botocore = pytest.importorskip("botocore")

BODY = {
    "anthropic_version": "bedrock-2023-05-31",
    "max_tokens": 64,
    "messages": [{"role": "user", "content": QUESTION}],
}
TOOLS = [{"name": "get_weather", "description": "Current weather", "input_schema": WEATHER_SCHEMA}]


def test_invoke_model(client: Any, spanscope_traces: TraceCapture) -> None:
    response = client.invoke_model(modelId=MODEL, body=json.dumps(BODY))
    # The caller still reads the whole body, once, as from botocore's own.
    raw = response["body"].read()
    assert response["body"].read() == b""
    reply = json.loads(raw)
    assert reply["content"] == [{"type": "text", "text": ANSWER}]
    assert tree(spanscope_traces.single()) == [
        chat_span(
            INVOKE,
            inputs={"modelId": MODEL, "body": BODY},
            outputs={"contentType": "application/json", "body": reply},
            attributes=chat_attributes(
                inputs=[user()],
                outputs=[text(ANSWER)],
                finish="stop",
                tokens=usage(6, 8, cache_read=0, cache_creation=0),
                response_id="msg_fake",
            ),
        )
    ]


def test_invoke_model_with_tools_and_bytes(client: Any, spanscope_traces: TraceCapture) -> None:
    body = {**BODY, "tools": TOOLS, "tool_choice": {"type": "any"}}
    response = client.invoke_model(
        modelId=MODEL, body=json.dumps(body).encode(), contentType="application/json"
    )
    reply = json.loads(response["body"].read())
    assert reply["stop_reason"] == "tool_use"
    (span,) = spanscope_traces.single().data.spans
    assert span.attributes["gen_ai.tool.definitions"] == [WEATHER_DEFINITION]
    preamble = text("I will call get_weather.")
    call = {
        "type": "tool_call",
        "id": "toolu_fake_0",
        "name": "get_weather",
        "arguments": {"city": "example"},
    }
    assert span.attributes["gen_ai.output.messages"] == [
        {"role": "assistant", "parts": [preamble, call], "finish_reason": "tool_call"}
    ]


def test_a_file_body_is_not_read(client: Any, spanscope_traces: TraceCapture) -> None:
    body = io.BytesIO(json.dumps(BODY).encode())
    client.invoke_model(modelId=MODEL, body=body)
    (span,) = spanscope_traces.single().data.spans
    assert span.inputs == {"modelId": MODEL}
    assert "gen_ai.input.messages" not in span.attributes
    assert span.attributes["gen_ai.output.messages"][0]["parts"] == [text(ANSWER)]


def test_an_invoke_error_is_raised_unchanged_and_recorded(
    client: Any, fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    fake_llm.fail_next(503)
    with pytest.raises(client.exceptions.ServiceUnavailableException) as caught:
        client.invoke_model(modelId=MODEL, body=json.dumps(BODY))
    assert tree(spanscope_traces.single()) == [
        chat_span(
            INVOKE,
            inputs={"modelId": MODEL, "body": BODY},
            outputs=None,
            error=error_text(caught.value),
            attributes=chat_attributes(inputs=[user()]),
        )
    ]
