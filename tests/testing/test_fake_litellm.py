"""litellm against the fake server through its OpenAI-compatible, Anthropic and Ollama paths."""

from __future__ import annotations

import asyncio
import inspect
import os
from typing import Any

import pytest

from spanscope.testing.fake_llm import FakeLLMServer

# Without this, importing litellm fetches its price list from the internet.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
litellm = pytest.importorskip("litellm")

# litellm's own pydantic warnings (a TypedDict it imports on the first call, a deprecated
# attribute it reads while streaming) are not ours to fix.
pytestmark = [
    pytest.mark.filterwarnings("ignore:Items? .* `ReadOnly` qualifier:UserWarning"),
    pytest.mark.filterwarnings(
        "ignore:Accessing the 'model_(computed_)?fields' attribute:DeprecationWarning"
    ),
]

USER = [{"role": "user", "content": "Hello litellm"}]
ANSWER = "You said: Hello litellm"
TOOL = {
    "type": "function",
    "function": {
        "name": "lookup",
        "parameters": {"type": "object", "properties": {"q": {"type": "string"}}},
    },
}


@pytest.fixture(autouse=True)
def _quiet_litellm(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    monkeypatch.setattr(litellm, "suppress_debug_info", True)
    if not inspect.iscoroutinefunction(request.function):
        # litellm's sync calls ask asyncio.get_event_loop(), which (no loop being set) creates
        # one that nobody closes; with the loop unset they run their hooks in asyncio.run.
        asyncio.set_event_loop(None)


def _openai(fake_llm: FakeLLMServer) -> dict[str, Any]:
    return {"api_base": fake_llm.openai_base_url, "api_key": "sk-fake", "max_retries": 0}


def test_completion_openai_compatible(fake_llm: FakeLLMServer) -> None:
    response = litellm.completion(model="openai/gpt-x", messages=USER, **_openai(fake_llm))
    assert response.choices[0].message.content == ANSWER
    assert response.choices[0].finish_reason == "stop"
    assert (response.usage.prompt_tokens, response.usage.completion_tokens) == (2, 4)
    assert fake_llm.last_request.path == "/v1/chat/completions"
    assert fake_llm.last_request.json["model"] == "gpt-x"


def test_stream_with_usage(fake_llm: FakeLLMServer) -> None:
    stream = litellm.completion(
        model="openai/gpt-x",
        messages=USER,
        stream=True,
        stream_options={"include_usage": True},
        **_openai(fake_llm),
    )
    chunks = list(stream)
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == ANSWER
    rebuilt = litellm.stream_chunk_builder(chunks, messages=USER)
    assert rebuilt.usage.total_tokens == 6


def test_tool_calls(fake_llm: FakeLLMServer) -> None:
    response = litellm.completion(
        model="openai/gpt-x", messages=USER, tools=[TOOL], **_openai(fake_llm)
    )
    [call] = response.choices[0].message.tool_calls
    assert (call.function.name, call.function.arguments) == ("lookup", '{"q": "example"}')
    assert response.choices[0].finish_reason == "tool_calls"


async def test_acompletion(fake_llm: FakeLLMServer) -> None:
    response = await litellm.acompletion(model="openai/gpt-x", messages=USER, **_openai(fake_llm))
    assert response.choices[0].message.content == ANSWER


def test_errors_map_to_litellm_exceptions(fake_llm: FakeLLMServer) -> None:
    with pytest.raises(litellm.RateLimitError):
        litellm.completion(model="openai/error-429", messages=USER, **_openai(fake_llm))
    with pytest.raises(litellm.BadRequestError):
        litellm.completion(model="openai/error-400", messages=USER, **_openai(fake_llm))


def test_embedding(fake_llm: FakeLLMServer) -> None:
    response = litellm.embedding(model="openai/emb-x", input=["a", "b"], **_openai(fake_llm))
    assert len(response.data) == 2 and len(response.data[0]["embedding"]) == 16


def test_anthropic_path_reports_cache_tokens(fake_llm: FakeLLMServer) -> None:
    fake_llm.reset()
    system = [
        {
            "role": "system",
            "content": [
                {"type": "text", "text": "shared " * 20, "cache_control": {"type": "ephemeral"}}
            ],
        }
    ]
    options = {"api_base": fake_llm.anthropic_base_url, "api_key": "sk-ant-fake"}
    first = litellm.completion(model="anthropic/claude-x", messages=[*system, *USER], **options)
    again = litellm.completion(model="anthropic/claude-x", messages=[*system, *USER], **options)
    assert first.choices[0].message.content == ANSWER
    assert first.usage.cache_creation_input_tokens == 20
    assert again.usage.cache_read_input_tokens == 20


def test_ollama_chat_path(fake_llm: FakeLLMServer, monkeypatch: pytest.MonkeyPatch) -> None:
    # litellm asks /api/show for model info, at OLLAMA_API_BASE whatever api_base says.
    monkeypatch.setenv("OLLAMA_API_BASE", fake_llm.ollama_host)
    response = litellm.completion(
        model="ollama_chat/llama-x", messages=USER, api_base=fake_llm.ollama_host
    )
    assert response.choices[0].message.content == ANSWER
    assert response.usage.completion_tokens == 4
