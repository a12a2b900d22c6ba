"""Strands' own hook system, driven for spanscope: a `HookProvider` every Agent gets.

Strands dispatches typed hook events around an invocation, each model call and each tool
call, in the task (or, for `agent(...)`, the thread with a copy of the caller's context) that
runs that step. The provider opens a span on each `Before*` event and makes it current, so
what runs inside (the model's SDK, a tool's own code, an agent used as a tool) nests under it;
the matching `After*` event ends it. The `Before*` callbacks run first and the `After*` ones
last among the agent's hooks, so the application's hooks run inside the spans.

Strands has no process-wide hook registry: autolog wraps `Agent.__init__` so that each new
agent registers the one provider (idle while autolog is off).
"""

from __future__ import annotations

import sys
import threading
from dataclasses import dataclass, field
from typing import Any

from strands.agent import Agent
from strands.hooks import (
    AfterInvocationEvent,
    AfterModelCallEvent,
    AfterToolCallEvent,
    BeforeInvocationEvent,
    BeforeModelCallEvent,
    BeforeToolCallEvent,
    HookOrder,
    HookRegistry,
)

from spanscope.constants import SpanAttributeKey as K
from spanscope.entities.span_status import SpanStatusCode
from spanscope.entities.span_type import SpanType
from spanscope.patching import (
    SKIP,
    CallHooks,
    Step,
    guarded,
    is_patched,
    parent_for,
    safe_patch,
)
from spanscope.strands import _messages
from spanscope.tracing.live_span import LiveSpan
from spanscope.tracing.llm import LLMCall
from spanscope.tracing.processor import encode_attributes, start_span
from spanscope.tracing.state import STATE

__all__ = ["KIND", "PROVIDER", "SpanscopeHooks", "install"]

NAME = "strands"
KIND = "strands autolog"  # internal errors are logged under this kind

# A hook's exception would fail the user's invocation: every callback reports its own.
_guarded = guarded(KIND)


@dataclass(slots=True, eq=False)
class _Invocation:
    step: Step
    model: Step | None = None
    tools: dict[str, Step] = field(default_factory=dict)


class SpanscopeHooks:
    """Records Strands invocations (AGENT), model calls (CHAT_MODEL) and tool calls (TOOL)."""

    def __init__(self) -> None:
        # One invocation runs at a time per agent (Strands refuses a concurrent one).
        self._runs: dict[int, _Invocation] = {}
        self._lock = threading.Lock()

    def register_hooks(self, registry: HookRegistry, **kwargs: Any) -> None:
        first, last = HookOrder.SDK_FIRST, HookOrder.SDK_LAST
        registry.add_callback(BeforeInvocationEvent, self.before_invocation, order=first)
        registry.add_callback(AfterInvocationEvent, self.after_invocation, order=last)
        registry.add_callback(BeforeModelCallEvent, self.before_model_call, order=first)
        registry.add_callback(AfterModelCallEvent, self.after_model_call, order=last)
        registry.add_callback(BeforeToolCallEvent, self.before_tool_call, order=first)
        registry.add_callback(AfterToolCallEvent, self.after_tool_call, order=last)

    # Invocations: AGENT, from the prompt to the final message.
    @_guarded
    def before_invocation(self, event: BeforeInvocationEvent) -> None:
        if not _active():
            return
        agent = event.agent
        name = str(getattr(agent, "name", None) or type(agent).__name__)
        attributes = {K.GEN_AI_OPERATION: "invoke_agent", "gen_ai.agent.name": name}
        span = start_span(name, encode_attributes(SpanType.AGENT, attributes), parent_for(None))
        with self._lock:
            self._runs[id(agent)] = _Invocation(Step.start(span))
        span.set_inputs(_messages.prompt_inputs(event.messages))

    @_guarded
    def after_invocation(self, event: AfterInvocationEvent) -> None:
        with self._lock:
            run = self._runs.pop(id(event.agent), None)
        if run is None:
            return
        # Strands fires this event from a `finally` block: the exception on its way to the
        # caller (or GeneratorExit, for a stream closed early) is the one being handled.
        exception = sys.exc_info()[1]
        error = exception if isinstance(exception, Exception) else None
        if run.model is not None:  # a stream dropped during the model call
            run.model.end(KIND, error, lambda: None)
        for tool in list(run.tools.values()):
            tool.end(KIND, error, lambda: None)

        def outputs() -> Any:
            result = event.result
            if result is None:
                return None
            message = _messages.plain_message(getattr(result, "message", None))
            return {"message": message, "stop_reason": getattr(result, "stop_reason", None)}

        run.step.end(KIND, error, outputs)

    # Model calls: CHAT_MODEL, with the conversation sent, the reply and its usage.
    @_guarded
    def before_model_call(self, event: BeforeModelCallEvent) -> None:
        run = self._run(event.agent)
        if run is None:
            return
        agent = event.agent
        model = getattr(agent, "model", None)
        name = type(model).__name__ if model is not None else "Model"
        span = start_span(
            name, encode_attributes(SpanType.CHAT_MODEL, None), parent_for(run.step.span)
        )
        run.model = Step.start(span)
        if not isinstance(span, LiveSpan):
            return
        model_id = _messages.model_id(model)
        span.set_attribute(K.GEN_AI_PROVIDER, _messages.provider(model))
        span.set_attribute(K.GEN_AI_OPERATION, "chat")
        if model_id:
            span.set_attribute(K.GEN_AI_REQUEST_MODEL, model_id)
        history = list(getattr(agent, "messages", None) or [])
        system = getattr(agent, "system_prompt", None)
        registry = getattr(agent, "tool_registry", None)
        specs = registry.get_all_tool_specs() if registry is not None else []
        inputs: dict[str, Any] = {"messages": [_messages.plain_message(m) for m in history]}
        if system:
            inputs["system_prompt"] = system
        if specs:
            inputs["tools"] = [spec.get("name") for spec in specs]
        span.set_inputs(inputs)
        call = LLMCall(span)
        call.set_input_messages(_messages.messages(history), system)
        call.set_tools(_messages.tool_definitions(specs))

    @_guarded
    def after_model_call(self, event: AfterModelCallEvent) -> None:
        run = self._run(event.agent)
        if run is None or run.model is None:
            return
        step, run.model = run.model, None
        response = event.stop_response

        def outputs() -> Any:
            if response is None:
                return None
            message = response.message
            if isinstance(step.span, LiveSpan):
                call = LLMCall(step.span)
                reason = _messages.finish_reason(response.stop_reason)
                call.set_output_messages(_messages.messages([message]), [reason])
                call.set_usage(_messages.usage(message))
            return _messages.plain_message(message)

        step.end(KIND, event.exception, outputs)

    # Tool calls: TOOL, named by the tool, with its input and result.
    @_guarded
    def before_tool_call(self, event: BeforeToolCallEvent) -> None:
        run = self._run(event.agent)
        if run is None:
            return
        use = event.tool_use
        name = str(use.get("name") or "tool")
        attributes = {K.GEN_AI_TOOL_NAME: name, "gen_ai.tool.call.id": use.get("toolUseId")}
        parent = parent_for(run.step.span)
        span = start_span(name, encode_attributes(SpanType.TOOL, attributes), parent)
        # Tools of one model reply may run concurrently, each in a task of its own: keyed by id.
        with self._lock:
            run.tools[str(use.get("toolUseId"))] = Step.start(span)
        span.set_inputs(use.get("input"))

    @_guarded
    def after_tool_call(self, event: AfterToolCallEvent) -> None:
        run = self._run(event.agent)
        if run is None:
            return
        with self._lock:
            step = run.tools.pop(str(event.tool_use.get("toolUseId")), None)
        if step is None:
            return
        result = event.result
        failed = isinstance(result, dict) and result.get("status") == "error"
        if event.exception is None and failed:
            # A result Strands marks as an error without an exception: a cancelled call, an
            # unknown tool.
            message = event.cancel_message or _messages.tool_output(result)
            step.span.set_status(SpanStatusCode.ERROR, str(message))
        step.end(KIND, event.exception, lambda: _messages.tool_output(result))

    def _run(self, agent: Any) -> _Invocation | None:
        with self._lock:
            return self._runs.get(id(agent))


def _active() -> bool:
    return STATE.enabled and is_patched(NAME)


PROVIDER = SpanscopeHooks()
"""The one provider every agent gets: one per process, so re-enabling autolog never gives an
agent a second one."""


class _AgentInit(CallHooks):
    """Register the provider with each agent once its own hooks are set up."""

    def before(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        return args[0] if args else SKIP

    def after(self, state: Any, result: Any) -> Any:
        hooks = getattr(state, "hooks", None)
        if isinstance(hooks, HookRegistry):
            hooks.add_hook(PROVIDER)
        return result


def install() -> None:
    safe_patch(NAME, Agent, "__init__", _AgentInit())
