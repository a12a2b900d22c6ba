"""The patches of `spanscope.ollama.autolog()`: one span per chat, generate or embed call.

Patched: `Client` and `AsyncClient` `chat`, `generate`, `embed`, `embeddings`, and the
module-level functions of the same names. Those are methods of a client that `import ollama`
built and bound before any patch of the class, so they are patched as module attributes too
(and `revert` puts the very same bound methods back).
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import ollama

from spanscope.entities.span_type import SpanType
from spanscope.ollama import _messages
from spanscope.ollama._stream import assemble
from spanscope.patching import SKIP, CallHooks, safe_patch
from spanscope.safety import log_internal_error
from spanscope.tracing.llm import LLMCall, Usage, start_llm_span
from spanscope.tracing.streaming import trace_async_stream, trace_stream

__all__ = ["patch"]

INTEGRATION = "ollama"
KIND = "ollama autolog"
PROVIDER = "ollama"

# Ollama times each phase of a call, in nanoseconds; kept as provider-specific attributes.
DURATIONS = {
    "total_duration": "ollama.total_duration_ns",
    "load_duration": "ollama.load_duration_ns",
    "prompt_eval_duration": "ollama.prompt_eval_duration_ns",
    "eval_duration": "ollama.eval_duration_ns",
}


@dataclass(frozen=True, slots=True)
class _Endpoint:
    span_type: str
    operation: str


ENDPOINTS = {
    "chat": _Endpoint(SpanType.CHAT_MODEL, "chat"),
    "generate": _Endpoint(SpanType.LLM, "text_completion"),
    "embed": _Endpoint(SpanType.EMBEDDING, "embeddings"),
    "embeddings": _Endpoint(SpanType.EMBEDDING, "embeddings"),
}


def patch() -> None:
    for method in ENDPOINTS:
        # Sync, async and module-level calls alike are named for what the caller wrote.
        for owner in (ollama.Client, ollama.AsyncClient, ollama):
            function = getattr(owner, method, None)
            if function is not None:
                safe_patch(INTEGRATION, owner, method, _Hooks(f"ollama.{method}", method, function))


@dataclass(slots=True)
class _Request:
    """What `before` prepared: every conversion done before the span starts."""

    inputs: dict[str, Any]
    model: str | None
    messages: list[dict[str, Any]] | None
    system: Any
    tools: list[Any] | None


class _Hooks(CallHooks):
    def __init__(self, name: str, method: str, function: Callable[..., Any]) -> None:
        self.name = name
        self.method = method
        self.endpoint = ENDPOINTS[method]
        self.signature = inspect.signature(function)

    def before(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        request = self._prepare(_bind(self.signature, args, kwargs))
        call = start_llm_span(
            self.name,
            provider=PROVIDER,
            operation=self.endpoint.operation,
            inputs=request.inputs,
            model=request.model,
            span_type=self.endpoint.span_type,
        )
        if call is None:
            return SKIP
        if request.messages is not None:
            call.set_input_messages(request.messages, system=request.system)
        call.set_tools(request.tools)
        return call

    def after(self, call: LLMCall, result: Any) -> Any:
        if isinstance(result, Iterator):
            return trace_stream(result, call, self._finish, KIND)
        if isinstance(result, AsyncIterator):
            return trace_async_stream(result, call, self._finish, KIND)
        try:
            self._record(call, result)
        finally:
            call.end(outputs=result)
        return result

    def error(self, call: LLMCall, exc: BaseException) -> None:
        call.end(error=exc)

    def _prepare(self, request: dict[str, Any]) -> _Request:
        model = request.get("model")
        prepared = _Request(request, model if isinstance(model, str) else None, None, None, None)
        if self.method == "chat":
            prepared.messages = _messages.genai_messages(request.get("messages"))
            if request.get("tools"):
                # Functions become the schemas the client sends; a function's repr says little.
                prepared.tools = _tool_schemas(request["tools"])
                prepared.inputs = {**request, "tools": prepared.tools}
        elif self.method == "generate":
            prompt = _messages.prompt_message(request.get("prompt"), request.get("images"))
            prepared.messages = [prompt]
            prepared.system = request.get("system") or None
        return prepared

    def _finish(self, call: LLMCall, parts: list[Any]) -> Any:
        response = assemble(self.method, parts)
        if response is not None:
            try:
                self._record(call, response)
            except Exception as exc:  # keep the assembled outputs all the same
                log_internal_error(KIND, exc)
        return response

    def _record(self, call: LLMCall, response: Any) -> None:
        """Reply, finish reason, usage, model and durations of a (possibly assembled) response."""
        reason = getattr(response, "done_reason", None)
        reasons = [reason] if reason else None
        if self.method == "chat":
            message = _messages.genai_message(getattr(response, "message", None), "assistant")
            call.set_output_messages([message], reasons)
        elif self.method == "generate":
            reply = _messages.reply_message(
                getattr(response, "response", None), getattr(response, "thinking", None)
            )
            call.set_output_messages([reply], reasons)
        call.set_usage(
            Usage(
                input_tokens=getattr(response, "prompt_eval_count", None),
                output_tokens=getattr(response, "eval_count", None),
            )
        )
        model = getattr(response, "model", None)
        call.set_response(model=model if isinstance(model, str) else None)
        for field, key in DURATIONS.items():
            value = getattr(response, field, None)
            if isinstance(value, int):
                call.span.set_attribute(key, value)


def _bind(
    signature: inspect.Signature, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> dict[str, Any]:
    """The call's arguments by name (without `self`), as the caller passed them."""
    try:
        bound = signature.bind_partial(*args, **kwargs).arguments
    except TypeError:  # the client raises its own error for these; record them as given
        if "self" in signature.parameters:
            args = args[1:]
        return {"args": list(args), **kwargs} if args else dict(kwargs)
    return {name: value for name, value in bound.items() if name != "self"}


def _tool_schemas(tools: Any) -> list[Any]:
    # The client's own conversion (functions -> ollama.Tool), so the span shows what was sent.
    # (`ollama._client` is the module-level Client instance; the module is in sys.modules.)
    copy_tools = getattr(sys.modules.get("ollama._client"), "_copy_tools", None)
    if copy_tools is None:
        return [_messages.as_dict(tool) or tool for tool in tools]
    return [tool.model_dump(exclude_none=True) for tool in copy_tools(tools)]
