"""End to end: LlamaIndex's OpenAI LLM over HTTP against the fake OpenAI server, with the
openai integration on too: the provider span nests under the LlamaIndex span, and the
trace's token usage counts the call once."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from llama_index.core import Document, Settings, VectorStoreIndex
from llama_index.core.base.response.schema import StreamingResponse
from llama_index.core.llms import ChatMessage
from llama_index.core.tools import FunctionTool

from spanscope.constants import SpanAttributeKey as K
from spanscope.testing import TraceCapture, capture_traces
from spanscope.testing.fake_llm import FakeLLMServer
from tests.llama_index.helpers import PARIS, outline, span

spanscope_openai = pytest.importorskip("spanscope.openai")
openai_llms = pytest.importorskip("llama_index.llms.openai")

USAGE = {"input_tokens": 2, "output_tokens": 4, "total_tokens": 6}  # the fake counts words


@pytest.fixture(scope="module")
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer() as running:
        yield running


@pytest.fixture
async def llm(server: FakeLLMServer) -> AsyncIterator[Any]:
    spanscope_openai.autolog()
    # HTTP clients of our own, closed after the test (the LLM class never closes its own).
    with httpx.Client() as client:
        async with httpx.AsyncClient() as aclient:
            # A model name the class knows (it looks up its context window).
            yield openai_llms.OpenAI(
                model="gpt-4o-mini",
                api_base=server.openai_base_url,
                api_key="sk-fake",
                max_retries=0,
                http_client=client,
                async_http_client=aclient,
            )


def test_chat_nests_the_openai_span_and_counts_usage_once(
    llm: Any, spanscope_traces: TraceCapture
) -> None:
    reply = llm.chat([ChatMessage(role="user", content="hi there")])

    assert reply.message.content == "You said: hi there"
    trace = spanscope_traces.single()
    assert outline(trace) == [
        "OpenAI.chat [CHAT_MODEL]",
        "  openai.chat.completions.create [CHAT_MODEL]",
    ]
    chat = span(trace, "OpenAI.chat")
    assert chat.get_attribute(K.GEN_AI_PROVIDER) == "openai"
    assert chat.get_attribute(K.GEN_AI_REQUEST_MODEL) == "gpt-4o-mini"
    assert chat.get_attribute(K.GEN_AI_RESPONSE_MODEL) == "gpt-4o-mini"
    assert chat.get_attribute(K.GEN_AI_FINISH_REASONS) == ["stop"]
    for name in ("OpenAI.chat", "openai.chat.completions.create"):
        assert span(trace, name).get_attribute(K.GEN_AI_INPUT_TOKENS) == 2
        assert span(trace, name).get_attribute(K.GEN_AI_OUTPUT_TOKENS) == 4
    assert trace.info.token_usage is not None
    assert {k: trace.info.token_usage[k] for k in USAGE} == USAGE  # once, not twice


async def test_async_chat(llm: Any, spanscope_traces: TraceCapture) -> None:
    reply = await llm.achat([ChatMessage(role="user", content="hi there")])

    assert reply.message.content == "You said: hi there"
    trace = spanscope_traces.single()
    assert outline(trace) == [
        "OpenAI.achat [CHAT_MODEL]",
        "  openai.chat.completions.create [CHAT_MODEL]",
    ]
    assert {k: trace.info.token_usage[k] for k in USAGE} == USAGE  # type: ignore[index]


def test_streaming_query_through_openai_is_one_trace(llm: Any, server: FakeLLMServer) -> None:
    Settings.llm = llm
    index = VectorStoreIndex.from_documents([Document(text=PARIS)])
    with capture_traces() as captured:
        response = index.as_query_engine(streaming=True).query("capital?")
        assert isinstance(response, StreamingResponse)
        text = "".join(response.response_gen)

    assert text.startswith("You said:")
    trace = captured.single()
    assert outline(trace)[-3:] == [
        "    OpenAI.stream [CHAIN]",
        "      OpenAI.stream_chat [CHAT_MODEL]",
        "        openai.chat.completions.create [CHAT_MODEL]",
    ]
    assert span(trace, "RetrieverQueryEngine.query").outputs == text
    assert span(trace, "OpenAI.stream_chat").get_attribute(K.GEN_AI_OUTPUT_MESSAGES) == [
        {"role": "assistant", "parts": [{"type": "text", "content": text}], "finish_reason": "stop"}
    ]
    assert server.last_request.body["stream"] is True


def get_weather(city: str) -> str:
    """Current weather in a city."""
    return f"Sunny in {city}"


TOOL_TREE = ["OpenAI.chat [CHAT_MODEL]", "  openai.chat.completions.create [CHAT_MODEL]"]


def _tool_call_parts(trace: Any, name: str) -> list[Any]:
    messages = span(trace, name).get_attribute(K.GEN_AI_OUTPUT_MESSAGES)
    return [(p["type"], p["name"]) for m in messages for p in m["parts"]]


def test_chat_with_tools_is_one_trace(llm: Any, spanscope_traces: TraceCapture) -> None:
    # LlamaIndex traces the private `_prepare_chat_with_tools` but not `chat_with_tools`: its
    # span would be a trace of its own beside the chat's.
    tool = FunctionTool.from_defaults(get_weather)
    reply = llm.chat_with_tools([tool], user_msg="Weather in Paris?", tool_required=True)

    assert reply.message.additional_kwargs["tool_calls"][0].function.name == "get_weather"
    trace = spanscope_traces.single()
    assert outline(trace) == TOOL_TREE
    assert _tool_call_parts(trace, "OpenAI.chat") == [("tool_call", "get_weather")]


async def test_async_chat_with_tools_is_one_trace(llm: Any, spanscope_traces: TraceCapture) -> None:
    tool = FunctionTool.from_defaults(get_weather)
    await llm.achat_with_tools([tool], user_msg="Weather in Paris?", tool_required=True)

    trace = spanscope_traces.single()
    assert outline(trace) == ["OpenAI.achat [CHAT_MODEL]", TOOL_TREE[1]]
    assert _tool_call_parts(trace, "OpenAI.achat") == [("tool_call", "get_weather")]
