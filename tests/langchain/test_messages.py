"""The pure conversions of `spanscope.langchain._messages`."""

from __future__ import annotations

from langchain_core.documents import Document
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    ChatMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.outputs import ChatGeneration, Generation, LLMResult
from langchain_core.prompt_values import ChatPromptValue, StringPromptValue

from spanscope.langchain import _messages
from spanscope.tracing.llm import Usage


def test_roles_of_messages_and_chunks() -> None:
    messages = [
        SystemMessage("s"),
        HumanMessage("h", name="ann"),
        AIMessageChunk(content="a"),
        ChatMessage(role="critic", content="c"),
        ToolMessage("t", tool_call_id="call_1"),
    ]
    assert [_messages.message_to_dict(m) for m in messages] == [
        {"role": "system", "content": "s"},
        {"role": "user", "content": "h", "name": "ann"},
        {"role": "assistant", "content": "a"},
        {"role": "critic", "content": "c"},
        {"role": "tool", "content": "t", "tool_call_id": "call_1"},
    ]


def test_tool_calls_are_not_repeated_from_content_blocks() -> None:
    # Anthropic-style: the call is both a content block and a parsed tool call.
    block = {"type": "tool_use", "id": "toolu_1", "name": "add", "input": {"a": 1}}
    message = AIMessage(
        content=[{"type": "text", "text": "Adding."}, block],
        tool_calls=[{"name": "add", "args": {"a": 1}, "id": "toolu_1"}],
    )
    assert _messages.message_to_dict(message) == {
        "role": "assistant",
        "content": [{"type": "text", "text": "Adding."}],
        "tool_calls": [
            {
                "id": "toolu_1",
                "type": "function",
                "function": {"name": "add", "arguments": {"a": 1}},
            }
        ],
    }


def test_to_plain() -> None:
    value = {
        "prompt": ChatPromptValue(messages=[HumanMessage("hi")]),
        "text": StringPromptValue(text="plain"),
        "docs": (Document("x", metadata={"source": "a.txt", "page": 2}, id="d1"),),
        "other": 3,
    }
    assert _messages.to_plain(value) == {
        "prompt": [{"role": "user", "content": "hi"}],
        "text": "plain",
        "docs": [
            {
                "page_content": "x",
                "metadata": {"source": "a.txt", "page": 2, "doc_uri": "a.txt"},
                "id": "d1",
            }
        ],
        "other": 3,
    }


def test_usage_from_usage_metadata_with_details() -> None:
    message = AIMessage(
        "hi",
        usage_metadata={
            "input_tokens": 10,
            "output_tokens": 5,
            "total_tokens": 15,
            "input_token_details": {"cache_read": 4, "cache_creation": 1},
            "output_token_details": {"reasoning": 2},
        },
    )
    result = LLMResult(generations=[[ChatGeneration(message=message)]])
    assert _messages.usage(result) == Usage(10, 5, 4, 1, 2)


def test_usage_model_and_id_from_llm_output() -> None:
    result = LLMResult(
        generations=[[Generation(text="hi", generation_info={"finish_reason": "length"})]],
        llm_output={
            "token_usage": {"prompt_tokens": 3, "completion_tokens": 4},
            "model_name": "m-1",
            "id": "r-1",
        },
    )
    assert _messages.usage(result) == Usage(3, 4)
    assert _messages.response_model_and_id(result) == ("m-1", "r-1")
    assert _messages.finish_reasons(result) == ["length"]
    assert _messages.output_messages(result) == [{"role": "assistant", "content": "hi"}]


def test_no_usage() -> None:
    assert _messages.usage(LLMResult(generations=[[Generation(text="hi")]])) is None
    assert _messages.usage(LLMResult(generations=[])) is None


def test_model_and_finish_reason_from_response_metadata() -> None:
    message = AIMessage(
        "hi", response_metadata={"model": "claude-x", "stop_reason": "end_turn", "id": "msg_1"}
    )
    result = LLMResult(generations=[[ChatGeneration(message=message)]])
    assert _messages.response_model_and_id(result) == ("claude-x", "msg_1")
    assert _messages.finish_reasons(result) == ["end_turn"]


def test_request_model_and_leading_system_messages() -> None:
    assert _messages.request_model({"ls_model_name": "a"}, {"model": "b"}) == "a"
    assert _messages.request_model({}, {"model_name": "b"}) == "b"
    assert _messages.request_model({}, {}) is None
    system = {"role": "system", "content": "s"}
    user = {"role": "user", "content": "u"}
    assert _messages.split_system([system, user, system]) == ([system], [user, system])
