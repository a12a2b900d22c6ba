"""A support desk on the real OpenAI Agents SDK: in one workflow, a triage agent checks the
question with an input guardrail and hands off to a billing agent (the run streamed), then a
follow-up run of the billing agent calls a function tool. Traced through the SDK's own tracing
by `spanscope.openai_agents.autolog()`.

The SDK talks HTTP to spanscope's fake OpenAI Responses API on 127.0.0.1, so no key and no
network are needed. Run: `python examples/openai_agents_triage.py` (part of `make demo`).
"""

from __future__ import annotations

import asyncio
from typing import Any

from agents import (
    Agent,
    GuardrailFunctionOutput,
    OpenAIResponsesModel,
    Runner,
    function_tool,
    input_guardrail,
    set_trace_processors,
    trace,
)
from openai import AsyncOpenAI

import spanscope
import spanscope.openai_agents
from spanscope.testing.fake_llm import FakeLLMServer

MODEL = "gpt-4o-mini"
QUESTION = "Was my last invoice paid?"
FOLLOW_UP = "Which invoice was it?"
ANSWERS = {
    QUESTION: "Yes, your last invoice was paid.",
    FOLLOW_UP: "It was INV-1001 (42.00 EUR), paid on 30 November.",
}


@function_tool
def latest_invoice() -> str:
    """The customer's latest invoice and its status."""
    return "INV-1001: 42.00 EUR, paid on 2026-11-30"


@input_guardrail(run_in_parallel=False)
async def on_topic(context: Any, agent: Any, question: Any) -> GuardrailFunctionOutput:
    """Only support questions reach the agents."""
    return GuardrailFunctionOutput(output_info=None, tripwire_triggered="poem" in str(question))


def desk(client: AsyncOpenAI) -> tuple[Agent[Any], Agent[Any]]:
    model = OpenAIResponsesModel(MODEL, client)
    billing = Agent(
        name="Billing",
        instructions="You answer billing questions; look invoices up.",
        tools=[latest_invoice],
        model=model,
    )
    triage = Agent(
        name="Triage",
        instructions="You route the customer to the right desk.",
        handoffs=[billing],
        input_guardrails=[on_topic],
        model=model,
    )
    return triage, billing


async def support(server: FakeLLMServer) -> list[str]:
    async with AsyncOpenAI(base_url=server.openai_base_url, api_key="sk-fake") as client:
        triage, billing = desk(client)
        # One workflow (one trace) for the whole ticket: both runs go into it.
        with trace("Customer support", group_id="ticket-4711"):
            first = Runner.run_streamed(triage, QUESTION)
            async for event in first.stream_events():
                if event.type == "agent_updated_stream_event":
                    print(f"-> {event.new_agent.name}")
            second = await Runner.run(billing, FOLLOW_UP)
        return [str(first.final_output), str(second.final_output)]


def main() -> None:
    # An application keeps the SDK's own exporter (to the OpenAI platform) beside spanscope's
    # processor; this offline example drops it, as it would send the trace over the internet.
    set_trace_processors([])
    spanscope.openai_agents.autolog()
    with FakeLLMServer(reply=lambda prompt: ANSWERS.get(prompt, "Sorry?")) as server:
        answer, follow_up = asyncio.run(support(server))
    print(f"answer: {answer}\nfollow-up: {follow_up}\n")
    print(spanscope.get_trace(spanscope.get_last_active_trace_id()).to_text())


if __name__ == "__main__":
    main()
