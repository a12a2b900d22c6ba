"""LLM calls on their own: chat, completion, streams (sync and async), tools, errors."""

from __future__ import annotations

import gc
from typing import Any

import pytest
from llama_index.core import Settings
from llama_index.core.base.llms.types import CompletionResponse, CompletionResponseGen
from llama_index.core.llms import ChatMessage, MockLLM
from llama_index.core.llms.callbacks import llm_completion_callback
from llama_index.core.llms.mock import MockFunctionCallingLLM
from llama_index.core.tools import FunctionTool

import spanscope
from spanscope.constants import SpanAttributeKey as K
from spanscope.testing import TraceCapture
from tests.llama_index.helpers import outline, span

MESSAGES = [
    ChatMessage(role="system", content="Be brief."),
    ChatMessage(role="user", content="Hi there"),
]
GENAI_MESSAGES = [
    {"role": "system", "parts": [{"type": "text", "content": "Be brief."}]},
    {"role": "user", "parts": [{"type": "text", "content": "Hi there"}]},
]
ANSWER = "text text text text"


def test_chat_records_messages_in_the_genai_shape(spanscope_traces: TraceCapture) -> None:
    reply = Settings.llm.chat(MESSAGES)

    assert reply.message.content == ANSWER
    trace = spanscope_traces.single()
    # MockLLM answers a chat by completing a prompt made of the messages.
    assert outline(trace) == ["MockLLM.chat [CHAT_MODEL]", "  MockLLM.complete [LLM]"]
    chat = span(trace, "MockLLM.chat")
    assert chat.get_attribute(K.GEN_AI_INPUT_MESSAGES) == GENAI_MESSAGES
    assert chat.get_attribute(K.GEN_AI_OUTPUT_MESSAGES) == [
        {"role": "assistant", "parts": [{"type": "text", "content": ANSWER}]}
    ]
    assert chat.get_attribute(K.GEN_AI_OPERATION) == "chat"
    assert chat.inputs == {"messages": GENAI_MESSAGES}
    assert chat.outputs == {"role": "assistant", "parts": [{"type": "text", "content": ANSWER}]}
    assert span(trace, "MockLLM.complete").inputs == {
        "prompt": "system: Be brief.\nuser: Hi there\nassistant: ",
        "formatted": True,
    }


async def test_async_chat(spanscope_traces: TraceCapture) -> None:
    reply = await Settings.llm.achat(MESSAGES)

    assert reply.message.content == ANSWER
    trace = spanscope_traces.single()
    assert outline(trace)[0] == "MockLLM.achat [CHAT_MODEL]"
    assert span(trace, "MockLLM.achat").get_attribute(K.GEN_AI_INPUT_MESSAGES) == GENAI_MESSAGES


def test_a_stream_span_stays_open_until_the_llm_end_event(
    spanscope_traces: TraceCapture,
) -> None:
    stream = Settings.llm.stream_chat(MESSAGES)
    spanscope.flush()
    assert spanscope_traces.traces == []  # LlamaIndex exited the span; the stream runs on
    chunks = list(stream)

    assert [c.delta for c in chunks] == ["text ", "text ", "text ", "text"]
    trace = spanscope_traces.single()
    assert outline(trace) == [
        "MockLLM.stream_chat [CHAT_MODEL]",
        "  MockLLM.stream_complete [LLM]",
    ]
    chat = span(trace, "MockLLM.stream_chat")
    assert [e.name for e in chat.events] == ["stream.chunk"] * 4
    assert [e.attributes["value"] for e in chat.events] == ["text ", "text ", "text ", "text"]
    assert chat.get_attribute(K.TIME_TO_FIRST_TOKEN_NS) > 0
    assert chat.get_attribute(K.GEN_AI_OUTPUT_MESSAGES)[0]["role"] == "assistant"
    assert chat.outputs is not None and "generator" not in str(chat.outputs)


async def test_async_stream(spanscope_traces: TraceCapture) -> None:
    stream = await MockFunctionCallingLLM().astream_complete("Hello")
    texts = [chunk.text async for chunk in stream]

    assert texts == ["Hello"]
    trace = spanscope_traces.single()
    assert outline(trace) == ["MockFunctionCallingLLM.astream_complete [LLM]"]
    llm = span(trace, "MockFunctionCallingLLM.astream_complete")
    assert llm.outputs == "Hello"
    assert [e.attributes["value"] for e in llm.events] == ["Hello"]


async def test_work_a_stream_does_while_it_is_read_is_not_under_its_span(
    spanscope_traces: TraceCapture,
) -> None:
    # MockLLM's async stream calls its sync stream_complete only once it is read, outside
    # the span LlamaIndex already exited (LlamaIndex itself gives that call no parent).
    # Provider SDK requests of streamed LLM calls are sent the same way. Read inside a
    # span, both land in its trace, side by side.
    with spanscope.start_span("app"):
        stream = await Settings.llm.astream_complete("Hello")
        texts = [chunk.text async for chunk in stream]

    assert texts[-1] == "text text text"  # MockLLM's last chunk lags one token behind
    trace = spanscope_traces.single()
    assert outline(trace) == [
        "app [UNKNOWN]",
        "  MockLLM.astream_complete [LLM]",
        "  MockLLM.stream_complete [LLM]",
    ]
    assert span(trace, "MockLLM.astream_complete").outputs == texts[-1]


def test_a_stream_dropped_unread_ends_its_span(spanscope_traces: TraceCapture) -> None:
    stream = Settings.llm.stream_complete("Hello")
    del stream
    gc.collect()

    trace = spanscope_traces.single()
    assert outline(trace) == ["MockLLM.stream_complete [LLM]"]
    assert span(trace, "MockLLM.stream_complete").status.status_code.value == "OK"


def test_a_stream_closed_halfway_ends_its_span(spanscope_traces: TraceCapture) -> None:
    stream = Settings.llm.stream_complete("Hello")
    first = next(stream)
    stream.close()

    assert first.delta == "text "
    trace = spanscope_traces.single()
    llm = span(trace, "MockLLM.stream_complete")
    assert llm.status.status_code.value == "OK"
    assert len(llm.events) == 1
    assert llm.outputs == first.text  # what came so far


class BrokenStreamLLM(MockLLM):
    @llm_completion_callback()
    def stream_complete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponseGen:
        def chunks() -> CompletionResponseGen:
            yield CompletionResponse(text="Hel", delta="Hel")
            raise ConnectionError("stream cut")

        return chunks()


def test_an_error_inside_a_stream_marks_its_span(spanscope_traces: TraceCapture) -> None:
    stream = BrokenStreamLLM(max_tokens=None).stream_complete("Hello")
    with pytest.raises(ConnectionError, match="stream cut"):
        list(stream)

    trace = spanscope_traces.single()
    error = "ConnectionError: stream cut"
    assert outline(trace) == [f"BrokenStreamLLM.stream_complete [LLM] ERROR: {error}"]
    assert [e.name for e in span(trace, "BrokenStreamLLM.stream_complete").events] == [
        "stream.chunk",
        "exception",
    ]


def multiply(a: int, b: int) -> int:
    """Multiply two integers."""
    return a * b


def test_tool_definitions_and_tool_calls(spanscope_traces: TraceCapture) -> None:
    llm = MockFunctionCallingLLM()
    tool = FunctionTool.from_defaults(multiply)
    reply = llm.chat_with_tools([tool], user_msg="Multiply 2 by 3")

    assert llm.get_tool_calls_from_response(reply)[0].tool_name == "multiply"
    # chat_with_tools is no span of its own, and its private first step (a span of its own in
    # LlamaIndex) is left out: one trace, the chat's.
    trace = spanscope_traces.single()
    assert outline(trace) == ["MockFunctionCallingLLM.chat [CHAT_MODEL]"]
    chat = span(trace, "MockFunctionCallingLLM.chat")
    [definition] = chat.get_attribute(K.GEN_AI_TOOL_DEFINITIONS)
    assert definition["type"] == "function"
    assert definition["name"] == "multiply"
    assert definition["parameters"]["required"] == ["a", "b"]
    [message] = chat.get_attribute(K.GEN_AI_OUTPUT_MESSAGES)
    [part] = message["parts"]
    assert part["type"] == "tool_call"
    assert part["name"] == "multiply"
    assert part["id"].startswith("mock-tool-call-")


def test_llm_calls_inside_a_user_span_nest_under_it(spanscope_traces: TraceCapture) -> None:
    @spanscope.trace(span_type="AGENT")
    def assistant(question: str) -> str:
        return str(Settings.llm.complete(question))

    assert assistant("Hi") == ANSWER
    assert outline(spanscope_traces.single()) == [
        "assistant [AGENT]",
        "  MockLLM.complete [LLM]",
    ]


def test_a_chat_engine_stream_keeps_the_engine_span_open_until_it_ends(
    spanscope_traces: TraceCapture,
) -> None:
    from llama_index.core.chat_engine import SimpleChatEngine
    from llama_index.core.memory import ChatMemoryBuffer

    # An in-process memory: the default one opens an aiosqlite connection it never closes.
    engine = SimpleChatEngine.from_defaults(memory=ChatMemoryBuffer.from_defaults())
    response = engine.stream_chat("Hi there")
    tokens = list(response.response_gen)  # joins LlamaIndex's writer thread at the end

    assert "".join(tokens) == ANSWER
    trace = spanscope_traces.single()
    assert outline(trace) == [
        "SimpleChatEngine.stream_chat [CHAIN]",
        "  MockLLM.stream_chat [CHAT_MODEL]",
        "    MockLLM.stream_complete [LLM]",
        "  StreamingAgentChatResponse.write_response_to_history [CHAIN]",
    ]
    engine_span = span(trace, "SimpleChatEngine.stream_chat")
    assert engine_span.inputs == {"message": "Hi there"}
    assert engine_span.outputs == "text text text"  # MockLLM's last chunk lags one token behind
