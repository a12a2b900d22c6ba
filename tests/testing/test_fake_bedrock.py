"""The fake Bedrock Runtime on the wire (raw HTTP, read with botocore's own event stream
parser): Converse, ConverseStream, InvokeModel and Bedrock's error shape."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest

from spanscope.testing.fake_llm import FakeLLMServer
from spanscope.testing.fake_llm.bedrock import event_message

eventstream = pytest.importorskip("botocore.eventstream")

QUESTION = "What is the weather in Paris?"
MESSAGES = [{"role": "user", "content": [{"text": QUESTION}]}]
MODEL = "anthropic.claude-3-5-haiku-20241022-v1:0"


def _post(server: FakeLLMServer, operation: str, body: Any, model: str = MODEL) -> httpx.Response:
    # botocore sends the model id URL-encoded (its colon as %3A).
    encoded = model.replace(":", "%3A")
    return httpx.post(f"{server.bedrock_base_url}/model/{encoded}/{operation}", json=body)


def _events(raw: bytes) -> list[tuple[dict[str, Any], Any]]:
    buffer = eventstream.EventStreamBuffer()
    buffer.add_data(raw)  # checks every prelude and message CRC32
    return [(dict(message.headers), json.loads(message.payload)) for message in buffer]


def test_converse(fake_llm: FakeLLMServer) -> None:
    response = _post(fake_llm, "converse", {"messages": MESSAGES, "system": [{"text": "Hi"}]})
    assert response.status_code == 200
    assert response.json() == {
        "output": {
            "message": {"role": "assistant", "content": [{"text": f"You said: {QUESTION}"}]}
        },
        "stopReason": "end_turn",
        "usage": {"inputTokens": 7, "outputTokens": 8, "totalTokens": 15},
        "metrics": {"latencyMs": 42},
    }
    assert (
        fake_llm.last_request.path == "/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/converse"
    )


def test_converse_stream_frames_events_as_botocore_reads_them(fake_llm: FakeLLMServer) -> None:
    response = _post(fake_llm, "converse-stream", {"messages": MESSAGES})
    assert response.headers["content-type"] == "application/vnd.amazon.eventstream"
    events = _events(response.content)
    assert [headers[":event-type"] for headers, _ in events] == [
        "messageStart",
        *["contentBlockDelta"] * 8,
        "contentBlockStop",
        "messageStop",
        "metadata",
    ]
    assert all(
        (h[":message-type"], h[":content-type"]) == ("event", "application/json") for h, _ in events
    )
    assert "".join(p["delta"]["text"] for h, p in events if "delta" in p) == (
        f"You said: {QUESTION}"
    )


def test_a_broken_stream_ends_with_an_exception_message(fake_llm: FakeLLMServer) -> None:
    response = _post(fake_llm, "converse-stream", {"messages": MESSAGES}, model="error-stream")
    *_, (headers, payload) = _events(response.content)
    assert headers[":message-type"] == "exception"
    assert headers[":exception-type"] == "modelStreamErrorException"
    assert payload == {"message": "The model stream broke off."}


def test_a_tool_is_called_when_offered(fake_llm: FakeLLMServer) -> None:
    schema = {"type": "object", "properties": {"city": {"type": "string"}}}
    tools = {"tools": [{"toolSpec": {"name": "get_weather", "inputSchema": {"json": schema}}}]}
    reply = _post(fake_llm, "converse", {"messages": MESSAGES, "toolConfig": tools}).json()
    assert reply["stopReason"] == "tool_use"
    assert reply["output"]["message"]["content"] == [
        {
            "toolUse": {
                "toolUseId": "tooluse_fake_0",
                "name": "get_weather",
                "input": {"city": "example"},
            }
        }
    ]


def test_invoke_model_answers_an_anthropic_body(fake_llm: FakeLLMServer) -> None:
    body = {
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 32,
        "messages": [{"role": "user", "content": QUESTION}],
    }
    response = _post(fake_llm, "invoke", body)
    assert response.json()["content"] == [{"type": "text", "text": f"You said: {QUESTION}"}]
    assert "model" not in response.json()
    assert response.headers["x-amzn-bedrock-input-token-count"] == "6"
    assert response.headers["x-amzn-bedrock-output-token-count"] == "8"
    stream = _post(fake_llm, "invoke-with-response-stream", body)
    chunks = [json.loads(base64.b64decode(p["bytes"])) for _, p in _events(stream.content)]
    assert chunks[0]["type"] == "message_start"
    assert chunks[-1]["amazon-bedrock-invocationMetrics"]["outputTokenCount"] == 8


@pytest.mark.parametrize(
    ("status", "code"),
    [(400, "ValidationException"), (429, "ThrottlingException"), (500, "InternalServerException")],
)
def test_errors_have_bedrocks_shape(fake_llm: FakeLLMServer, status: int, code: str) -> None:
    response = _post(fake_llm, "converse", {"messages": MESSAGES}, model=f"error-{status}")
    assert response.status_code == status
    assert response.headers["x-amzn-errortype"] == code
    assert set(response.json()) == {"message"}


def test_a_request_without_messages_is_a_validation_error(fake_llm: FakeLLMServer) -> None:
    response = _post(fake_llm, "converse", {"messages": []})
    assert (response.status_code, response.headers["x-amzn-errortype"]) == (
        400,
        "ValidationException",
    )


def test_event_message_framing() -> None:
    message = event_message({":event-type": "x"}, b"{}")
    buffer = eventstream.EventStreamBuffer()
    buffer.add_data(message)
    (event,) = list(buffer)
    assert (event.headers, event.payload) == ({":event-type": "x"}, b"{}")
