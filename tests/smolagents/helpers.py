"""Agents on the fake OpenAI server, and what their spans look like."""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console
from smolagents import CodeAgent, OpenAIModel, ToolCallingAgent, tool
from smolagents.agents import PromptTemplates
from smolagents.monitoring import AgentLogger, LogLevel

import spanscope
from spanscope.constants import SpanAttributeKey as K
from spanscope.entities.trace import Trace
from spanscope.testing import span_tree
from spanscope.testing.fake_llm import FakeLLMServer

MODEL = "gpt-4o-mini"
QUESTION = "What is the weather in Paris?"
SYSTEM = "Solve the task with your tools."
TASK = f"New task:\n{QUESTION}"
# Short prompts of our own: smolagents' default ones are pages long.
PROMPTS = PromptTemplates(
    system_prompt=SYSTEM,
    planning={
        "initial_plan": "Make a plan for: {{task}}",
        "update_plan_pre_messages": "Update your plan.",
        "update_plan_post_messages": "Plan again for: {{task}}",
    },
    managed_agent={
        "task": "{{name}}, please: {{task}}",
        "report": "{{name}} says: {{final_answer}}",
    },
    final_answer={"pre_messages": "Answer from your memory.", "post_messages": "Answer: {{task}}"},
)
CHAT_KEYS = [
    K.GEN_AI_PROVIDER,
    K.GEN_AI_OPERATION,
    K.GEN_AI_REQUEST_MODEL,
    K.GEN_AI_RESPONSE_MODEL,
    K.GEN_AI_SYSTEM_INSTRUCTIONS,
    K.GEN_AI_INPUT_MESSAGES,
    K.GEN_AI_OUTPUT_MESSAGES,
    K.GEN_AI_FINISH_REASONS,
    K.GEN_AI_TOOL_DEFINITIONS,
    K.GEN_AI_INPUT_TOKENS,
    K.GEN_AI_OUTPUT_TOKENS,
    K.GEN_AI_TOOL_NAME,
    "gen_ai.agent.name",
    "smolagents.step.number",
]


@tool  # type: ignore[untyped-decorator]  # smolagents ships no type hints
def get_weather(city: str) -> str:
    """Current weather in a city.

    Args:
        city: The city.
    """
    with spanscope.start_span("lookup"):  # the tool's own code nests under its span
        return f"Sunny in {city}"


class WeatherServiceDown(Exception):
    pass


@tool  # type: ignore[untyped-decorator]
def broken_weather(city: str) -> str:
    """Current weather in a city.

    Args:
        city: The city.
    """
    raise WeatherServiceDown(f"no weather for {city}")


# The models a test made: their clients are closed after it (conftest), or the connections of
# a stream dropped early would be collected, and warn, in some later test.
MODELS: list[OpenAIModel] = []


def make_model(
    server: FakeLLMServer, cls: type[OpenAIModel] = OpenAIModel, **kwargs: Any
) -> OpenAIModel:
    model = cls(
        model_id=MODEL,
        api_base=server.openai_base_url,
        api_key="fake",
        client_kwargs={"max_retries": 0},
        **kwargs,
    )
    MODELS.append(model)
    return model


def quiet() -> AgentLogger:
    """smolagents prints runs (and a streamed reply, whatever the level) to a console."""
    return AgentLogger(LogLevel.OFF, console=Console(file=io.StringIO()))


def make_agent(
    server: FakeLLMServer, tools: list[Any] | None = None, **kwargs: Any
) -> ToolCallingAgent:
    kwargs.setdefault("max_steps", 2)
    kwargs.setdefault("model", make_model(server))
    return ToolCallingAgent(tools=tools or [], prompt_templates=PROMPTS, logger=quiet(), **kwargs)


def make_code_agent(server: FakeLLMServer, tools: list[Any], **kwargs: Any) -> CodeAgent:
    return CodeAgent(tools=tools, model=make_model(server), max_steps=2, logger=quiet(), **kwargs)


def tree(trace: Trace, keys: list[str] | None = None, **kwargs: Any) -> list[dict[str, Any]]:
    """The span tree with the attributes of `keys` each span has (absent ones left out)."""

    def prune(node: dict[str, Any]) -> dict[str, Any]:
        node["attributes"] = {k: v for k, v in node["attributes"].items() if v is not None}
        node["children"] = [prune(child) for child in node["children"]]
        return node

    nodes = span_tree(trace, attributes=keys or CHAT_KEYS, **kwargs)
    return [prune(node) for node in nodes]


def outline(trace: Trace) -> list[tuple[int, str, str, str]]:
    """(depth, name, span type, status) of each span, depth first."""
    rows: list[tuple[int, str, str, str]] = []

    def walk(node: dict[str, Any], depth: int) -> None:
        rows.append((depth, node["name"], node["span_type"], node["status"]))
        for child in node["children"]:
            walk(child, depth + 1)

    for root in span_tree(trace, values=False, events=False):
        walk(root, 0)
    return rows


def text(role: str, content: str, **extra: Any) -> dict[str, Any]:
    return {"role": role, "parts": [{"type": "text", "content": content}], **extra}


def tool_call(name: str, arguments: dict[str, Any], call_id: str = "call_fake_0") -> dict[str, Any]:
    part = {"type": "tool_call", "id": call_id, "name": name, "arguments": arguments}
    return {"role": "assistant", "parts": [part], "finish_reason": "tool_calls"}
