"""What each kind of the Agents SDK's span data becomes: a span name, type, inputs and
attributes when it starts, outputs (and the chat of a model call) when it ends.

No SDK import: span data is read by its `type` and attributes, so span kinds the SDK adds
later are recorded too (as UNKNOWN, with their exported fields).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from spanscope.constants import SpanAttributeKey as K
from spanscope.entities.span_type import SpanType
from spanscope.openai_agents import _messages
from spanscope.tracing.live_span import LiveSpan
from spanscope.tracing.llm import LLMCall

__all__ = [
    "AGENT_HANDOFFS",
    "AGENT_NAME",
    "AGENT_OUTPUT_TYPE",
    "AGENT_TOOLS",
    "GUARDRAIL_TRIGGERED",
    "HANDOFF_FROM",
    "HANDOFF_TO",
    "MODEL_KINDS",
    "Opening",
    "close",
    "open_span",
    "run_input",
]

AGENT_NAME = "openai_agents.agent.name"
AGENT_TOOLS = "openai_agents.agent.tools"
AGENT_HANDOFFS = "openai_agents.agent.handoffs"
AGENT_OUTPUT_TYPE = "openai_agents.agent.output_type"
HANDOFF_FROM = "openai_agents.handoff.from_agent"
HANDOFF_TO = "openai_agents.handoff.to_agent"
GUARDRAIL_TRIGGERED = "openai_agents.guardrail.triggered"
MCP_SERVER = "openai_agents.mcp.server"
TURN = "openai_agents.turn"
SDK_SPAN_TYPE = "openai_agents.span_type"

MODEL_KINDS = frozenset({"response", "generation"})
# Spans standing for a stretch of the run: they show the conversation their model calls were
# given first and what the last one answered.
CONVERSATION_KINDS = frozenset({"trace", "task", "agent", "turn"})

_TYPES = {
    "agent": SpanType.AGENT,
    "task": SpanType.TASK,
    "turn": SpanType.CHAIN,
    "response": SpanType.CHAT_MODEL,
    "generation": SpanType.CHAT_MODEL,
    "function": SpanType.TOOL,
    "mcp_tools": SpanType.TOOL,
    "handoff": SpanType.CHAIN,
    "guardrail": SpanType.GUARDRAIL,
    "custom": SpanType.CHAIN,
}


@dataclass(frozen=True, slots=True)
class Opening:
    """A new span's name, type, attributes and inputs (None: none yet)."""

    name: str
    span_type: str
    attributes: dict[str, Any]
    inputs: Any = None


def open_span(data: Any) -> Opening:
    """How a span of the SDK starts, from its span data."""
    kind = str(getattr(data, "type", "") or "")
    span_type = _TYPES.get(kind, SpanType.UNKNOWN)
    attributes: dict[str, Any] = {SDK_SPAN_TYPE: kind}
    if kind == "agent":
        name = str(data.name)
        attributes[AGENT_NAME] = name
        attributes[AGENT_TOOLS] = list(data.tools or [])
        attributes[AGENT_HANDOFFS] = list(data.handoffs or [])
        if data.output_type:
            attributes[AGENT_OUTPUT_TYPE] = data.output_type
        return Opening(name, span_type, attributes)
    if kind == "task":
        return Opening("task", span_type, attributes)
    if kind == "turn":
        attributes[TURN] = data.turn
        attributes[AGENT_NAME] = data.agent_name
        return Opening(f"turn {data.turn}", span_type, attributes)
    if kind in MODEL_KINDS:
        attributes[K.GEN_AI_OPERATION] = "chat"
        model = getattr(data, "model", None)
        attributes[K.GEN_AI_PROVIDER] = _provider(model)
        if isinstance(model, str) and model:
            attributes[K.GEN_AI_REQUEST_MODEL] = model
        return Opening(kind, span_type, attributes)
    if kind == "function":
        name = str(data.name)
        attributes[K.GEN_AI_TOOL_NAME] = name
        return Opening(name, span_type, attributes, _messages.tool_input(data.input))
    if kind == "mcp_tools":
        server = getattr(data, "server", None)
        attributes[MCP_SERVER] = server
        return Opening(f"list_tools {server}" if server else "list_tools", span_type, attributes)
    if kind == "handoff":
        return Opening("handoff", span_type, attributes)
    if kind == "guardrail":
        return Opening(str(data.name), span_type, attributes)
    if kind == "custom":
        return Opening(str(data.name), span_type, attributes)
    return Opening(kind or type(data).__name__, span_type, attributes)


def close(span: LiveSpan, data: Any) -> Any:
    """Record what the span data holds at its end on `span`; the span's outputs."""
    kind = str(getattr(data, "type", "") or "")
    if kind == "response":
        return _close_response(span, data)
    if kind == "generation":
        return _close_generation(span, data)
    if kind == "function":
        if data.input is not None:
            span.set_inputs(_messages.tool_input(data.input))
        if data.mcp_data:
            span.set_attribute("openai_agents.mcp_data", data.mcp_data)
        return data.output
    if kind == "mcp_tools":
        return data.result
    if kind == "handoff":
        span.set_attributes({HANDOFF_FROM: data.from_agent, HANDOFF_TO: data.to_agent})
        if data.to_agent:
            span.set_name(f"handoff to {data.to_agent}")
        span.set_inputs({"from_agent": data.from_agent})
        return {"to_agent": data.to_agent}
    if kind == "guardrail":
        span.set_attribute(GUARDRAIL_TRIGGERED, bool(data.triggered))
        return {"triggered": bool(data.triggered)}
    if kind == "custom":
        span.set_inputs(data.data)
        return None
    if kind == "agent":
        # The SDK fills these in while the agent runs (a handoff target learns its tools).
        span.set_attributes(
            {AGENT_TOOLS: list(data.tools or []), AGENT_HANDOFFS: list(data.handoffs or [])}
        )
        return None
    if kind in ("task", "turn"):
        return None
    exported = data.export() if callable(getattr(data, "export", None)) else None
    if isinstance(exported, Mapping):
        span.set_inputs({k: v for k, v in exported.items() if k != "type"})
    return None


def _close_response(span: LiveSpan, data: Any) -> Any:
    """A Responses API call: the SDK sets the input and the `Response` once it is complete
    (not for a failed call, nor when the run config hides model data)."""
    call = LLMCall(span)
    response = data.response
    instructions = getattr(response, "instructions", None) if response is not None else None
    if data.input is not None:
        messages = _messages.response_input_messages(data.input)
        call.set_input_messages(messages, instructions if isinstance(instructions, str) else None)
    usage = _messages.usage_of(data.usage if data.usage else getattr(response, "usage", None))
    call.set_usage(usage)
    if response is None:
        return None
    model = getattr(response, "model", None)
    if isinstance(model, str) and model:
        # The span knows only the response; its model is the one asked for (or its snapshot).
        span.set_attribute(K.GEN_AI_REQUEST_MODEL, model)
        span.set_attribute(K.GEN_AI_PROVIDER, _provider(model))
    call.set_tools(_messages.response_tools(getattr(response, "tools", None)))
    output, reasons = _messages.response_output(response)
    call.set_output_messages(output, reasons)
    call.set_response(model if isinstance(model, str) else None, getattr(response, "id", None))
    span.set_inputs(
        {
            "model": model,
            "instructions": instructions,
            "input": _messages.plain(data.input),
        }
    )
    return [_messages.plain(item) for item in getattr(response, "output", None) or []]


def _close_generation(span: LiveSpan, data: Any) -> Any:
    """A Chat Completions call (or a LiteLLM / any-llm model): chat messages and usage."""
    call = LLMCall(span)
    if data.input is not None:
        call.set_input_messages(_messages.generation_messages(data.input, "user"))
    if data.output is not None:
        call.set_output_messages(_messages.generation_messages(data.output, "assistant"))
    call.set_usage(_messages.usage_of(data.usage))
    if isinstance(data.model, str) and data.model:
        span.set_attribute(K.GEN_AI_REQUEST_MODEL, data.model)
    span.set_inputs(
        {
            "model": data.model,
            "model_config": _messages.plain(data.model_config),
            "input": _messages.plain(data.input),
        }
    )
    return _messages.plain(data.output)


def _provider(model: Any) -> str:
    """ "openai", or the provider a LiteLLM-style model name starts with ("anthropic/...")."""
    if isinstance(model, str) and "/" in model:
        return model.split("/", 1)[0]
    return "openai"


def run_input(messages: Any) -> Any:
    """What a run or agent was asked, from its first model call's input messages (system
    instructions left out): the text of a single user message, else the messages."""
    if not isinstance(messages, list):
        return None
    shown = [m for m in messages if isinstance(m, dict) and m.get("role") != "system"]
    if len(shown) == 1 and shown[0].get("role") == "user":
        text = _messages.only_text(list(shown[0].get("parts") or []))
        if text is not None:
            return text
    return shown or None
