"""Chat models: the chat in the GenAI shape, usage, tools, streaming, errors."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from langchain_core.language_models.fake_chat_models import (
    FakeListChatModel,
    FakeListChatModelError,
    GenericFakeChatModel,
)
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage

import spanscope
from spanscope.testing import TraceCapture
from tests.langchain.helpers import USAGE, add, chat, leaf, tree

GENAI = (
    "gen_ai.provider.name",
    "gen_ai.operation.name",
    "gen_ai.system_instructions",
    "gen_ai.input.messages",
    "gen_ai.output.messages",
    "gen_ai.tool.definitions",
    "gen_ai.usage.input_tokens",
    "gen_ai.usage.output_tokens",
)
USAGE_ATTRIBUTES = {"gen_ai.usage.input_tokens": 7, "gen_ai.usage.output_tokens": 2}


def text(role: str, content: str) -> dict[str, Any]:
    return {"role": role, "parts": [{"type": "text", "content": content}]}


def test_chat_in_genai_shape_with_usage(traces: TraceCapture) -> None:
    conversation = [SystemMessage("Be brief."), HumanMessage("Capital of France?")]
    assert chat("Paris").invoke(conversation).content == "Paris"
    trace = traces.single()
    assert tree(trace, *GENAI) == [
        leaf(
            "UsageChatModel",
            "CHAT_MODEL",
            [
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": "Capital of France?"},
            ],
            {"role": "assistant", "content": "Paris"},
            attributes={
                "gen_ai.provider.name": "usagechatmodel",
                "gen_ai.operation.name": "chat",
                "gen_ai.system_instructions": [{"type": "text", "content": "Be brief."}],
                "gen_ai.input.messages": [
                    text("system", "Be brief."),
                    text("user", "Capital of France?"),
                ],
                "gen_ai.output.messages": [text("assistant", "Paris")],
                **USAGE_ATTRIBUTES,
            },
        )
    ]
    assert trace.info.token_usage == USAGE


def test_tools_from_invocation_params_and_tool_calls(traces: TraceCapture) -> None:
    call = {"name": "add", "args": {"a": 1, "b": 2}, "id": "call_1", "type": "tool_call"}
    reply = AIMessage("", tool_calls=[call])
    history = [HumanMessage("1+2?"), reply, ToolMessage("3", tool_call_id="call_1")]
    model = chat(reply).bind_tools([add])
    model.invoke(history)
    tool_call = {"type": "tool_call", "id": "call_1", "name": "add", "arguments": {"a": 1, "b": 2}}
    openai_call = {
        "id": "call_1",
        "type": "function",
        "function": {"name": "add", "arguments": {"a": 1, "b": 2}},
    }
    assert tree(
        traces.single(),
        "gen_ai.input.messages",
        "gen_ai.output.messages",
        "gen_ai.tool.definitions",
    ) == [
        leaf(
            "UsageChatModel",
            "CHAT_MODEL",
            [
                {"role": "user", "content": "1+2?"},
                {"role": "assistant", "content": "", "tool_calls": [openai_call]},
                {"role": "tool", "content": "3", "tool_call_id": "call_1"},
            ],
            {"role": "assistant", "content": "", "tool_calls": [openai_call]},
            attributes={
                "gen_ai.input.messages": [
                    text("user", "1+2?"),
                    {"role": "assistant", "parts": [tool_call]},
                    {
                        "role": "tool",
                        "parts": [{"type": "tool_call_response", "id": "call_1", "response": "3"}],
                    },
                ],
                "gen_ai.output.messages": [{"role": "assistant", "parts": [tool_call]}],
                "gen_ai.tool.definitions": [
                    {
                        "type": "function",
                        "name": "add",
                        "description": "Add two integers.",
                        "parameters": {
                            "type": "object",
                            "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
                            "required": ["a", "b"],
                        },
                    }
                ],
            },
        )
    ]


def streamed_tree(events: int, outputs: str = "Paris is nice") -> list[dict[str, Any]]:
    return [
        leaf(
            "UsageChatModel",
            "CHAT_MODEL",
            [{"role": "user", "content": "Capital?"}],
            {"role": "assistant", "content": outputs},
            events=["stream.chunk"] * events,
            attributes={"gen_ai.output.messages": [text("assistant", outputs)], **USAGE_ATTRIBUTES},
        )
    ]


STREAM_KEYS = ("gen_ai.output.messages", "gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens")


def test_stream_records_tokens_and_ends_at_the_end(traces: TraceCapture) -> None:
    chunks = [chunk.content for chunk in chat("Paris is nice").stream("Capital?")]
    assert "".join(str(c) for c in chunks) == "Paris is nice"
    trace = traces.single()
    # Five word and space tokens, the usage chunk, LangChain's closing chunk.
    assert tree(trace, *STREAM_KEYS) == streamed_tree(7)
    (span,) = trace.data.spans
    assert [e.attributes["value"] for e in span.events][:5] == ["Paris", " ", "is", " ", "nice"]
    assert span.get_attribute("spanscope.span.time_to_first_token_ns") > 0
    assert trace.info.token_usage == USAGE


async def test_astream(traces: TraceCapture) -> None:
    chunks = [chunk.content async for chunk in chat("Paris is nice").astream("Capital?")]
    assert "".join(str(c) for c in chunks) == "Paris is nice"
    assert tree(traces.single(), *STREAM_KEYS) == streamed_tree(7)


@spanscope.trace
def note(value: Any) -> Any:
    return value


def test_the_callers_loop_does_not_nest_under_a_streaming_span(traces: TraceCapture) -> None:
    @spanscope.trace(span_type="AGENT")
    def bot() -> None:
        for chunk in chat("Paris").stream("Capital?"):
            note(chunk.content)

    bot()
    (root,) = tree(traces.single())
    assert [c["name"] for c in root["children"]] == ["UsageChatModel", "note", "note", "note"]
    assert root["children"][0]["children"] == []


def test_stream_abandoned_early_ends_ok_with_what_came(traces: TraceCapture) -> None:
    for _chunk in chat("Paris is nice").stream("Capital?"):
        break
    (span,) = tree(traces.single())
    assert (span["status"], span["outputs"], span["events"]) == (
        "OK",
        {"role": "assistant", "content": "Paris"},
        ["stream.chunk"],
    )
    assert spanscope.get_current_active_span() is None


def test_error_in_the_middle_of_a_stream(traces: TraceCapture) -> None:
    model = FakeListChatModel(responses=["abc"], error_on_chunk_number=1)
    with pytest.raises(FakeListChatModelError):
        list(model.stream("Letters?"))
    assert tree(traces.single()) == [
        leaf(
            "FakeListChatModel",
            "CHAT_MODEL",
            [{"role": "user", "content": "Letters?"}],
            {"role": "assistant", "content": "a"},
            status="ERROR",
            error="FakeListChatModelError: ",
            events=["stream.chunk", "exception"],
        )
    ]


class ProviderError(Exception):
    """What provider SDKs raise for an HTTP error: the response rides on the exception (which
    LangChain turns into an empty assistant message carrying the response's metadata)."""

    def __init__(self) -> None:
        super().__init__("rate limited")
        request = httpx.Request("POST", "http://127.0.0.1:9/v1/chat/completions")
        self.response = httpx.Response(429, json={"error": "slow down"}, request=request)


class FailingChatModel(GenericFakeChatModel):
    error: type[Exception] = ProviderError

    def _generate(self, *args: Any, **kwargs: Any) -> Any:
        raise self.error()

    def _stream(self, *args: Any, **kwargs: Any) -> Any:
        raise self.error()


@pytest.mark.parametrize("error", [ProviderError, ValueError], ids=["http-error", "plain-error"])
@pytest.mark.parametrize("stream", [False, True], ids=["invoke", "stream"])
def test_a_failed_call_records_no_output_messages(
    traces: TraceCapture, error: type[Exception], stream: bool
) -> None:
    model = FailingChatModel(messages=iter([]), error=error)
    with pytest.raises(error):
        if stream:
            list(model.stream("Capital?"))
        else:
            model.invoke("Capital?")
    assert tree(traces.single(), *GENAI) == [
        leaf(
            "FailingChatModel",
            "CHAT_MODEL",
            [{"role": "user", "content": "Capital?"}],
            None,
            status="ERROR",
            error=f"{error.__name__}: {error()}",
            events=["exception"],
            attributes={
                "gen_ai.provider.name": "failingchatmodel",
                "gen_ai.operation.name": "chat",
                "gen_ai.input.messages": [text("user", "Capital?")],
            },
        )
    ]


def test_generate_with_several_prompts_under_a_user_span(traces: TraceCapture) -> None:
    @spanscope.trace
    def both() -> None:
        chat("one", "two").generate([[HumanMessage("1?")], [HumanMessage("2?")]])

    both()
    (root,) = tree(traces.single())
    assert [(c["name"], c["inputs"], c["outputs"]) for c in root["children"]] == [
        (
            "UsageChatModel",
            [{"role": "user", "content": "1?"}],
            {"role": "assistant", "content": "one"},
        ),
        (
            "UsageChatModel",
            [{"role": "user", "content": "2?"}],
            {"role": "assistant", "content": "two"},
        ),
    ]
