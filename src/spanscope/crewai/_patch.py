"""Where CrewAI is patched, and what happens around each call.

CrewAI's event bus (`crewai_event_bus`) announces crews, tasks, agents, model and tool calls,
but it gives each event to listeners later, on a thread pool (only stream chunks are given on
the caller's thread): a span opened there could not be current while the model's or the
tool's own code runs, so nothing made inside (an OpenAI SDK call, a tool's own spans) would
nest under it, and errors reach listeners as text. So, as for a provider SDK, methods are
patched, each a span current while the call runs:

- `Crew.kickoff` and `Crew.akickoff`: one CHAIN span per crew run (`kickoff_async` runs
  `kickoff` in a thread with the caller's context; a streamed run, `stream=True`, runs
  `kickoff` again without streaming, in a thread that keeps the caller's context: that inner
  run is the one traced);
- `Task._execute_core` and `Task._aexecute_core`, where `execute_sync`, `execute_async`
  (in a thread of its own, with the caller's context) and `aexecute_sync` run a task: a TASK
  span;
- `Agent.execute_task` and `Agent.aexecute_task`: an AGENT span for the agent's work on a
  task; `Agent.kickoff` and `Agent.kickoff_async` (`akickoff` calls it): an AGENT span for a
  standalone agent;
- `call` and `acall` of the LLM classes (`_llm.py`): a CHAT_MODEL span;
- `BaseTool.run` / `arun`, `Tool.run` / `arun` (CrewAI's native tool calls) and
  `CrewStructuredTool.invoke` / `ainvoke` (its text-based tool calls): a TOOL span;
- `Flow.kickoff_async` (`kickoff` and `akickoff` run it) and `Flow._execute_method`: a
  WORKFLOW span per flow run and a CHAIN span per method. CrewAI's own flows (its agent
  executor is one) are not traced as flows: their work is the agent's.
"""

from __future__ import annotations

import contextlib
from typing import Any

from crewai import Agent, Crew, Task
from crewai.flow.flow import Flow
from crewai.tools.base_tool import BaseTool, Tool
from crewai.tools.structured_tool import CrewStructuredTool
from crewai.utilities.agent_utils import is_inside_event_loop

from spanscope.constants import SpanAttributeKey as K
from spanscope.crewai import _messages
from spanscope.crewai._llm import trace_llm_class, trace_llm_classes
from spanscope.crewai._spans import INTEGRATION, SpanHooks, argument
from spanscope.entities.span_type import SpanType
from spanscope.patching import safe_patch

__all__ = ["INTEGRATION", "patch"]

AGENT_NAME = "gen_ai.agent.name"


def patch() -> None:
    """Apply every patch (autolog() reverts the previous ones first)."""
    with contextlib.suppress(ImportError):  # CrewAI's OpenAI class, loaded on first use
        import crewai.llms.providers.openai.completion  # noqa: F401
    safe_patch(INTEGRATION, Crew, "kickoff", CrewHooks())
    safe_patch(INTEGRATION, Crew, "akickoff", CrewHooks())
    safe_patch(INTEGRATION, Task, "_execute_core", TaskHooks())
    safe_patch(INTEGRATION, Task, "_aexecute_core", TaskHooks())
    safe_patch(INTEGRATION, Agent, "execute_task", AgentTaskHooks())
    safe_patch(INTEGRATION, Agent, "aexecute_task", AgentTaskHooks())
    safe_patch(INTEGRATION, Agent, "kickoff", AgentKickoffHooks(is_async=False))
    safe_patch(INTEGRATION, Agent, "kickoff_async", AgentKickoffHooks(is_async=True))
    for owner in (BaseTool, Tool):
        safe_patch(INTEGRATION, owner, "run", ToolHooks())
        safe_patch(INTEGRATION, owner, "arun", ToolHooks())
    safe_patch(INTEGRATION, CrewStructuredTool, "invoke", StructuredToolHooks())
    safe_patch(INTEGRATION, CrewStructuredTool, "ainvoke", StructuredToolHooks())
    safe_patch(INTEGRATION, Flow, "kickoff_async", FlowHooks())
    safe_patch(INTEGRATION, Flow, "_execute_method", FlowMethodHooks())
    trace_llm_classes()


def _trace_llms_of(*agents: Any) -> None:
    """Patch the LLM classes the agents use (a provider class loaded after autolog(), or an
    application's own)."""
    for agent in agents:
        llm = getattr(agent, "llm", None)
        if llm is not None:
            trace_llm_class(type(llm))


class CrewHooks(SpanHooks):
    """`kickoff(inputs=None, input_files=None, from_checkpoint=None)` (or `akickoff`): a
    CrewOutput, or a CrewStreamingOutput when the crew streams."""

    span_type = SpanType.CHAIN

    def describe(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        crew = args[0]
        if getattr(crew, "stream", False) is True:
            return None  # the streamed run's inner kickoff is traced
        _trace_llms_of(*(getattr(crew, "agents", None) or ()), getattr(crew, "manager_agent", None))
        name = _messages.crew_name(crew)
        inputs = argument(args, kwargs, 1, "inputs")
        return name, {"crewai.crew.name": name}, {"inputs": inputs or {}}


class TaskHooks(SpanHooks):
    """`_execute_core(agent, context, tools)` (or `_aexecute_core`): a TaskOutput."""

    span_type = SpanType.TASK

    def describe(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        task = args[0]
        agent = argument(args, kwargs, 1, "agent") or getattr(task, "agent", None)
        name = _messages.task_name(task)
        inputs: dict[str, Any] = {
            "description": getattr(task, "description", None),
            "expected_output": getattr(task, "expected_output", None),
        }
        context = argument(args, kwargs, 2, "context")
        if context:
            inputs["context"] = context
        attributes: dict[str, Any] = {"crewai.task.name": name}
        if agent is not None:
            attributes[AGENT_NAME] = _messages.agent_name(agent)
        return name, attributes, inputs


class AgentTaskHooks(SpanHooks):
    """`execute_task(task, context=None, tools=None)` (or `aexecute_task`): the agent's answer.
    A retry after an error (CrewAI calls `execute_task` again inside) is the same span."""

    span_type = SpanType.AGENT

    def describe(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        agent = args[0]
        _trace_llms_of(agent)
        task = argument(args, kwargs, 1, "task")
        name = _messages.agent_name(agent)
        inputs: dict[str, Any] = {"task": getattr(task, "description", task)}
        context = argument(args, kwargs, 2, "context")
        if context:
            inputs["context"] = context
        tools = argument(args, kwargs, 3, "tools")
        if tools:
            inputs["tools"] = [getattr(tool, "name", str(tool)) for tool in tools]
        return name, {K.GEN_AI_OPERATION: "invoke_agent", AGENT_NAME: name}, inputs


class AgentKickoffHooks(SpanHooks):
    """`kickoff(messages, response_format=None, input_files=None, from_checkpoint=None)` (or
    `kickoff_async`): a LiteAgentOutput. Inside a running event loop `kickoff` returns
    `kickoff_async(...)`, whose span it is then."""

    span_type = SpanType.AGENT

    def __init__(self, is_async: bool) -> None:
        self.is_async = is_async

    def describe(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if not self.is_async and is_inside_event_loop():
            return None
        agent = args[0]
        _trace_llms_of(agent)
        name = _messages.agent_name(agent)
        inputs = {"messages": argument(args, kwargs, 1, "messages")}
        return name, {K.GEN_AI_OPERATION: "invoke_agent", AGENT_NAME: name}, inputs


class ToolHooks(SpanHooks):
    """A tool's `run(*args, **kwargs)` (or `arun`): its result."""

    span_type = SpanType.TOOL

    def describe(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        tool = args[0]
        name = _messages.named(getattr(tool, "name", None), type(tool).__name__)
        return name, {K.GEN_AI_TOOL_NAME: name}, self.inputs(args, kwargs)

    def inputs(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        return _messages.tool_inputs(args[1:], kwargs)


class StructuredToolHooks(ToolHooks):
    """`invoke(input, config=None, **kwargs)` (or `ainvoke`) of the tool form CrewAI's
    text-based tool calls use: the tool's result."""

    def inputs(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        return argument(args, kwargs, 1, "input")


def _is_own(flow: Any) -> bool:
    """A flow of CrewAI's own (its agent executor), not the application's."""
    return type(flow).__module__.split(".")[0] == "crewai"


class FlowHooks(SpanHooks):
    """`kickoff_async(inputs=None, input_files=None, ...)`: the flow's final output (or a
    stream session when the flow streams, not traced)."""

    span_type = SpanType.WORKFLOW

    def describe(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        flow = args[0]
        if _is_own(flow) or getattr(flow, "stream", False) is True:
            return None
        name = _messages.named(getattr(flow, "name", None), type(flow).__name__)
        return name, {"crewai.flow.name": name}, {"inputs": argument(args, kwargs, 1, "inputs")}


class FlowMethodHooks(SpanHooks):
    """`_execute_method(method_name, method, *args, **kwargs)`: (the method's result, the id
    of CrewAI's event for it)."""

    span_type = SpanType.CHAIN
    kind = "flow method"

    def describe(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        flow = args[0]
        if _is_own(flow):
            return None
        name = str(argument(args, kwargs, 1, "method_name"))
        inputs = _messages.tool_inputs(args[3:], kwargs)
        return name, {"crewai.flow.method": name}, inputs

    def outputs(self, result: Any) -> Any:
        return result[0] if isinstance(result, tuple) and len(result) == 2 else result
