"""A workflow agent (FunctionAgent) calling a tool, with LlamaIndex's mock function-calling LLM."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from llama_index.core.agent.workflow import FunctionAgent
from llama_index.core.base.llms.types import ToolCallBlock
from llama_index.core.llms import ChatMessage, MessageRole
from llama_index.core.llms.mock import MockFunctionCallingLLM
from llama_index.core.tools import FunctionTool
from llama_index.core.workflow import StartEvent, StopEvent, Workflow, step

import spanscope
from spanscope.constants import SpanAttributeKey as K
from spanscope.otel.conventions import GenAIKey
from spanscope.testing import TraceCapture
from tests.llama_index.helpers import outline, span

# The workflows package finds an agent's steps with `inspect.getmembers(agent)`, which reads
# every attribute of the (pydantic) agent, deprecated ones included: pydantic warns about
# LlamaIndex's code, not ours. Only those messages are ignored, and only here.
pytestmark = [
    pytest.mark.filterwarnings(f"ignore:{message}:pydantic.warnings.{category}")
    for message, category in (
        ("The `__fields__` attribute is deprecated", "PydanticDeprecatedSince20"),
        ("The `__fields_set__` attribute is deprecated", "PydanticDeprecatedSince20"),
        ("Accessing the 'model_computed_fields' attribute", "PydanticDeprecatedSince211"),
        ("Accessing the 'model_fields' attribute", "PydanticDeprecatedSince211"),
    )
]


@spanscope.trace(span_type="RETRIEVER")
def rate_table(currency: str) -> float:
    return {"EUR": 1.1}[currency]  # KeyError for anything else


def convert(amount: float, currency: str) -> float:
    """Convert an amount of a currency to US dollars."""
    return amount * rate_table(currency)


def agent_llm(currency: str) -> MockFunctionCallingLLM:
    """Asks for the tool once, then answers with what the tool said."""

    def reply(messages: Sequence[ChatMessage], **kwargs: Any) -> ChatMessage:
        results = [m for m in messages if m.role == MessageRole.TOOL]
        if results:
            return ChatMessage(role="assistant", content=f"Result: {results[-1].content}")
        arguments = {"amount": 10, "currency": currency}
        call = ToolCallBlock(tool_call_id="call-1", tool_name="convert", tool_kwargs=arguments)
        return ChatMessage(role="assistant", blocks=[call])

    return MockFunctionCallingLLM(response_generator=reply)


AGENT_TREE = [
    "FunctionAgent.run [AGENT]",
    "  BaseWorkflowAgent.init_run [CHAIN]",
    "  BaseWorkflowAgent.setup_agent [CHAIN]",
    "  BaseWorkflowAgent.run_agent_step [CHAIN]",
    "    MockFunctionCallingLLM._prepare_chat_with_tools [CHAIN]",
    "    MockFunctionCallingLLM.astream_chat [CHAT_MODEL]",
    "  BaseWorkflowAgent.parse_agent_output [CHAIN]",
    "  BaseWorkflowAgent.call_tool [CHAIN]",
    "    FunctionTool.acall [TOOL]",
    "      rate_table [RETRIEVER]",  # a @spanscope.trace function called by the tool nests
    "  BaseWorkflowAgent.aggregate_tool_results [CHAIN]",
    "  BaseWorkflowAgent.setup_agent [CHAIN]",
    "  BaseWorkflowAgent.run_agent_step [CHAIN]",
    "    MockFunctionCallingLLM._prepare_chat_with_tools [CHAIN]",
    "    MockFunctionCallingLLM.astream_chat [CHAT_MODEL]",
    "  BaseWorkflowAgent.parse_agent_output [CHAIN]",
]


async def test_agent_with_a_tool(spanscope_traces: TraceCapture) -> None:
    agent = FunctionAgent(tools=[FunctionTool.from_defaults(convert)], llm=agent_llm("EUR"))
    output = await agent.run("What is 10 EUR in USD?")

    assert str(output) == "Result: 11.0"
    trace = spanscope_traces.single()
    assert outline(trace) == AGENT_TREE
    assert span(trace, "FunctionAgent.run").inputs["start_event"]["user_msg"] == (
        "What is 10 EUR in USD?"
    )
    tool = span(trace, "FunctionTool.acall")
    assert tool.inputs == {"amount": 10, "currency": "EUR"}
    assert tool.outputs == "11.0"
    assert tool.get_attribute(GenAIKey.TOOL_NAME) == "convert"
    first_llm = span(trace, "MockFunctionCallingLLM.astream_chat")
    assert first_llm.get_attribute(K.GEN_AI_TOOL_DEFINITIONS)[0]["name"] == "convert"
    [message] = first_llm.get_attribute(K.GEN_AI_OUTPUT_MESSAGES)
    assert message["parts"] == [
        {
            "type": "tool_call",
            "id": "call-1",
            "name": "convert",
            "arguments": {"amount": 10, "currency": "EUR"},
        }
    ]
    answer = span(trace, "MockFunctionCallingLLM.astream_chat", 1)
    roles = [m["role"] for m in answer.get_attribute(K.GEN_AI_INPUT_MESSAGES)]
    assert roles == ["user", "assistant", "tool"]
    tool_result = answer.get_attribute(K.GEN_AI_INPUT_MESSAGES)[-1]["parts"][0]
    assert tool_result == {"type": "tool_call_response", "id": "call-1", "response": "11.0"}


async def test_an_error_in_a_tool_is_recorded_and_the_agent_goes_on(
    spanscope_traces: TraceCapture,
) -> None:
    agent = FunctionAgent(tools=[FunctionTool.from_defaults(convert)], llm=agent_llm("XYZ"))
    output = await agent.run("What is 10 XYZ in USD?")

    assert str(output) == "Result: 'XYZ'"  # the agent shows the tool's error to the LLM
    trace = spanscope_traces.single()
    error = "KeyError: 'XYZ'"
    assert outline(trace) == [
        *AGENT_TREE[:8],
        f"    FunctionTool.acall [TOOL] ERROR: {error}",
        f"      rate_table [RETRIEVER] ERROR: {error}",
        *AGENT_TREE[10:],
    ]
    assert span(trace, "FunctionAgent.run").status.status_code.value == "OK"


async def test_an_agent_run_inside_a_user_span_joins_its_trace(
    spanscope_traces: TraceCapture,
) -> None:
    agent = FunctionAgent(tools=[FunctionTool.from_defaults(convert)], llm=agent_llm("EUR"))
    async with spanscope.start_span("request", span_type="CHAIN"):
        await agent.run("What is 10 EUR in USD?")

    assert outline(spanscope_traces.single()) == [
        "request [CHAIN]",
        *("  " + line for line in AGENT_TREE),
    ]


@pytest.mark.parametrize("method", ["call", "acall"])
async def test_a_tool_called_directly(method: str, spanscope_traces: TraceCapture) -> None:
    tool = FunctionTool.from_defaults(convert)
    result = getattr(tool, method)(amount=2, currency="EUR")
    if method == "acall":
        result = await result

    assert result.raw_output == pytest.approx(2.2)
    assert outline(spanscope_traces.single()) == [
        f"FunctionTool.{method} [TOOL]",
        "  rate_table [RETRIEVER]",
    ]


class Greeter(Workflow):
    @step
    async def greet(self, ev: StartEvent) -> StopEvent:
        return StopEvent(result=f"Hello, {ev.name}!")


async def test_a_workflow(spanscope_traces: TraceCapture) -> None:
    result = await Greeter().run(name="Ada")

    assert result == "Hello, Ada!"
    trace = spanscope_traces.single()
    assert outline(trace) == ["Greeter.run [WORKFLOW]", "  Greeter.greet [CHAIN]"]
    assert span(trace, "Greeter.run").outputs == {"result": "Hello, Ada!"}
