"""The fake Gemini API on the wire (raw HTTP) and through the real google-genai SDK."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from spanscope.testing.fake_llm import FakeLLMServer

QUESTION = "What is the weather in Paris?"
USER = [{"role": "user", "parts": [{"text": QUESTION}]}]
WEATHER = {
    "name": "get_weather",
    "description": "Current weather",
    "parameters": {
        "type": "OBJECT",
        "properties": {"city": {"type": "STRING"}},
        "required": ["city"],
    },
}


def _post(server: FakeLLMServer, method: str, body: Any, model: str = "gemini-x") -> httpx.Response:
    url = f"{server.gemini_base_url}/v1beta/models/{model}:{method}"
    return httpx.post(url, json=body, headers={"x-goog-api-key": "gemini-fake"})


def test_generate_content(fake_llm: FakeLLMServer) -> None:
    body = {"contents": USER, "systemInstruction": {"parts": [{"text": "Be terse"}]}}
    reply = _post(fake_llm, "generateContent", body).json()
    assert reply == {
        "candidates": [
            {
                "content": {"role": "model", "parts": [{"text": f"You said: {QUESTION}"}]},
                "index": 0,
                "finishReason": "STOP",
            }
        ],
        "usageMetadata": {
            "promptTokenCount": 8,
            "candidatesTokenCount": 8,
            "totalTokenCount": 16,
            "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 8}],
        },
        "modelVersion": "gemini-x",
        "responseId": "fake-gemini-response",
    }


def test_a_function_call_then_its_result(fake_llm: FakeLLMServer) -> None:
    tools = [{"functionDeclarations": [WEATHER]}]
    first = _post(fake_llm, "generateContent", {"contents": USER, "tools": tools}).json()
    call = first["candidates"][0]["content"]["parts"]
    assert call == [{"functionCall": {"name": "get_weather", "args": {"city": "example"}}}]
    # The proto (snake_case) field names are read as well, as the API does.
    result = {"function_response": {"name": "get_weather", "response": {"result": "sunny"}}}
    contents = [*USER, {"role": "model", "parts": call}, {"role": "user", "parts": [result]}]
    second = _post(fake_llm, "generateContent", {"contents": contents, "tools": tools}).json()
    assert second["candidates"][0]["content"]["parts"] == [{"text": "The tool returned: sunny"}]


def test_function_calling_mode_none_answers_with_text(fake_llm: FakeLLMServer) -> None:
    body = {
        "contents": USER,
        "tools": [{"functionDeclarations": [WEATHER]}],
        "toolConfig": {"functionCallingConfig": {"mode": "NONE"}},
    }
    parts = _post(fake_llm, "generateContent", body).json()["candidates"][0]["content"]["parts"]
    assert parts == [{"text": f"You said: {QUESTION}"}]


def test_stream_generate_content_is_server_sent_events(fake_llm: FakeLLMServer) -> None:
    url = f"{fake_llm.gemini_base_url}/v1beta/models/gemini-x:streamGenerateContent?alt=sse"
    response = httpx.post(url, json={"contents": USER, "generationConfig": {"maxOutputTokens": 3}})
    assert response.headers["content-type"].startswith("text/event-stream")
    frames = [line for line in response.text.split("\n\n") if line]
    chunks = [json.loads(frame.removeprefix("data: ")) for frame in frames]
    texts = [chunk["candidates"][0]["content"]["parts"][0]["text"] for chunk in chunks]
    assert texts == ["You", " said:", " What"]
    assert [c["candidates"][0].get("finishReason") for c in chunks] == [None, None, "MAX_TOKENS"]
    assert chunks[-1]["usageMetadata"]["candidatesTokenCount"] == 3
    assert "candidatesTokenCount" not in chunks[0]["usageMetadata"]


def test_embeddings(fake_llm: FakeLLMServer) -> None:
    one = _post(fake_llm, "embedContent", {"content": {"parts": [{"text": "Paris"}]}}).json()
    assert len(one["embedding"]["values"]) == 16
    requests = [
        {"model": "models/e", "content": {"parts": [{"text": "Paris"}]}, "outputDimensionality": 4},
        {"model": "models/e", "content": {"parts": [{"text": "is sunny"}]}},
    ]
    batch = _post(fake_llm, "batchEmbedContents", {"requests": requests}, model="e").json()
    assert [len(e["values"]) for e in batch["embeddings"]] == [4, 16]
    assert batch["usageMetadata"] == {"promptTokenCount": 3, "totalTokenCount": 3}


def test_errors_in_googles_shape(fake_llm: FakeLLMServer) -> None:
    failed = _post(fake_llm, "generateContent", {"contents": USER}, model="error-429")
    assert failed.status_code == 429
    assert failed.json() == {
        "error": {
            "code": 429,
            "message": "Rate limit reached (fake error 429 requested from the fake LLM server)",
            "status": "RESOURCE_EXHAUSTED",
        }
    }
    missing = _post(fake_llm, "generateContent", {})
    assert (missing.status_code, missing.json()["error"]["status"]) == (400, "INVALID_ARGUMENT")
    unknown = _post(fake_llm, "predictLongRunning", {})
    assert (unknown.status_code, unknown.json()["error"]["status"]) == (404, "NOT_FOUND")


def test_count_tokens(fake_llm: FakeLLMServer) -> None:
    assert _post(fake_llm, "countTokens", {"contents": USER}).json() == {"totalTokens": 6}


def test_the_sdk_against_it(fake_llm: FakeLLMServer) -> None:
    genai = pytest.importorskip("google.genai")
    with genai.Client(
        api_key="gemini-fake", http_options={"base_url": fake_llm.gemini_base_url}
    ) as client:
        response = client.models.generate_content(model="gemini-x", contents=QUESTION)
        assert response.text == f"You said: {QUESTION}"
        assert response.usage_metadata.total_token_count == 14
        fake_llm.fail_next("stream")
        with pytest.raises(genai.errors.ServerError, match="503 UNAVAILABLE"):
            list(client.models.generate_content_stream(model="gemini-x", contents=QUESTION))
        assert client.models.count_tokens(model="gemini-x", contents=QUESTION).total_tokens == 6
    assert fake_llm.env["GOOGLE_GEMINI_BASE_URL"] == fake_llm.gemini_base_url
