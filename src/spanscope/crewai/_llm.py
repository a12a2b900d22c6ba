"""Model calls: `call` and `acall` of CrewAI's LLM classes, one CHAT_MODEL span each.

`crewai.LLM(model=...)` returns an object of a native provider class (OpenAI, Anthropic,
Gemini, Azure, Bedrock ... all subclasses of `BaseLLM`, each with its own `call` and
`acall`) or, for other models, of `LLM` itself, which calls LiteLLM. So the classes loaded
when `autolog()` runs are patched, and the class of each agent's LLM when it starts (a
provider module CrewAI imports later, or an application's own subclass), each where its
methods are defined. A call made inside a call of the same LLM object is the same call: it
is not traced again.

The reply's token usage, finish reason and response id are read while the call runs, from
`_track_token_usage_internal` and `_emit_call_completed_event`, which CrewAI calls on the
caller's thread with what the provider returned (its event bus gives the same to listeners
later, on a thread pool, after the call has returned).
"""

from __future__ import annotations

import threading
from typing import Any

from crewai.llms.base_llm import BaseLLM
from crewai.types.usage_metrics import UsageMetrics

from spanscope.crewai import _messages
from spanscope.crewai._spans import INTEGRATION, Open, argument, opened, owned_by, owner_of
from spanscope.patching import SKIP, CallHooks, is_patched, safe_patch
from spanscope.tracing.llm import start_model_object_span

__all__ = ["ModelHooks", "trace_llm_class"]

KIND = "model"
_METHODS = ("call", "acall")
_LOCK = threading.Lock()


def trace_llm_class(cls: type) -> None:
    """Patch the `call` and `acall` instances of `cls` run, in the class that defines each
    (not the abstract `BaseLLM.call`), and where CrewAI reports the reply's usage."""
    if not (isinstance(cls, type) and issubclass(cls, BaseLLM)):
        return
    with _LOCK:
        if not is_patched(INTEGRATION):  # autolog was turned off meanwhile
            return
        for name in _METHODS:
            owner = next((c for c in cls.__mro__ if name in vars(c)), None)
            if owner is None or getattr(vars(owner)[name], "__isabstractmethod__", False):
                continue
            safe_patch(INTEGRATION, owner, name, ModelHooks())
        for name, hooks in (
            ("_track_token_usage_internal", UsageHooks()),
            ("_emit_call_completed_event", CompletedHooks()),
        ):
            owner = next((c for c in cls.__mro__ if name in vars(c)), None)
            if owner is not None:
                safe_patch(INTEGRATION, owner, name, hooks)


def trace_llm_classes() -> None:
    """Every subclass of `BaseLLM` loaded now."""
    pending: list[type] = [BaseLLM]
    while pending:
        cls = pending.pop()
        trace_llm_class(cls)
        pending.extend(cls.__subclasses__())


class ModelHooks(CallHooks):
    """`call(messages, tools=None, callbacks=None, available_functions=None, from_task=None,
    from_agent=None, response_model=None)` (or `acall`): the reply's text, the tool calls
    asked for, a tool's result (when CrewAI ran it), or a structured reply."""

    def before(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        llm = args[0]
        if owned_by(KIND, llm):
            return SKIP  # the same LLM's call, already traced
        messages = _messages.request_messages(argument(args, kwargs, 1, "messages"))
        chat, system = _messages.split_system(messages)
        tools = argument(args, kwargs, 2, "tools")
        inputs: dict[str, Any] = {"messages": messages}
        if tools:
            inputs["tools"] = tools
        response_model = argument(args, kwargs, 7, "response_model")
        if response_model is not None:
            inputs["response_model"] = getattr(response_model, "__name__", str(response_model))
        call = start_model_object_span(
            llm, "call", provider=_messages.provider(llm), inputs=None, model_attribute="model"
        )
        if call is None:
            return SKIP
        state = opened(Open(call.span), KIND, llm, inputs)
        try:
            state.set_input_messages(chat, system=system)
            state.set_tools(tools if isinstance(tools, list) else None)
        except BaseException:
            state.end()
            raise
        return state

    def after(self, state: Open, result: Any) -> Any:
        message = None
        try:
            message = _messages.output_message(result)
            reasons = [state.finish_reason] if state.finish_reason else None
            state.set_output_messages([message], reasons)
            state.set_usage(_messages.usage(_total(state.usage)))
            state.set_response(response_id=state.response_id)
        finally:
            state.end(outputs=message)
        return result

    def error(self, state: Open, exc: BaseException) -> None:
        state.end(error=exc)


def _total(usage: dict[str, Any]) -> Any:
    return UsageMetrics(**usage) if usage else None


class UsageHooks(CallHooks):
    """`_track_token_usage_internal(usage_data)`: the usage of a reply the traced call got (a
    dict; LiteLLM's `Usage` object on the LiteLLM path), added to its span's counts (never
    traced itself)."""

    def before(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        state = owner_of(KIND, args[0])
        data = _messages.as_dict(argument(args, kwargs, 1, "usage_data"))
        if state is not None and data:
            metrics = UsageMetrics.from_provider_dict(data)
            if metrics is not None:
                for name, value in metrics.model_dump().items():
                    if isinstance(value, int):
                        state.usage[name] = state.usage.get(name, 0) + value
        return SKIP


class CompletedHooks(CallHooks):
    """`_emit_call_completed_event(response, call_type, ..., finish_reason, response_id)`:
    why the traced call's reply ended, and its id (never traced itself)."""

    def before(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        state = owner_of(KIND, args[0])
        if state is not None:
            reason = kwargs.get("finish_reason")
            response_id = kwargs.get("response_id")
            state.finish_reason = reason if isinstance(reason, str) else state.finish_reason
            state.response_id = response_id if isinstance(response_id, str) else None
        return SKIP
