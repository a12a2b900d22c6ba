"""A function tool (with the user's traced code inside it), a handoff between two agents, input
guardrails passing and tripping, custom and MCP list-tools spans, and a Chat Completions
model's generation spans."""

from __future__ import annotations

from typing import Any

import pytest
from agents import (
    Agent,
    GuardrailFunctionOutput,
    InputGuardrailTripwireTriggered,
    OpenAIChatCompletionsModel,
    Runner,
    custom_span,
    input_guardrail,
    trace,
)
from agents.tracing import mcp_tools_span

from spanscope.constants import SpanAttributeKey as K
from spanscope.testing import TraceCapture, span_tree
from tests.openai_agents.helpers import MODEL, QUESTION, agent, get_weather, outline, span, usage


async def test_function_tool_with_user_code_inside(
    client: Any, spanscope_traces: TraceCapture
) -> None:
    result = await Runner.run(agent(client, tools=[get_weather]), QUESTION)
    (trace,) = spanscope_traces.traces
    assert outline(trace) == [
        "Agent workflow [AGENT]",
        "  task [TASK]",
        "    Assistant [AGENT]",
        "      turn 1 [CHAIN]",
        "        response [CHAT_MODEL]",
        "        get_weather [TOOL]",
        "          lookup [UNKNOWN]",  # the user's @spanscope.trace function, inside the tool
        "      turn 2 [CHAIN]",
        "        response [CHAT_MODEL]",
    ]
    tool = span(trace, "get_weather")
    assert (tool.inputs, tool.outputs) == ({"city": "example"}, "Sunny in EXAMPLE")
    assert tool.get_attribute(K.GEN_AI_TOOL_NAME) == "get_weather"
    first, second = span(trace, "response", 0), span(trace, "response", 1)
    (call,) = first.get_attribute(K.GEN_AI_OUTPUT_MESSAGES)
    assert call["parts"] == [
        {
            "type": "tool_call",
            "id": "call_fake_0",
            "name": "get_weather",
            "arguments": {"city": "example"},
        }
    ]
    assert first.get_attribute(K.GEN_AI_FINISH_REASONS) == ["tool_calls"]
    (definition,) = first.get_attribute(K.GEN_AI_TOOL_DEFINITIONS)
    assert (definition["type"], definition["name"]) == ("function", "get_weather")
    assert definition["parameters"]["required"] == ["city"]
    conversation = second.get_attribute(K.GEN_AI_INPUT_MESSAGES)
    assert [m["role"] for m in conversation] == ["system", "user", "assistant", "tool"]
    assert conversation[3]["parts"] == [
        {"type": "tool_call_response", "id": "call_fake_0", "response": "Sunny in EXAMPLE"}
    ]
    # The agent was asked the question and answered with its last reply; usage summed once.
    assistant = span(trace, "Assistant")
    assert (assistant.inputs, assistant.outputs) == (QUESTION, result.final_output)
    assert assistant.get_attribute("openai_agents.agent.tools") == ["get_weather"]
    totals = usage(trace)
    assert totals == {
        k: usage(first)[k] + usage(second)[k] for k in ("input_tokens", "output_tokens")
    }


async def test_handoff_between_two_agents(client: Any, spanscope_traces: TraceCapture) -> None:
    billing = agent(client, "Billing")
    triage = agent(client, "Triage", handoffs=[billing])
    result = await Runner.run(triage, "I have a billing question")
    (trace,) = spanscope_traces.traces
    assert outline(trace) == [
        "Agent workflow [AGENT]",
        "  task [TASK]",
        "    Triage [AGENT]",
        "      turn 1 [CHAIN]",
        "        response [CHAT_MODEL]",
        "        handoff to Billing [CHAIN]",
        "    Billing [AGENT]",
        "      turn 2 [CHAIN]",
        "        response [CHAT_MODEL]",
    ]
    handoff = span(trace, "handoff to Billing")
    assert (handoff.inputs, handoff.outputs) == ({"from_agent": "Triage"}, {"to_agent": "Billing"})
    assert handoff.get_attribute("openai_agents.handoff.from_agent") == "Triage"
    assert handoff.get_attribute("openai_agents.handoff.to_agent") == "Billing"
    triage_span = span(trace, "Triage")
    assert triage_span.get_attribute("openai_agents.agent.handoffs") == ["Billing"]
    (transfer,) = span(trace, "response", 0).get_attribute(K.GEN_AI_OUTPUT_MESSAGES)
    assert transfer["parts"][0]["name"] == "transfer_to_billing"
    root = span(trace, "Agent workflow")
    assert root.outputs == span(trace, "Billing").outputs == result.final_output


@input_guardrail(run_in_parallel=False)
async def no_secrets(context: Any, agent: Any, user_input: Any) -> GuardrailFunctionOutput:
    return GuardrailFunctionOutput(
        output_info={"checked": True}, tripwire_triggered="secret" in str(user_input)
    )


async def test_input_guardrail_passing(client: Any, spanscope_traces: TraceCapture) -> None:
    await Runner.run(agent(client, input_guardrails=[no_secrets]), QUESTION)
    (trace,) = spanscope_traces.traces
    assert outline(trace)[:4] == [
        "Agent workflow [AGENT]",
        "  task [TASK]",
        "    Assistant [AGENT]",
        "      turn 1 [CHAIN]",
    ]
    guard = span(trace, "no_secrets")
    assert guard.span_type == "GUARDRAIL"
    assert guard.outputs == {"triggered": False}
    assert guard.get_attribute("openai_agents.guardrail.triggered") is False


async def test_input_guardrail_tripped(client: Any, spanscope_traces: TraceCapture) -> None:
    with pytest.raises(InputGuardrailTripwireTriggered) as raised:
        await Runner.run(agent(client, input_guardrails=[no_secrets]), "tell me a secret")
    (trace,) = spanscope_traces.traces
    (root,) = span_tree(trace, values=False)
    assert root["status"] == "ERROR" and root["events"] == ["exception"]
    guard = span(trace, "no_secrets")
    assert guard.outputs == {"triggered": True}
    assert guard.get_attribute("openai_agents.guardrail.triggered") is True
    # No model call: the run stopped at the guardrail, with the SDK's own exception.
    assert not [s for s in trace.data.spans if s.span_type == "CHAT_MODEL"]
    assert type(raised.value).__name__ in (root.get("error") or "")


async def test_custom_and_mcp_spans_in_a_user_trace(
    client: Any, spanscope_traces: TraceCapture
) -> None:
    with trace("Support flow", group_id="thread-1", metadata={"user": "u1"}):
        with custom_span("load profile", {"user": "u1"}):
            pass
        with mcp_tools_span(server="files") as listing:
            listing.span_data.result = ["read_file", "write_file"]
        await Runner.run(agent(client), QUESTION)
        await Runner.run(agent(client), "And in Rome?")
    (recorded,) = spanscope_traces.traces  # one workflow: both runs
    assert outline(recorded) == [
        "Support flow [AGENT]",
        "  load profile [CHAIN]",
        "  list_tools files [TOOL]",
        "  task [TASK]",
        "    Assistant [AGENT]",
        "      turn 1 [CHAIN]",
        "        response [CHAT_MODEL]",
        "  task [TASK]",
        "    Assistant [AGENT]",
        "      turn 1 [CHAIN]",
        "        response [CHAT_MODEL]",
    ]
    root = span(recorded, "Support flow")
    assert root.inputs == {
        "workflow_name": "Support flow",
        "metadata": {"user": "u1"},
        "input": QUESTION,
    }
    assert root.get_attribute("openai_agents.group_id") == "thread-1"
    assert span(recorded, "load profile").inputs == {"user": "u1"}
    assert span(recorded, "list_tools files").outputs == ["read_file", "write_file"]


async def test_chat_completions_model_generation_span(
    client: Any, spanscope_traces: TraceCapture
) -> None:
    model = OpenAIChatCompletionsModel(MODEL, client)
    assistant = Agent(name="Assistant", instructions="You answer briefly.", model=model)
    result = await Runner.run(assistant, QUESTION)
    (trace,) = spanscope_traces.traces
    assert outline(trace)[-1] == "        generation [CHAT_MODEL]"
    generation = span(trace, "generation")
    assert generation.get_attribute(K.GEN_AI_INPUT_MESSAGES) == [
        {"role": "system", "parts": [{"type": "text", "content": "You answer briefly."}]},
        {"role": "user", "parts": [{"type": "text", "content": QUESTION}]},
    ]
    (reply,) = generation.get_attribute(K.GEN_AI_OUTPUT_MESSAGES)
    assert reply["role"] == "assistant"
    assert reply["parts"][0] == {"type": "text", "content": result.final_output}
    assert generation.get_attribute(K.GEN_AI_REQUEST_MODEL) == MODEL
    tokens = usage(generation)
    assert all(isinstance(v, int) and v > 0 for v in tokens.values())
    assert usage(trace) == tokens
    assert span(trace, "Agent workflow").inputs["input"] == QUESTION
