"""smolagents' messages, stream deltas and tool arguments in the shapes the spans record."""

from __future__ import annotations

from smolagents import AzureOpenAIModel, ChatMessage, LiteLLMRouterModel, MessageRole, TokenUsage
from smolagents.models import (
    ChatMessageStreamDelta,
    ChatMessageToolCallFunction,
    ChatMessageToolCallStreamDelta,
)

from spanscope.constants import SpanAttributeKey as K
from spanscope.smolagents import _messages
from spanscope.testing import TraceCapture
from spanscope.testing.fake_llm import FakeLLMServer
from spanscope.tracing.llm import Usage
from tests.smolagents.helpers import MODEL, get_weather, make_model, text, tree


def test_tool_roles_are_the_ones_the_model_is_sent_and_images_stay_out() -> None:
    image = object()  # a PIL image: its bytes never reach a span
    messages = [
        ChatMessage(role=MessageRole.SYSTEM, content=[{"type": "text", "text": "Be brief."}]),
        ChatMessage(
            role=MessageRole.USER,
            content=[{"type": "text", "text": "Look:"}, {"type": "image", "image": image}],
        ),
        ChatMessage(role=MessageRole.TOOL_CALL, content=[{"type": "text", "text": "Calling"}]),
        ChatMessage(role=MessageRole.TOOL_RESPONSE, content=[{"type": "text", "text": "Seen"}]),
    ]
    plain = _messages.request_messages(messages)
    assert [m["role"] for m in plain] == ["system", "user", "assistant", "user"]
    assert plain[1]["content"][1] == {"type": "blob", "modality": "image"}
    chat, system = _messages.split_system(plain)
    assert system == "Be brief." and len(chat) == 3
    # A model's own conversions apply first (here: no system role).
    converted = _messages.request_messages(messages[:1], {"system": "user"})
    assert [m["role"] for m in converted] == ["user"]


def test_a_streamed_tool_call_is_assembled_from_its_pieces() -> None:
    def piece(index: int, **fields: str) -> ChatMessageStreamDelta:
        function = ChatMessageToolCallFunction(
            name=fields.get("name", ""), arguments=fields.get("arguments", "")
        )
        delta = ChatMessageToolCallStreamDelta(
            index=index, id=fields.get("id"), type="function", function=function
        )
        return ChatMessageStreamDelta(content=None, tool_calls=[delta])

    deltas = [
        ChatMessageStreamDelta(content="Let me check. "),
        piece(0, id="call_1", name="get_weather"),
        piece(0, arguments='{"city": '),
        piece(0, arguments='"Paris"}'),
        ChatMessageStreamDelta(content="", token_usage=TokenUsage(input_tokens=7, output_tokens=5)),
    ]
    message, usage = _messages.assemble(deltas)
    assert message == {
        "role": "assistant",
        "content": "Let me check. ",
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
            }
        ],
    }
    assert usage == Usage(input_tokens=7, output_tokens=5)
    assert _messages.assemble([]) == (None, None)


def test_tool_arguments_are_named() -> None:
    names = ["city", "units"]
    assert _messages.tool_inputs(["Paris"], {"sanitize_inputs_outputs": True}, names) == {
        "city": "Paris"
    }
    assert _messages.tool_inputs([{"city": "Paris"}], {}, names) == {"city": "Paris"}
    assert _messages.tool_inputs([], {"city": "Paris"}, names) == {"city": "Paris"}
    assert _messages.tool_inputs([1, 2, 3], {}, names) == [1, 2, 3]


def test_providers_follow_the_model_classes() -> None:
    azure = AzureOpenAIModel.__new__(AzureOpenAIModel)
    router = LiteLLMRouterModel.__new__(LiteLLMRouterModel)
    assert (_messages.provider(azure), _messages.provider(router)) == ("azure.ai.openai", "litellm")


def test_a_direct_model_call_records_the_tools_it_offers(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    messages = [{"role": "user", "content": [{"type": "text", "text": "Weather in Paris?"}]}]
    reply = make_model(fake_llm).generate(messages, tools_to_call_from=[get_weather])

    assert reply.tool_calls[0].function.name == "get_weather"
    (root,) = tree(spanscope_traces.single(), values=True)
    assert (root["name"], root["span_type"]) == ("OpenAIModel.generate", "CHAT_MODEL")
    assert root["inputs"] == {"messages": messages, "tools": ["get_weather"]}
    attributes = root["attributes"]
    assert attributes[K.GEN_AI_REQUEST_MODEL] == MODEL
    assert attributes[K.GEN_AI_INPUT_MESSAGES] == [text("user", "Weather in Paris?")]
    assert [d["name"] for d in attributes[K.GEN_AI_TOOL_DEFINITIONS]] == ["get_weather"]
    assert attributes[K.GEN_AI_FINISH_REASONS] == ["tool_calls"]
    assert (attributes[K.GEN_AI_INPUT_TOKENS], attributes[K.GEN_AI_OUTPUT_TOKENS]) == (3, 2)
