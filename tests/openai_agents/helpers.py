"""Agents, tools and tree helpers shared by the Agents SDK tests."""

from __future__ import annotations

from typing import Any

from agents import Agent, OpenAIResponsesModel, function_tool
from agents.tracing import TracingProcessor
from openai import AsyncOpenAI

import spanscope
from spanscope.constants import SpanAttributeKey as K
from spanscope.entities.span import Span
from spanscope.entities.trace import Trace
from tests.outline import outline as outline  # the shared helper, re-exported

MODEL = "gpt-4o-mini"
QUESTION = "What is the weather in Paris?"


class RecordingProcessor(TracingProcessor):
    """An application's own processor: the names of what it saw end."""

    def __init__(self) -> None:
        self.ended: list[str] = []

    def on_trace_start(self, trace: Any) -> None:
        pass

    def on_trace_end(self, trace: Any) -> None:
        self.ended.append(f"trace {trace.name}")

    def on_span_start(self, span: Any) -> None:
        pass

    def on_span_end(self, span: Any) -> None:
        self.ended.append(span.span_data.type)

    def shutdown(self) -> None:
        pass

    def force_flush(self) -> None:
        pass


@function_tool
def get_weather(city: str) -> str:
    """Current weather in a city."""
    return f"Sunny in {lookup(city)}"


@spanscope.trace
def lookup(city: str) -> str:
    """The user's own traced code, called inside the tool."""
    return city.upper()


def agent(client: AsyncOpenAI, name: str = "Assistant", **kwargs: Any) -> Agent[Any]:
    model = OpenAIResponsesModel(MODEL, client)
    return Agent(name=name, instructions="You answer briefly.", model=model, **kwargs)


def span(trace: Trace, name: str, index: int = 0) -> Span:
    """The `index`-th span (in start order) called `name`."""
    found = sorted((s for s in trace.data.spans if s.name == name), key=lambda s: s.start_time_ns)
    assert len(found) > index, f"no span {name!r} #{index} in {[s.name for s in trace.data.spans]}"
    return found[index]


def usage(span_or_trace: Span | Trace) -> dict[str, Any]:
    if isinstance(span_or_trace, Trace):
        totals = span_or_trace.info.token_usage or {}
        return {k: totals.get(k) for k in ("input_tokens", "output_tokens")}
    return {
        "input_tokens": span_or_trace.get_attribute(K.GEN_AI_INPUT_TOKENS),
        "output_tokens": span_or_trace.get_attribute(K.GEN_AI_OUTPUT_TOKENS),
    }


def one_turn(agent_name: str = "Assistant", workflow: str = "Agent workflow") -> list[str]:
    return [
        f"{workflow} [AGENT]",
        "  task [TASK]",
        f"    {agent_name} [AGENT]",
        "      turn 1 [CHAIN]",
        "        response [CHAT_MODEL]",
    ]
