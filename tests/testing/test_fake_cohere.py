"""The fake Cohere API v2 on the wire (raw HTTP) and through the real cohere SDK."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from spanscope.testing.fake_llm import FakeLLMServer

QUESTION = "What is the weather in Paris?"
USER = [{"role": "user", "content": QUESTION}]
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}


def _post(server: FakeLLMServer, path: str, body: Any) -> httpx.Response:
    return httpx.post(
        f"{server.cohere_base_url}{path}", json=body, headers={"authorization": "Bearer co-fake"}
    )


def _events(response: httpx.Response) -> list[dict[str, Any]]:
    return [
        json.loads(line.removeprefix("data: "))
        for line in response.text.splitlines()
        if line.startswith("data: ")
    ]


def test_chat(fake_llm: FakeLLMServer) -> None:
    messages = [{"role": "system", "content": "Be terse."}, *USER]
    reply = _post(fake_llm, "/v2/chat", {"model": "command-a", "messages": messages}).json()
    assert reply == {
        "id": "fake-cohere-response",
        "finish_reason": "COMPLETE",
        "message": {
            "role": "assistant",
            "content": [{"type": "text", "text": f"You said: {QUESTION}"}],
        },
        "usage": {
            "billed_units": {"input_tokens": 8, "output_tokens": 8},
            "tokens": {"input_tokens": 8, "output_tokens": 8},
            "cached_tokens": 0,
        },
    }


def test_a_tool_call_then_its_result(fake_llm: FakeLLMServer) -> None:
    body = {"model": "command-a", "messages": USER, "tools": [WEATHER]}
    first = _post(fake_llm, "/v2/chat", body).json()
    assert first["finish_reason"] == "TOOL_CALL"
    assert first["message"] == {
        "role": "assistant",
        "tool_plan": "I will call get_weather.",
        "tool_calls": [
            {
                "id": "get_weather_fake0",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city": "example"}'},
            }
        ],
    }
    result = {"role": "tool", "tool_call_id": "get_weather_fake0", "content": "sunny"}
    body["messages"] = [*USER, first["message"], result]
    second = _post(fake_llm, "/v2/chat", body).json()
    assert second["finish_reason"] == "COMPLETE"
    assert second["message"]["content"] == [{"type": "text", "text": "The tool returned: sunny"}]
    no_tools = {**body, "messages": USER, "tool_choice": "NONE"}
    assert _post(fake_llm, "/v2/chat", no_tools).json()["finish_reason"] == "COMPLETE"


def test_a_stream_is_cohere_events(fake_llm: FakeLLMServer) -> None:
    body = {"model": "command-a", "messages": [{"role": "user", "content": "hi"}], "stream": True}
    events = _events(_post(fake_llm, "/v2/chat", body))
    assert [e["type"] for e in events] == [
        "message-start",
        "content-start",
        *["content-delta"] * 3,  # "You" " said:" " hi"
        "content-end",
        "message-end",
    ]
    pieces = [e["delta"]["message"]["content"]["text"] for e in events[2:5]]
    assert "".join(pieces) == "You said: hi"
    assert events[-1]["delta"]["finish_reason"] == "COMPLETE"
    assert events[-1]["delta"]["usage"]["tokens"] == {"input_tokens": 1, "output_tokens": 3}


def test_a_streamed_tool_call(fake_llm: FakeLLMServer) -> None:
    body = {"model": "command-a", "messages": USER, "tools": [WEATHER], "stream": True}
    events = _events(_post(fake_llm, "/v2/chat", body))
    kinds = [e["type"] for e in events]
    assert kinds[0] == "message-start" and kinds[-1] == "message-end"
    start = next(e for e in events if e["type"] == "tool-call-start")
    assert start["delta"]["message"]["tool_calls"]["function"]["name"] == "get_weather"
    arguments = "".join(
        e["delta"]["message"]["tool_calls"]["function"]["arguments"]
        for e in events
        if e["type"] == "tool-call-delta"
    )
    assert json.loads(arguments) == {"city": "example"}
    plan = "".join(
        e["delta"]["message"]["tool_plan"] for e in events if e["type"] == "tool-plan-delta"
    )
    assert plan == "I will call get_weather."
    assert events[-1]["delta"]["finish_reason"] == "TOOL_CALL"


def test_embed_and_rerank(fake_llm: FakeLLMServer) -> None:
    body = {"model": "embed-v4.0", "texts": ["a b", "c"], "embedding_types": ["float", "int8"]}
    embedded = _post(fake_llm, "/v2/embed", body).json()
    assert len(embedded["embeddings"]["float"]) == len(embedded["embeddings"]["int8"]) == 2
    assert embedded["meta"]["billed_units"] == {"input_tokens": 3}
    body = {"model": "rerank-v3.5", "query": "Paris weather", "documents": ["Rome", "Paris"]}
    ranked = _post(fake_llm, "/v2/rerank", body).json()
    assert ranked["results"] == [
        {"index": 1, "relevance_score": 0.5},
        {"index": 0, "relevance_score": 0.0},
    ]
    assert ranked["meta"]["billed_units"] == {"search_units": 1}


def test_errors_have_cohere_shape(fake_llm: FakeLLMServer) -> None:
    response = _post(fake_llm, "/v2/chat", {"model": "error-429", "messages": USER})
    assert response.status_code == 429
    assert response.json() == {
        "id": "fake-cohere-error",
        "message": "Rate limit reached (fake error 429 requested from the fake LLM server)",
    }
    missing = _post(fake_llm, "/v2/chat", {"model": "command-a"})
    assert missing.status_code == 400
    assert missing.json()["message"] == "missing required parameter: 'messages'"
    assert _post(fake_llm, "/v2/nope", {}).json()["message"] == "Unknown route: POST /v2/nope"


def test_the_sdk_raises_its_own_errors(fake_llm: FakeLLMServer) -> None:
    cohere = pytest.importorskip("cohere")
    with cohere.ClientV2(
        api_key="co-fake", base_url=fake_llm.cohere_base_url, max_retries=0
    ) as client:
        fake_llm.fail_next(404)
        with pytest.raises(cohere.NotFoundError):
            client.chat(model="command-a", messages=USER)
        with pytest.raises(cohere.BadRequestError):
            client.rerank(model="error-400", query="q", documents=["d"])
        fake_llm.fail_next("stream")
        with pytest.raises(httpx.RemoteProtocolError):
            list(client.chat_stream(model="command-a", messages=USER))
        reply = client.chat(model="command-a", messages=USER)
        assert reply.message.content[0].text == f"You said: {QUESTION}"
