"""What spanscope records of ADK's plugin callbacks: the spans of runs, agents, model calls
and tools, and which one each goes under. No ADK import: `_plugin.py` feeds it.

ADK calls the plugins of a Runner in the task that runs each step: the run in the caller's
(or `Runner.run`'s thread), each agent in a task of its own or its parent's, each tool call in
a task of its own. A span opened by a `before_*` callback is made current there, so what runs
inside (the model's SDK, a tool's own code, an agent used as a tool) nests under it; the
matching `after_*` (or `on_*_error`) callback ends it. Parents follow ADK's own hierarchy: an
agent goes under the nearest of its ancestor agents still running in the invocation (so an
agent transferred to nests under the one that transferred), else under the run; model and
tool calls under their agent.

ADK has no callback for the end of a model call (it calls `after_model` once per response, a
stream's partial ones included), so a model span ends at its agent's next step, at the end of
the agent or of the run, with the time of its last response as its end.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from spanscope.constants import SpanAttributeKey as K
from spanscope.entities.span_type import SpanType
from spanscope.google_adk import _messages
from spanscope.patching import Step, guarded, parent_for
from spanscope.tracing.gemini_contents import plain
from spanscope.tracing.live_span import LiveSpan
from spanscope.tracing.llm import LLMCall
from spanscope.tracing.processor import encode_attributes, start_span

__all__ = ["KIND", "Recorder"]

KIND = "google_adk autolog"  # internal errors are logged under this kind

# A callback's exception would fail the user's run (ADK raises it as a RuntimeError).
_guarded = guarded(KIND)


def _open(name: str, span_type: str, attributes: dict[str, Any], parent: Any) -> Step:
    attributes = {key: value for key, value in attributes.items() if value is not None}
    span = start_span(name, encode_attributes(span_type, attributes), parent_for(parent))
    return Step.start(span)


@dataclass(slots=True, eq=False)
class _ModelCall:
    step: Step
    request: Any
    responses: list[Any] = field(default_factory=list)
    whole: list[Any] = field(default_factory=list)  # the responses that are not partial
    last_ns: int | None = None

    def end(self, error: BaseException | None = None) -> None:
        def outputs() -> Any:
            reply = _messages.assemble(self.whole or self.responses)
            span = self.step.span
            if not isinstance(span, LiveSpan):
                return reply
            span.set_inputs(_messages.request_inputs(self.request))
            call = LLMCall(span)
            messages, system, tools = _messages.request_messages(self.request)
            call.set_input_messages(messages, system)
            call.set_tools(tools)
            if reply is not None:
                call.set_output_messages(*_messages.output_messages(reply))
                call.set_usage(_messages.reply_usage(reply))
                call.set_response(reply.get("model_version"))
            return reply

        self.step.end(KIND, error, outputs, self.last_ns)


@dataclass(slots=True, eq=False)
class _Agent:
    step: Step
    name: str
    parent: _Agent | None
    output: str | None = None


@dataclass(slots=True, eq=False)
class _Run:
    step: Step
    agents: list[_Agent] = field(default_factory=list)  # running, in start order
    models: dict[str, _ModelCall] = field(default_factory=dict)  # by agent name
    tools: dict[str, Step] = field(default_factory=dict)  # by function call id
    output: str | None = None  # what its last agent answered
    answer: Any = None  # the content of its last final event, which the caller sees

    def agent(self, name: Any) -> _Agent | None:
        """The latest running invocation of the agent named `name`."""
        return next((a for a in reversed(self.agents) if a.name == name), None)

    def end_model(self, agent_name: Any, error: BaseException | None = None) -> None:
        call = self.models.pop(str(agent_name), None)
        if call is not None:
            call.end(error)

    def end_agent(self, agent: _Agent, error: BaseException | None) -> None:
        self.agents.remove(agent)
        self.end_model(agent.name)
        if agent.output is not None:  # what a sub-agent answers, its parent answers
            if agent.parent is not None:
                agent.parent.output = agent.output
            self.output = agent.output
        agent.step.end(KIND, error, lambda: agent.output)


class Recorder:
    """Records ADK runs and agent invocations (AGENT), model calls (CHAT_MODEL) and tool
    calls (TOOL); `active()` says whether to start recording a run."""

    def __init__(self, active: Callable[[], bool]) -> None:
        self._active = active
        self._runs: dict[str, _Run] = {}  # by invocation id
        self._lock = threading.Lock()  # `Runner.run` drives each run on a thread of its own

    def _run(self, context: Any) -> _Run | None:
        with self._lock:
            return self._runs.get(str(getattr(context, "invocation_id", None)))

    # Runs: AGENT, from the user's message to the last event.
    @_guarded
    def before_run(self, context: Any) -> None:
        if not self._active():
            return
        session = getattr(context, "session", None)
        session_id = getattr(session, "id", None)
        attributes = {
            K.GEN_AI_OPERATION: "invoke_agent",
            "gen_ai.conversation.id": session_id,
            "adk.app_name": getattr(context, "app_name", None),
            "adk.invocation_id": context.invocation_id,
        }
        name = str(getattr(context, "app_name", None) or "invocation")
        run = _Run(_open(name, SpanType.AGENT, attributes, None))
        with self._lock:
            self._runs[str(context.invocation_id)] = run
        message = _messages.content_value(getattr(context, "user_content", None))
        user_id = getattr(context, "user_id", None)
        run.step.span.set_inputs({"user_id": user_id, "session_id": session_id, "message": message})

    @_guarded
    def after_run(self, context: Any, error: BaseException | None = None) -> None:
        with self._lock:
            run = self._runs.pop(str(getattr(context, "invocation_id", None)), None)
        if run is None:
            return
        # What ADK ended without a callback (a stream closed early, an agent transferred from,
        # a failure) ends with the run.
        for call_id in list(run.tools):
            run.tools.pop(call_id).end(KIND, error, lambda: None)
        for agent in reversed(list(run.agents)):
            run.end_agent(agent, error)
        for agent_name in list(run.models):
            run.end_model(agent_name, error)
        run.step.end(KIND, error, lambda: run.output if run.answer is None else run.answer)

    @_guarded
    def event(self, context: Any, event: Any) -> None:
        run = self._run(context)
        final = getattr(event, "is_final_response", None)
        if run is None or getattr(event, "partial", None) or not callable(final) or not final():
            return
        content = getattr(event, "content", None)
        if content is not None:
            run.answer = _messages.content_value(content)

    # Agents: AGENT, one span per invocation of an agent.
    @_guarded
    def before_agent(self, agent: Any, context: Any) -> None:
        run = self._run(context)
        if run is None:
            return
        parent = None
        ancestor = getattr(agent, "parent_agent", None)
        while ancestor is not None and parent is None:
            parent = run.agent(getattr(ancestor, "name", None))
            ancestor = getattr(ancestor, "parent_agent", None)
        name = str(getattr(agent, "name", None) or type(agent).__name__)
        attributes = {
            K.GEN_AI_OPERATION: "invoke_agent",
            "gen_ai.agent.name": name,
            "gen_ai.agent.description": getattr(agent, "description", None) or None,
            "adk.agent.type": type(agent).__name__,
        }
        span = (parent or run).step.span
        invocation = _Agent(_open(name, SpanType.AGENT, attributes, span), name, parent)
        run.agents.append(invocation)
        message = _messages.content_value(getattr(context, "user_content", None))
        invocation.step.span.set_inputs({"message": message})

    @_guarded
    def after_agent(self, agent: Any, context: Any, error: BaseException | None = None) -> None:
        run = self._run(context)
        invocation = run.agent(getattr(agent, "name", None)) if run is not None else None
        if run is not None and invocation is not None:
            run.end_agent(invocation, error)

    # Model calls: CHAT_MODEL, with the request sent, the reply and its usage.
    @_guarded
    def before_model(self, context: Any, request: Any) -> None:
        run = self._run(context)
        if run is None:
            return
        agent_name = str(getattr(context, "agent_name", None))
        run.end_model(agent_name)  # the agent's previous call has had all its responses
        model = _model_of(context)
        attributes = {
            K.GEN_AI_PROVIDER: _messages.provider(model),
            K.GEN_AI_OPERATION: "chat",
            K.GEN_AI_REQUEST_MODEL: _messages.model_name(request, model),
        }
        name = type(model).__name__ if model is not None else "call_llm"
        agent = run.agent(agent_name)
        step = _open(name, SpanType.CHAT_MODEL, attributes, (agent or run).step.span)
        run.models[agent_name] = _ModelCall(step, request)

    @_guarded
    def after_model(self, context: Any, response: Any) -> None:
        run = self._run(context)
        agent_name = str(getattr(context, "agent_name", None))
        call = run.models.get(agent_name) if run is not None else None
        if run is None or call is None:
            return
        call.responses.append(response)
        call.last_ns = time.time_ns()
        if getattr(response, "partial", None):
            return
        call.whole.append(response)
        call.step.activation.close()  # what the agent does next is not part of the call
        text = _messages.reply_text(getattr(response, "content", None))
        agent = run.agent(agent_name)
        if text is not None and agent is not None:
            agent.output = text

    @_guarded
    def model_error(self, context: Any, error: BaseException) -> None:
        run = self._run(context)
        if run is not None:
            run.end_model(getattr(context, "agent_name", None), error)

    # Tool calls: TOOL, named by the tool, with its arguments and result.
    @_guarded
    def before_tool(self, tool: Any, args: Any, context: Any) -> None:
        run = self._run(context)
        if run is None:
            return
        call_id = getattr(context, "function_call_id", None)
        name = str(getattr(tool, "name", None) or type(tool).__name__)
        attributes = {
            K.GEN_AI_TOOL_NAME: name,
            "gen_ai.tool.call.id": call_id,
            "gen_ai.tool.description": getattr(tool, "description", None) or None,
            "adk.tool.type": type(tool).__name__,
        }
        agent = run.agent(getattr(context, "agent_name", None))
        step = _open(name, SpanType.TOOL, attributes, (agent or run).step.span)
        with self._lock:  # a reply's tool calls run concurrently, each in a task of its own
            run.tools[str(call_id or id(context))] = step
        step.span.set_inputs(plain(args))

    @_guarded
    def after_tool(
        self, context: Any, result: Any = None, error: BaseException | None = None
    ) -> None:
        run = self._run(context)
        if run is None:
            return
        call_id = getattr(context, "function_call_id", None)
        with self._lock:
            step = run.tools.pop(str(call_id or id(context)), None)
        if step is not None:
            step.end(KIND, error, lambda: plain(result))


def _model_of(context: Any) -> Any:
    """The model object the context's agent calls (None when it cannot be told)."""
    invocation = getattr(context, "_invocation_context", None)
    agent = getattr(invocation, "agent", None)
    try:
        return getattr(agent, "canonical_model", None)
    except Exception:  # an agent without a model of its own, nor an ancestor with one
        return None
