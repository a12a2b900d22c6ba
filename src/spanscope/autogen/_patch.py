"""Where AutoGen is patched, and what happens around each call.

AutoGen's own OpenTelemetry spans (autogen-core's `trace_invoke_agent_span`,
`trace_tool_span`) name agents and tools but carry no messages, and its model clients record
no span at all, only log events; so, as for the provider SDKs, the methods are patched:

- agents: `run`, `run_stream` (on `BaseChatAgent`) and `on_messages`, `on_messages_stream`
  (on `BaseChatAgent` and each agent class of `autogen_agentchat.agents` that has its own):
  one AGENT span per run, also for an agent's turn in a team (the team calls
  `on_messages_stream`);
- teams: `run`, `run_stream` on `BaseGroupChat` (every group chat): one CHAIN span;
- model clients: `create`, `create_stream` of the OpenAI clients (Azure's included), and of
  the Anthropic and Ollama clients when their modules are imported already (importing them
  takes seconds): one CHAT_MODEL span per call;
- tools: `BaseTool.run_json`, which agents and workbenches call: one TOOL span.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

from spanscope.autogen import _messages
from spanscope.autogen._runs import Run, running
from spanscope.constants import SpanAttributeKey as K
from spanscope.entities.span_type import SpanType
from spanscope.patching import SKIP, CallHooks, safe_patch
from spanscope.tracing.active_stream import activating, adopt
from spanscope.tracing.live_span import LiveSpan
from spanscope.tracing.llm import LLMCall, start_llm_span
from spanscope.tracing.processor import encode_attributes, start_span
from spanscope.tracing.streaming import trace_async_stream

__all__ = ["INTEGRATION", "patch"]

INTEGRATION = "autogen"
KIND = "autogen autolog"  # the kind of internal error: silent=True mutes it

# Model clients patched when their module is imported (module, class).
_CLIENTS = (
    ("autogen_ext.models.openai", "BaseOpenAIChatCompletionClient"),
    ("autogen_ext.models.anthropic", "BaseAnthropicChatCompletionClient"),
    ("autogen_ext.models.ollama._ollama_client", "BaseOllamaChatCompletionClient"),
)


def patch() -> None:
    """Apply every patch (autolog() reverts the previous ones first)."""
    import autogen_agentchat.agents as agents
    from autogen_agentchat.teams import BaseGroupChat
    from autogen_core.tools import BaseTool

    base = agents.BaseChatAgent
    safe_patch(INTEGRATION, base, "run", RunHooks(SpanType.AGENT))
    safe_patch(INTEGRATION, base, "run_stream", RunHooks(SpanType.AGENT, stream=True))
    for name in agents.__all__:
        cls = getattr(agents, name)
        if not (isinstance(cls, type) and issubclass(cls, base)):
            continue
        for method, stream in (("on_messages", False), ("on_messages_stream", True)):
            own = vars(cls).get(method)
            if own is not None and not getattr(own, "__isabstractmethod__", False):
                safe_patch(INTEGRATION, cls, method, RunHooks(SpanType.AGENT, stream=stream))
    safe_patch(INTEGRATION, BaseGroupChat, "run", RunHooks(SpanType.CHAIN))
    safe_patch(INTEGRATION, BaseGroupChat, "run_stream", RunHooks(SpanType.CHAIN, stream=True))
    safe_patch(INTEGRATION, BaseTool, "run_json", ToolHooks())

    import autogen_ext.models.openai  # noqa: F401  (the clients most programs use)

    for module_name, class_name in _CLIENTS:
        module = sys.modules.get(module_name)
        client = getattr(module, class_name, None) if module is not None else None
        if isinstance(client, type):
            safe_patch(INTEGRATION, client, "create", CreateHooks())
            safe_patch(INTEGRATION, client, "create_stream", CreateHooks(stream=True))


def _argument(args: tuple[Any, ...], kwargs: Mapping[str, Any], index: int, name: str) -> Any:
    return args[index] if len(args) > index else kwargs.get(name)


def _name_of(owner: Any) -> str:
    name = getattr(owner, "name", None)
    return name if isinstance(name, str) and name else type(owner).__name__


def _run_outputs(call: LLMCall, chunks: list[Any]) -> Any:
    """A run stream's last item (its TaskResult or Response), or what came before it was
    dropped."""
    if not chunks:
        return None
    last = chunks[-1]
    if type(last).__name__ in ("TaskResult", "Response"):
        return last
    return list(chunks)


class RunHooks(CallHooks):
    """An agent's or a team's run: `run` / `on_messages` (a coroutine) or `run_stream` /
    `on_messages_stream` (an async generator, traced while the caller reads it)."""

    def __init__(self, span_type: str, stream: bool = False) -> None:
        self.span_type = span_type
        self.stream = stream

    def before(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        owner = args[0]
        if running(owner):
            return SKIP  # an inner entry point of a run already traced
        if "task" in kwargs or len(args) < 2:
            inputs: Any = {"task": kwargs.get("task")}
        else:
            inputs = {"messages": _argument(args, kwargs, 1, "messages")}
        attributes = {"gen_ai.agent.name": _name_of(owner)}
        span = start_span(_name_of(owner), encode_attributes(self.span_type, attributes))
        if not isinstance(span, LiveSpan):
            return SKIP
        span.set_inputs(inputs)
        return Run(span, owner)

    def after(self, state: Run, result: Any) -> Any:
        if not self.stream:
            state.end(outputs=result)
            return result
        try:
            traced = trace_async_stream(activating(result, state.span), state, _run_outputs, KIND)
            return adopt(traced)
        except BaseException:
            state.end()  # never leave a span open; the caller gets its stream untraced
            raise

    def error(self, state: Run, exc: BaseException) -> None:
        state.end(error=exc)


def _finish_stream(call: LLMCall, chunks: list[Any]) -> Any:
    outputs, message = _messages.assemble(chunks)
    if message is not None:
        reason = _messages.finish_reason(outputs)
        call.set_output_messages([message], [reason] if reason else None)
        counts = _messages.usage(outputs)
        # A stream not asked for usage reports zero tokens: unknown, not none.
        if counts is not None and (counts.input_tokens or counts.output_tokens):
            call.set_usage(counts)
    return outputs


class CreateHooks(CallHooks):
    """A model client's `create` (a CreateResult) or `create_stream` (text chunks, then the
    CreateResult)."""

    def __init__(self, stream: bool = False) -> None:
        self.stream = stream

    def before(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        client = args[0]
        messages = list(_argument(args, kwargs, 1, "messages") or [])
        tools = kwargs.get("tools")
        chat, system = _messages.request_messages(messages)
        definitions = _messages.tool_definitions(tools)
        inputs: dict[str, Any] = {"messages": messages}
        if definitions:
            inputs["tools"] = definitions
        for key in ("tool_choice", "json_output", "extra_create_args"):
            if kwargs.get(key):
                inputs[key] = kwargs[key]
        method = "create_stream" if self.stream else "create"
        call = start_llm_span(
            f"{type(client).__name__}.{method}",
            provider=_messages.provider_of(client),
            operation="chat",
            inputs=inputs,
            model=_messages.model_of(client),
        )
        if call is None:
            return SKIP
        run = Run(call.span)
        try:
            run.set_input_messages(chat, system="\n".join(system) if system else None)
            run.set_tools(definitions)
        except BaseException:
            run.end()
            raise
        return run

    def after(self, state: Run, result: Any) -> Any:
        if self.stream:
            try:
                traced = trace_async_stream(
                    activating(result, state.span), state, _finish_stream, KIND
                )
                return adopt(traced)
            except BaseException:
                state.end()
                raise
        try:
            reason = _messages.finish_reason(result)
            state.set_output_messages(
                [_messages.output_message(result)], [reason] if reason else None
            )
            state.set_usage(_messages.usage(result))
        finally:
            state.end(outputs=result)
        return result

    def error(self, state: Run, exc: BaseException) -> None:
        state.end(error=exc)


class ToolHooks(CallHooks):
    """`BaseTool.run_json(args, cancellation_token, call_id=None)`: the tool's return value."""

    def before(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        tool = args[0]
        name = _name_of(tool)
        arguments = _argument(args, kwargs, 1, "args")
        attributes: dict[str, Any] = {K.GEN_AI_TOOL_NAME: name}
        call_id = _argument(args, kwargs, 3, "call_id")
        if isinstance(call_id, str):
            attributes["gen_ai.tool.call.id"] = call_id
        span = start_span(name, encode_attributes(SpanType.TOOL, attributes))
        if not isinstance(span, LiveSpan):
            return SKIP
        span.set_inputs(dict(arguments) if isinstance(arguments, Mapping) else arguments)
        return Run(span)

    def after(self, state: Run, result: Any) -> Any:
        state.end(outputs=result)
        return result

    def error(self, state: Run, exc: BaseException) -> None:
        state.end(error=exc)
