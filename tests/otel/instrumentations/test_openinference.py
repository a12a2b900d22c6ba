"""OpenInference: its LangChain instrumentation (a chain calling ChatOpenAI with a tool) and its
OpenAI instrumentation (the openai SDK in a tool loop), exported to a spanscope server.

Each runs on its own: OpenInference's LangChain spans are not made current in the OpenTelemetry
context, so an openai SDK span under them would start a trace of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import openai
import pytest
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from langchain_core.runnables import RunnableLambda
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI
from openai.types.chat import ChatCompletionToolParam
from openinference.instrumentation.langchain import LangChainInstrumentor
from openinference.instrumentation.openai import OpenAIInstrumentor
from opentelemetry.sdk.trace import TracerProvider

from spanscope.testing.fake_llm import FakeLLMServer
from tests.otel.instrumentations.conftest import Spanscope, by_name, children, text

pytestmark = [pytest.mark.instrumentation, pytest.mark.timeout(120)]

CALL = {
    "type": "tool_call",
    "id": "call_fake_0",
    "name": "weather",
    "arguments": {"city": "example"},  # an object, not the JSON text OpenInference records
}
RESULT = {
    "role": "tool",
    "parts": [{"type": "tool_call_response", "id": "call_fake_0", "response": "rain in example"}],
}
FINAL = text("assistant", "The tool returned: rain in example")
PROMPT = [text("system", "Be brief."), text("user", "What is the weather in Paris?")]


@tool
def weather(city: str) -> str:
    """The weather in a city."""
    return f"rain in {city}"


WEATHER: ChatCompletionToolParam = {
    "type": "function",
    "function": {
        "name": "weather",
        "description": "The weather in a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}


@pytest.fixture
def langchain(spanscope_server: Spanscope) -> Iterator[TracerProvider]:
    provider = spanscope_server.provider("langchain", service="langchain-app")
    instrumentor = LangChainInstrumentor()
    instrumentor.instrument(tracer_provider=provider)
    try:
        yield provider
    finally:
        instrumentor.uninstrument()
        provider.shutdown()


@pytest.fixture
def openai_sdk(spanscope_server: Spanscope) -> Iterator[TracerProvider]:
    provider = spanscope_server.provider("openai-sdk", service="openai-app")
    instrumentor = OpenAIInstrumentor()
    instrumentor.instrument(tracer_provider=provider)
    try:
        yield provider
    finally:
        instrumentor.uninstrument()
        provider.shutdown()


def _forecast(fake_llm: FakeLLMServer, request: dict[str, str]) -> str:
    llm = ChatOpenAI(
        model=request["model"],
        base_url=fake_llm.openai_base_url,
        api_key="sk-fake",  # type: ignore[arg-type]
        max_retries=0,
    ).bind_tools([weather])
    messages: list[BaseMessage] = [SystemMessage("Be brief."), HumanMessage(request["question"])]
    first: Any = llm.invoke(messages)
    messages.append(first)
    for call in first.tool_calls:
        messages.append(weather.invoke(call))
    return str(llm.invoke(messages).content)


def test_langchain_chain_chat_model_and_tool(
    langchain: TracerProvider, spanscope_server: Spanscope, fake_llm: FakeLLMServer
) -> None:
    def forecast(request: dict[str, str]) -> str:
        return _forecast(fake_llm, request)

    forecaster = RunnableLambda(forecast).with_config(run_name="forecaster")
    question = {"question": "What is the weather in Paris?", "model": "gpt-4o-mini"}
    assert forecaster.invoke(question) == "The tool returned: rain in example"
    with pytest.raises(openai.InternalServerError):
        forecaster.invoke({"question": "And tomorrow?", "model": "error-500"})
    langchain.force_flush()

    ok, failed = spanscope_server.traces("langchain")
    chain = ok.data.root
    assert chain is not None
    assert (chain.name, chain.span_type) == ("forecaster", "CHAIN")
    assert (chain.inputs, chain.outputs) == (question, "The tool returned: rain in example")
    steps = children(ok, chain)
    assert [(s.name, s.span_type) for s in steps] == [
        ("ChatOpenAI", "LLM"),
        ("weather", "TOOL"),
        ("ChatOpenAI", "LLM"),
    ]
    first, tool_span, second = steps
    for chat in (first, second):
        assert chat.attributes["gen_ai.request.model"] == "gpt-4o-mini"
        assert chat.attributes["gen_ai.provider.name"] == "openai"
        assert chat.attributes["gen_ai.tool.definitions"][0]["name"] == "weather"
        assert chat.attributes["gen_ai.usage.input_tokens"] > 0
        assert chat.attributes["gen_ai.usage.output_tokens"] > 0
        assert not any(key.startswith("llm.input_messages.") for key in chat.attributes)
    assert first.attributes["gen_ai.input.messages"] == PROMPT
    assert first.attributes["gen_ai.output.messages"] == [{"role": "assistant", "parts": [CALL]}]
    assert first.attributes["gen_ai.response.finish_reasons"] == ["tool_calls"]
    assert second.attributes["gen_ai.input.messages"] == [
        *PROMPT,
        {"role": "assistant", "parts": [CALL]},
        {**RESULT, "name": "weather"},  # LangChain's tool message names its tool
    ]
    assert second.attributes["gen_ai.output.messages"] == [FINAL]

    assert tool_span.attributes["gen_ai.tool.name"] == "weather"
    assert tool_span.attributes["gen_ai.tool.description"] == "The weather in a city."
    assert tool_span.inputs == "example"
    assert tool_span.outputs["data"]["content"] == "rain in example"

    assert ok.info.token_usage is not None
    for key, attribute in (
        ("input_tokens", "gen_ai.usage.input_tokens"),
        ("output_tokens", "gen_ai.usage.output_tokens"),
    ):
        assert ok.info.token_usage[key] == sum(c.attributes[attribute] for c in (first, second))

    # The failed run: the chat model's span and the chain's are errors, with no empty answer.
    assert failed.info.state == "ERROR"
    [chat] = by_name(failed)["ChatOpenAI"]
    assert failed.data.root is not None
    for span in (chat, failed.data.root):
        assert span.status.status_code == "ERROR", span.name
        assert "Error code: 500" in span.status.description
    assert chat.attributes["gen_ai.request.model"] == "error-500"
    assert "gen_ai.output.messages" not in chat.attributes
    assert failed.info.token_usage is None


def test_openai_sdk_tool_loop(
    openai_sdk: TracerProvider, spanscope_server: Spanscope, fake_llm: FakeLLMServer
) -> None:
    client = openai.OpenAI(base_url=fake_llm.openai_base_url, api_key="sk-fake", max_retries=0)
    messages: list[Any] = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "What is the weather in Paris?"},
    ]
    first = client.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=[WEATHER])
    [call] = first.choices[0].message.tool_calls or []
    messages.append(first.choices[0].message.model_dump(exclude_none=True))
    messages.append({"role": "tool", "tool_call_id": call.id, "content": "rain in example"})
    second = client.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=[WEATHER])
    assert second.choices[0].message.content == "The tool returned: rain in example"
    with pytest.raises(openai.InternalServerError):
        client.chat.completions.create(model="error-500", messages=messages[:2])
    client.close()
    openai_sdk.force_flush()

    traces = spanscope_server.traces("openai-sdk")
    assert [[s.name for s in t.data.spans] for t in traces] == [["ChatCompletion"]] * 3
    (one,), (two,), (failed,) = (t.data.spans for t in traces)
    for span, reply in ((one, first), (two, second)):
        assert span.span_type == "LLM"
        assert span.status.status_code == "OK"
        assert span.attributes["gen_ai.request.model"] == "gpt-4o-mini"
        assert span.attributes["gen_ai.tool.definitions"][0]["name"] == "weather"
        assert reply.usage is not None
        assert span.attributes["gen_ai.usage.input_tokens"] == reply.usage.prompt_tokens
        assert span.attributes["gen_ai.usage.output_tokens"] == reply.usage.completion_tokens
    assert one.attributes["gen_ai.input.messages"] == PROMPT
    assert one.attributes["gen_ai.output.messages"] == [{"role": "assistant", "parts": [CALL]}]
    assert two.attributes["gen_ai.input.messages"][2:] == [
        {"role": "assistant", "parts": [CALL]},
        RESULT,
    ]
    assert two.attributes["gen_ai.output.messages"] == [FINAL]

    assert traces[2].info.state == "ERROR"
    assert failed.status.status_code == "ERROR"
    assert failed.status.description.startswith("InternalServerError: Error code: 500")
    assert failed.attributes["gen_ai.input.messages"] == [
        text("system", "Be brief."),
        text("user", "What is the weather in Paris?"),
    ]
    assert "gen_ai.output.messages" not in failed.attributes
