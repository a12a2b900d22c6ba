"""Model calls: `generate` (a ChatMessage) and `generate_stream` (ChatMessageStreamDelta
items) of smolagents' model classes, one CHAT_MODEL span each.

smolagents' `Model` base class only declares `generate`; each model class implements it (and
`generate_stream`) itself, and an application may write its own. So the classes of
`smolagents.models` are patched by `autolog()`, and the model class of an agent when its run
starts (`trace_model_class`), each where its methods are defined. A model call made inside
another of the same model object (an application's `generate` calling `super().generate`, a
stream built on `generate`) is the same call: it is not traced again.
"""

from __future__ import annotations

import threading
from typing import Any

from smolagents.models import Model, get_tool_json_schema

from spanscope.patching import SKIP, CallHooks, is_patched, safe_patch
from spanscope.smolagents import _messages
from spanscope.smolagents._spans import KIND, Open, activating, argument, end
from spanscope.tracing.context import CURRENT_SPAN
from spanscope.tracing.llm import LLMCall, start_model_object_span
from spanscope.tracing.streaming import trace_stream

__all__ = ["INTEGRATION", "ModelHooks", "trace_model_class"]

INTEGRATION = "smolagents"
_METHODS = (("generate", False), ("generate_stream", True))
# Arguments of `generate` recorded apart (the rest are the model's own options).
_NAMED = ("messages", "stop_sequences", "response_format", "tools_to_call_from")

# id(model span) -> id(model) while the span is open.
_OWNERS: dict[int, int] = {}
_LOCK = threading.Lock()


def trace_model_class(cls: type) -> None:
    """Patch the `generate` and `generate_stream` that instances of `cls` call, in the class
    that defines each (not smolagents' abstract `Model.generate`)."""
    for name, stream in _METHODS:
        owner = next((c for c in cls.__mro__ if name in vars(c)), None)
        if owner is None or owner is Model or owner is object:
            continue
        with _LOCK:
            if is_patched(INTEGRATION):  # autolog was not turned off meanwhile
                safe_patch(INTEGRATION, owner, name, ModelHooks(stream))


class _ModelCall(Open):
    __slots__ = ()

    def end(self, outputs: Any = None, error: BaseException | None = None) -> None:
        _OWNERS.pop(id(self.span), None)
        Open.end(self, outputs=outputs, error=error)


def _tool_definitions(tools: Any) -> list[dict[str, Any]]:
    definitions = []
    for tool in tools or []:
        schema = get_tool_json_schema(tool)
        if isinstance(schema, dict):
            definitions.append(schema)
    return definitions


class ModelHooks(CallHooks):
    """`generate(messages, stop_sequences, response_format, tools_to_call_from, **kwargs)`, or
    its stream."""

    def __init__(self, stream: bool) -> None:
        self.stream = stream

    def before(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        model = args[0]
        current = CURRENT_SPAN.get()
        if current is not None and _OWNERS.get(id(current)) == id(model):
            return SKIP  # the same model's call, already traced
        messages = argument(args, kwargs, 1, "messages")
        conversions = getattr(model, "custom_role_conversions", None)
        plain = _messages.request_messages(messages, conversions)
        chat, system = _messages.split_system(plain)
        tools = argument(args, kwargs, 4, "tools_to_call_from")
        inputs: dict[str, Any] = {"messages": plain}
        for index, name in ((2, "stop_sequences"), (3, "response_format")):
            value = argument(args, kwargs, index, name)
            if value is not None:
                inputs[name] = value
        if tools:
            inputs["tools"] = [getattr(tool, "name", None) for tool in tools]
        inputs.update({k: v for k, v in kwargs.items() if k not in _NAMED})
        method = "generate_stream" if self.stream else "generate"
        provider = _messages.provider(model)
        call = start_model_object_span(
            model, method, provider=provider, inputs=inputs, model_attribute="model_id"
        )
        if call is None:
            return SKIP
        state = _ModelCall(call.span, stream=self.stream)
        _OWNERS[id(call.span)] = id(model)
        try:
            state.set_input_messages(chat, system=system)
            state.set_tools(_tool_definitions(tools))
        except BaseException:
            state.end()
            raise
        return state

    def after(self, state: _ModelCall, result: Any) -> Any:
        if self.stream:
            try:
                return trace_stream(activating(result, state.span), state, _finish_stream, KIND)
            except BaseException:
                state.end()  # never leave a span open; the caller gets its stream untraced
                raise

        def record() -> Any:
            message = _messages.output_message(result)
            reason = _messages.finish_reason(result)
            state.set_output_messages([message], [reason] if reason else None)
            state.set_usage(_messages.usage(getattr(result, "token_usage", None)))
            state.set_response(*_messages.response_details(result))
            return message

        end(state, record)
        return result

    def error(self, state: _ModelCall, exc: BaseException) -> None:
        state.end(error=exc)


def _finish_stream(call: LLMCall, chunks: list[Any]) -> Any:
    message, counts = _messages.assemble(chunks)
    if message is not None:
        call.set_output_messages([message])
        call.set_usage(counts)
    return message
