"""Kernel invocations: the function's CHAIN span, the chat completion's CHAT_MODEL span
inside, the functions the model calls as TOOL spans inside that."""

from __future__ import annotations

import asyncio
import gc
from typing import Any

import pytest

import spanscope
import spanscope.semantic_kernel
from spanscope.constants import SpanAttributeKey as K
from spanscope.testing import TraceCapture, span_tree
from spanscope.testing.fake_llm import FakeLLMServer
from tests.semantic_kernel.conftest import MODEL, Broken, make_kernel

sk = pytest.importorskip("semantic_kernel")

QUESTION = "What is the weather in Paris?"
ANSWER = f"You said: {QUESTION}"
CHAT = "OpenAIChatCompletion.get_chat_message_contents"
STREAM = "OpenAIChatCompletion.get_streaming_chat_message_contents"
KEYS = [
    K.GEN_AI_PROVIDER,
    K.GEN_AI_REQUEST_MODEL,
    K.GEN_AI_INPUT_MESSAGES,
    K.GEN_AI_OUTPUT_MESSAGES,
    K.GEN_AI_FINISH_REASONS,
    K.GEN_AI_INPUT_TOKENS,
    K.GEN_AI_OUTPUT_TOKENS,
    K.GEN_AI_TOOL_NAME,
]


def tree(capture: TraceCapture, **kwargs: Any) -> dict[str, Any]:
    (root,) = span_tree(capture.single(), attributes=KEYS, **kwargs)

    def strip(node: dict[str, Any]) -> dict[str, Any]:
        node["attributes"] = {k: v for k, v in node["attributes"].items() if v is not None}
        node["children"] = [strip(child) for child in node["children"]]
        return node

    return strip(root)


def text(role: str, content: str) -> dict[str, Any]:
    return {"role": role, "parts": [{"type": "text", "content": content}]}


def chat(name: str, sent: list[Any], reply: list[Any] | None, tokens: Any, **extra: Any) -> Any:
    attributes: dict[str, Any] = {
        K.GEN_AI_PROVIDER: "openai",
        K.GEN_AI_REQUEST_MODEL: MODEL,
        K.GEN_AI_INPUT_MESSAGES: sent,
    }
    if reply is not None:
        attributes[K.GEN_AI_OUTPUT_MESSAGES] = reply
        attributes[K.GEN_AI_FINISH_REASONS] = [m["finish_reason"] for m in reply]
    if tokens:
        attributes[K.GEN_AI_INPUT_TOKENS], attributes[K.GEN_AI_OUTPUT_TOKENS] = tokens
    return {
        "name": name,
        "span_type": "CHAT_MODEL",
        "status": "OK",
        "attributes": attributes,
        "children": [],
        **extra,
    }


def _auto(**kwargs: Any) -> Any:
    from semantic_kernel.connectors.ai.function_choice_behavior import FunctionChoiceBehavior
    from semantic_kernel.connectors.ai.open_ai import OpenAIChatPromptExecutionSettings
    from semantic_kernel.functions import KernelArguments

    behavior = FunctionChoiceBehavior.Auto(**kwargs)
    return KernelArguments(OpenAIChatPromptExecutionSettings(function_choice_behavior=behavior))


async def test_a_prompt_invocation(kernel: Any, spanscope_traces: TraceCapture) -> None:
    result = await kernel.invoke_prompt(QUESTION, function_name="ask")

    assert str(result) == ANSWER
    root = tree(spanscope_traces, values=True, events=False)
    assert root == {
        "name": "ask",
        "span_type": "CHAIN",
        "status": "OK",
        "inputs": {"prompt": QUESTION},
        "outputs": ANSWER,
        "attributes": {},
        "children": [
            chat(
                CHAT,
                [text("user", QUESTION)],
                [{**text("assistant", ANSWER), "finish_reason": "stop"}],
                (6, 8),
                inputs={"messages": [{"role": "user", "content": QUESTION}]},
                outputs=[ANSWER],
            )
        ],
    }


async def test_a_plugin_function_called_by_auto_function_calling(
    kernel: Any, spanscope_traces: TraceCapture
) -> None:
    result = await kernel.invoke_prompt(QUESTION, function_name="ask", arguments=_auto())

    assert str(result) == "The tool returned: Sunny in example"
    root = tree(spanscope_traces, values=True, events=False)
    (model,) = root["children"]
    (tool,) = model.pop("children")
    call = {"type": "tool_call", "id": "call_fake_0", "name": "weather-get_weather"}
    assert (
        model["attributes"]
        == chat(
            CHAT,
            [
                text("user", QUESTION),
                {"role": "assistant", "parts": [{**call, "arguments": {"city": "example"}}]},
                {
                    "role": "tool",
                    "parts": [
                        {
                            "type": "tool_call_response",
                            "id": "call_fake_0",
                            "response": "Sunny in example",
                        }
                    ],
                },
            ],
            [{**text("assistant", "The tool returned: Sunny in example"), "finish_reason": "stop"}],
            (9, 6),
        )["attributes"]
    )
    assert tool == {
        "name": "weather-get_weather",
        "span_type": "TOOL",
        "status": "OK",
        "inputs": {"city": "example"},
        "outputs": "Sunny in example",
        "attributes": {K.GEN_AI_TOOL_NAME: "weather-get_weather"},
        "children": [],
    }


async def test_a_direct_function_invocation_is_a_chain(
    kernel: Any, spanscope_traces: TraceCapture
) -> None:
    result = await kernel.invoke(plugin_name="weather", function_name="get_weather", city="Rome")

    assert result.value == "Sunny in Rome"
    root = tree(spanscope_traces, values=True, events=False)
    assert (root["name"], root["span_type"], root["inputs"], root["outputs"]) == (
        "weather-get_weather",
        "CHAIN",
        {"city": "Rome"},
        "Sunny in Rome",
    )


async def test_a_failing_tool_is_recorded_and_shown_to_the_model(
    kernel: Any, spanscope_traces: TraceCapture
) -> None:
    kernel.add_plugin(Broken(), "weather2")
    only = {"included_functions": ["weather2-broken"]}
    result = await kernel.invoke_prompt(
        QUESTION, function_name="ask", arguments=_auto(filters=only)
    )

    assert "no weather for example" in str(result)
    root = tree(spanscope_traces, events=True)
    ((tool,),) = [m["children"] for m in root["children"]]
    assert (tool["name"], tool["span_type"], tool["status"], tool["events"]) == (
        "weather2-broken",
        "TOOL",
        "ERROR",
        ["exception"],
    )
    assert root["status"] == "OK"


async def test_a_model_error_is_recorded_and_reaches_the_caller(
    kernel: Any, fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    from semantic_kernel.exceptions import KernelInvokeException, ServiceResponseException

    fake_llm.fail_next(500)
    with pytest.raises(KernelInvokeException) as caught:
        await kernel.invoke_prompt(QUESTION, function_name="ask")

    cause = caught.value.__cause__
    root = tree(spanscope_traces, events=True)
    (model,) = root["children"]
    assert (root["status"], root["events"]) == ("ERROR", ["exception"])
    assert root["error"] == f"{type(cause).__name__}: {cause}"
    assert (model["status"], model["events"]) == ("ERROR", ["exception"])
    assert model["error"].startswith(f"{ServiceResponseException.__name__}: ")
    assert K.GEN_AI_OUTPUT_MESSAGES not in model["attributes"]


async def test_a_prompt_stream_read_whole(kernel: Any, spanscope_traces: TraceCapture) -> None:
    chunks = [chunk async for chunk in kernel.invoke_prompt_stream(QUESTION, function_name="ask")]

    assert "".join(str(chunk[0]) for chunk in chunks) == ANSWER
    root = tree(spanscope_traces, values=True, events=False)
    (model,) = root["children"]
    assert (root["name"], root["span_type"], root["outputs"]) == ("ask", "CHAIN", ANSWER)
    assert model == chat(
        STREAM,
        [text("user", QUESTION)],
        [{**text("assistant", ANSWER), "finish_reason": "stop"}],
        (6, 8),
        inputs=model["inputs"],
        outputs=[ANSWER],
    )


def test_a_prompt_stream_dropped_half_way_ends_its_spans(
    fake_llm: FakeLLMServer, traced: None, spanscope_traces: TraceCapture
) -> None:
    from semantic_kernel.connectors.ai.open_ai import OpenAIChatCompletion

    async def drop() -> str:
        kernel = make_kernel(fake_llm)
        stream = kernel.invoke_prompt_stream(QUESTION, function_name="ask")
        seen = ""
        while not seen:  # the first chunk has the role only
            seen += str((await stream.__anext__())[0])
        await stream.aclose()
        await kernel.get_service(type=OpenAIChatCompletion).client.close()
        return seen

    # Semantic Kernel reads the service's stream with `async for`, which does not close it:
    # its span ends when the event loop closes the abandoned generator (at the latest when
    # the loop shuts down).
    assert asyncio.run(drop()) == "You"
    gc.collect()
    root = tree(spanscope_traces, values=True, events=False)
    (model,) = root["children"]
    assert (root["status"], root["outputs"]) == ("OK", "You")
    assert (model["status"], model["outputs"]) == ("OK", ["You"])


async def test_calls_nest_under_the_callers_span(
    kernel: Any, spanscope_traces: TraceCapture
) -> None:
    @spanscope.trace(span_type="AGENT")
    async def bot() -> str:
        return str(await kernel.invoke_prompt(QUESTION, function_name="ask"))

    assert await bot() == ANSWER
    root = tree(spanscope_traces)
    assert [(c["name"], [g["name"] for g in c["children"]]) for c in root["children"]] == [
        ("ask", [CHAT])
    ]


def test_disable_restores_the_original_objects() -> None:
    from semantic_kernel.connectors.ai.chat_completion_client_base import (
        ChatCompletionClientBase,
    )
    from semantic_kernel.functions.kernel_function import KernelFunction

    points = [
        (KernelFunction, "invoke"),
        (KernelFunction, "invoke_stream"),
        (ChatCompletionClientBase, "get_chat_message_contents"),
        (ChatCompletionClientBase, "get_streaming_chat_message_contents"),
    ]
    originals = {point: vars(point[0])[point[1]] for point in points}
    spanscope.semantic_kernel.autolog()
    spanscope.semantic_kernel.autolog()
    assert all(vars(owner)[name] is not originals[owner, name] for owner, name in points)
    spanscope.semantic_kernel.autolog(disable=True)
    assert all(vars(owner)[name] is originals[owner, name] for owner, name in points)


async def test_autolog_twice_gives_one_span_each(
    kernel: Any, spanscope_traces: TraceCapture
) -> None:
    spanscope.semantic_kernel.autolog()
    await kernel.invoke_prompt(QUESTION, function_name="ask")
    root = tree(spanscope_traces)
    assert (root["name"], [c["name"] for c in root["children"]]) == ("ask", [CHAT])


async def test_disabled_it_traces_nothing(kernel: Any, spanscope_traces: TraceCapture) -> None:
    spanscope.semantic_kernel.autolog(disable=True)
    assert str(await kernel.invoke_prompt(QUESTION, function_name="ask")) == ANSWER
    assert spanscope_traces.traces == []
