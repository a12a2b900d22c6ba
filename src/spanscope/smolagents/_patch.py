"""Where smolagents is patched, and what happens around each call.

smolagents' one hook, `step_callbacks`, is given each step once it has finished, after its
model and tool calls ran: a span opened there could not hold them. It has no hook around a
run, a model call or a tool call. So, as for a provider SDK, methods are patched:

- `MultiStepAgent.run`: one AGENT span per run; with `stream=True` the generator it returns is
  traced while the caller reads it (the span current while each step runs, ended when the
  generator ends, is closed or is collected);
- `_step_stream` (each agent class of `smolagents.agents` that has its own: ToolCallingAgent,
  CodeAgent) and `MultiStepAgent._generate_planning_step`: the generators smolagents' run loop
  reads for an action step and a planning step; one CHAIN span each, `step N` and `planning`;
- `generate`, `generate_stream` of the model classes (`_models.py`): one CHAT_MODEL span;
- `Tool.__call__` (and `PipelineTool.__call__`, which does not call it): one TOOL span;
- `__call__` of the Python executors, local and remote: a TOOL span `python_interpreter` for a
  CodeAgent's code (smolagents records it as a call of that tool);
- `smolagents.local_python_executor.timeout`: the local executor runs the code in a thread of
  its own, which does not inherit the caller's context; the code's tool calls would each start
  a trace of their own. The thread is given the current span (and nothing else).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterator
from typing import Any

import smolagents.agents as agents
import smolagents.local_python_executor as local_executor
import smolagents.models as models
from smolagents.tools import PipelineTool, Tool

from spanscope.constants import SpanAttributeKey as K
from spanscope.entities.span_type import SpanType
from spanscope.patching import SKIP, CallHooks, safe_patch
from spanscope.smolagents import _messages
from spanscope.smolagents._models import INTEGRATION, trace_model_class
from spanscope.smolagents._spans import KIND, Open, SpanHooks, activating, argument, end
from spanscope.tracing.context import CURRENT_SPAN, use_span
from spanscope.tracing.live_span import LiveSpan
from spanscope.tracing.llm import LLMCall
from spanscope.tracing.streaming import trace_stream

__all__ = ["INTEGRATION", "patch"]

STEP_NUMBER = "smolagents.step.number"
_EXECUTORS = (
    ("smolagents.local_python_executor", "LocalPythonExecutor"),
    ("smolagents.remote_executors", "RemotePythonExecutor"),
)


def patch() -> None:
    """Apply every patch (autolog() reverts the previous ones first)."""
    base = agents.MultiStepAgent
    safe_patch(INTEGRATION, base, "run", RunHooks())
    safe_patch(INTEGRATION, base, "_generate_planning_step", StepHooks(planning=True))
    for cls in vars(agents).values():
        if isinstance(cls, type) and issubclass(cls, base):
            own = vars(cls).get("_step_stream")
            if own is not None and not getattr(own, "__isabstractmethod__", False):
                safe_patch(INTEGRATION, cls, "_step_stream", StepHooks(planning=False))
    for cls in vars(models).values():
        if isinstance(cls, type) and issubclass(cls, models.Model):
            trace_model_class(cls)
    safe_patch(INTEGRATION, Tool, "__call__", ToolHooks())
    safe_patch(INTEGRATION, PipelineTool, "__call__", ToolHooks())
    for module_name, class_name in _EXECUTORS:
        executor = getattr(sys.modules.get(module_name), class_name, None)
        if isinstance(executor, type) and "__call__" in vars(executor):
            safe_patch(INTEGRATION, executor, "__call__", ExecutorHooks())
    safe_patch(INTEGRATION, local_executor, "timeout", CarrySpan())


class RunHooks(SpanHooks):
    """`run(task, stream=False, reset=True, images=None, additional_args=None,
    max_steps=None, return_full_result=None)`: the final answer (or a RunResult), or with
    `stream=True` a generator of the run's events."""

    span_type = SpanType.AGENT

    def describe(
        self, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[str, dict[str, Any], Any]:
        agent = args[0]
        model = getattr(agent, "model", None)
        if model is not None:
            trace_model_class(type(model))  # a model class of the application's own
        name = _messages.agent_name(agent)
        inputs = _messages.run_inputs(
            argument(args, kwargs, 1, "task"),
            additional_args=argument(args, kwargs, 5, "additional_args"),
            max_steps=argument(args, kwargs, 6, "max_steps"),
            images=argument(args, kwargs, 4, "images"),
        )
        return name, {K.GEN_AI_OPERATION: "invoke_agent", "gen_ai.agent.name": name}, inputs

    def before(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        state = super().before(args, kwargs)
        if isinstance(state, Open):
            state.stream = bool(argument(args, kwargs, 2, "stream", False))
        return state

    def after(self, state: Open, result: Any) -> Any:
        if state.stream and isinstance(result, Iterator):
            return _traced(result, state, _finish_run)
        end(state, lambda: _messages.run_outputs(result))
        return result


class StepHooks(SpanHooks):
    """`_step_stream(memory_step)` (an action step) or `_generate_planning_step(task,
    is_first_step, step)`: generators of the step's events, the step's span current while
    smolagents reads them."""

    span_type = SpanType.CHAIN

    def __init__(self, planning: bool) -> None:
        self.planning = planning

    def describe(
        self, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[str, dict[str, Any], Any]:
        if self.planning:
            number = argument(args, kwargs, 3, "step")
            first = argument(args, kwargs, 2, "is_first_step")
            return "planning", {STEP_NUMBER: number}, {"step": number, "is_first_step": first}
        number = getattr(argument(args, kwargs, 1, "memory_step"), "step_number", None)
        name = "step" if number is None else f"step {number}"
        return name, {STEP_NUMBER: number}, {"step": number}

    def before(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        state = super().before(args, kwargs)
        if isinstance(state, Open) and not self.planning:
            state.step = argument(args, kwargs, 1, "memory_step")
        return state

    def after(self, state: Open, result: Any) -> Any:
        if not isinstance(result, Iterator):
            state.end(outputs=result)
            return result
        if self.planning:
            return _traced(result, state, _finish_planning)
        return _traced(result, state, functools.partial(_finish_step, state.step))


def _traced(
    result: Iterator[Any], state: Open, finish: Callable[[LLMCall, list[Any]], Any]
) -> Iterator[Any]:
    """A generator of smolagents' steps, traced while it is read (no chunk events: its items
    are steps, not tokens)."""
    try:
        return trace_stream(activating(result, state.span), state, finish, KIND, events=False)
    except BaseException:
        state.end()  # never leave a span open; the caller gets its stream untraced
        raise


def _last(chunks: list[Any], kind: str) -> Any:
    return next((c for c in reversed(chunks) if type(c).__name__ == kind), None)


def _finish_run(call: LLMCall, chunks: list[Any]) -> Any:
    final = _last(chunks, "FinalAnswerStep")
    return getattr(final, "output", None)


def _finish_planning(call: LLMCall, chunks: list[Any]) -> Any:
    return getattr(_last(chunks, "PlanningStep"), "plan", None)


def _finish_step(step: Any, call: LLMCall, chunks: list[Any]) -> Any:
    return _messages.step_outputs(step) or None


class ToolHooks(SpanHooks):
    """`tool(*args, sanitize_inputs_outputs=False, **kwargs)`: the tool's output."""

    span_type = SpanType.TOOL

    def describe(
        self, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[str, dict[str, Any], Any]:
        tool = args[0]
        name = getattr(tool, "name", None)
        name = name if isinstance(name, str) and name else type(tool).__name__
        names = getattr(tool, "inputs", None)
        names = list(names) if isinstance(names, dict) else []
        return name, {K.GEN_AI_TOOL_NAME: name}, _messages.tool_inputs(args[1:], kwargs, names)


class ExecutorHooks(SpanHooks):
    """A Python executor's `executor(code_action)`: the CodeOutput (output, logs, whether it
    is the final answer)."""

    span_type = SpanType.TOOL

    def describe(
        self, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[str, dict[str, Any], Any]:
        code = argument(args, kwargs, 1, "code_action")
        name = "python_interpreter"
        return name, {K.GEN_AI_TOOL_NAME: name}, {"code": code}


class _Carried:
    __slots__ = ("current",)

    def __init__(self, current: LiveSpan) -> None:
        self.current = current


class CarrySpan(CallHooks):
    """`timeout(seconds)`, a decorator that runs a function in a worker thread: the function
    it decorates runs with the span current where it was decorated."""

    def before(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        current = CURRENT_SPAN.get()
        return _Carried(current) if isinstance(current, LiveSpan) else SKIP

    def after(self, state: _Carried, result: Any) -> Any:
        if not callable(result):
            return result
        decorator = result

        def decorate(function: Callable[..., Any]) -> Any:
            @functools.wraps(function)
            def run(*args: Any, **kwargs: Any) -> Any:
                with use_span(state.current):
                    return function(*args, **kwargs)

            return decorator(run)

        return decorate
