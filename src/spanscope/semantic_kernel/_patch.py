"""Where Semantic Kernel is patched, and what happens around each call.

Semantic Kernel has function-invocation filters, but they are added per kernel (a user's
kernels would each need one) and see no chat completion calls; its OpenTelemetry diagnostics
are experimental, switched on by environment variables read at import, and keep the messages
out unless a second switch allows them. So, as for the provider SDKs, the base class methods
every kernel and service goes through are patched:

- `KernelFunction.invoke` and `invoke_stream`: every function invocation (`Kernel.invoke`,
  `invoke_prompt`, their streams, and the functions auto function calling runs, which
  `Kernel.invoke_function_call` invokes through them): one CHAIN span, or a TOOL span when
  a chat completion call of this integration is the current span (the model called it);
- `ChatCompletionClientBase.get_chat_message_contents` and
  `get_streaming_chat_message_contents`, which every chat completion service inherits (and
  the singular `get_chat_message_content` helpers call): one CHAT_MODEL span per call,
  covering its auto function calling loop, the functions the model calls inside it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from spanscope.constants import SpanAttributeKey as K
from spanscope.entities.span_type import SpanType
from spanscope.patching import SKIP, CallHooks, safe_patch
from spanscope.semantic_kernel import _messages
from spanscope.tracing.active_stream import activating, adopt
from spanscope.tracing.context import CURRENT_SPAN
from spanscope.tracing.live_span import LiveSpan
from spanscope.tracing.llm import LLMCall, start_model_object_span
from spanscope.tracing.processor import encode_attributes, start_span
from spanscope.tracing.streaming import trace_async_stream

__all__ = ["INTEGRATION", "patch"]

INTEGRATION = "semantic_kernel"
KIND = "semantic_kernel autolog"  # the kind of internal error: silent=True mutes it

# id(span) of the chat completion spans open now: a function invoked under one is a tool call.
_MODEL_SPANS: set[int] = set()


def patch() -> None:
    """Apply every patch (autolog() reverts the previous ones first)."""
    from semantic_kernel.connectors.ai.chat_completion_client_base import (
        ChatCompletionClientBase,
    )
    from semantic_kernel.functions.kernel_function import KernelFunction

    safe_patch(INTEGRATION, KernelFunction, "invoke", FunctionHooks())
    safe_patch(INTEGRATION, KernelFunction, "invoke_stream", FunctionHooks(stream=True))
    base = ChatCompletionClientBase
    safe_patch(INTEGRATION, base, "get_chat_message_contents", ChatHooks())
    safe_patch(INTEGRATION, base, "get_streaming_chat_message_contents", ChatHooks(stream=True))


class Call(LLMCall):
    """An open span; `end` is idempotent (a stream may be closed, then collected)."""

    __slots__ = ("history",)

    def __init__(self, span: LiveSpan, history: Any = None) -> None:
        super().__init__(span)
        self.history = history

    def end(self, outputs: Any = None, error: BaseException | None = None) -> None:
        _MODEL_SPANS.discard(id(self.span))
        if not self.span.is_ended:
            LLMCall.end(self, outputs=outputs, error=error)


def _argument(args: tuple[Any, ...], kwargs: Mapping[str, Any], index: int, name: str) -> Any:
    return args[index] if len(args) > index else kwargs.get(name)


def _function_outputs(result: Any) -> Any:
    value = getattr(result, "value", result)
    if isinstance(value, list):  # a prompt function's reply: its ChatMessageContents
        # Its text; a reply without text (the model's tool calls) as messages.
        return str(result) or [_messages.message(content) for content in value]
    return value


def _stream_text(call: LLMCall, chunks: list[Any]) -> Any:
    """A function stream's output: its text, or the last result it gave."""
    texts: list[str] = []
    for chunk in chunks:
        if isinstance(chunk, list):
            texts.extend(str(part) for part in chunk if getattr(part, "choice_index", 0) == 0)
        else:
            return _function_outputs(chunk)
    return "".join(texts) if texts else None


class FunctionHooks(CallHooks):
    """`KernelFunction.invoke(kernel, arguments=None, metadata=None, **kwargs)` (a
    FunctionResult) and `invoke_stream` (an async generator of content lists)."""

    def __init__(self, stream: bool = False) -> None:
        self.stream = stream

    def before(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        function = args[0]
        arguments = _argument(args, kwargs, 2, "arguments")
        inputs = dict(arguments) if isinstance(arguments, Mapping) else {}
        inputs.update((k, v) for k, v in kwargs.items() if k not in ("kernel", "arguments"))
        inputs.pop("metadata", None)
        template = getattr(
            getattr(function, "prompt_template", None), "prompt_template_config", None
        )
        text = getattr(template, "template", None)
        if isinstance(text, str):
            inputs = {"prompt": text, **inputs}  # a prompt function's own input
        current = CURRENT_SPAN.get()
        is_tool = current is not None and id(current) in _MODEL_SPANS
        name = str(getattr(function, "fully_qualified_name", None) or type(function).__name__)
        attributes = {K.GEN_AI_TOOL_NAME: name} if is_tool else {}
        span_type = SpanType.TOOL if is_tool else SpanType.CHAIN
        span = start_span(name, encode_attributes(span_type, attributes))
        if not isinstance(span, LiveSpan):
            return SKIP
        span.set_inputs(inputs)
        return Call(span)

    def after(self, state: Call, result: Any) -> Any:
        if self.stream:
            try:
                traced = trace_async_stream(
                    activating(result, state.span), state, _stream_text, KIND
                )
                return adopt(traced)
            except BaseException:
                state.end()
                raise
        state.end(outputs=_function_outputs(result))
        return result

    def error(self, state: Call, exc: BaseException) -> None:
        state.end(error=exc)


def _record_reply(call: Call, replies: list[Any]) -> None:
    # After auto function calling the history holds the model's calls and their results.
    chat, system = _messages.history_messages(call.history)
    call.set_input_messages(chat, system="\n".join(system) if system else None)
    call.set_output_messages(
        [_messages.message(reply) for reply in replies], _messages.finish_reasons(replies)
    )
    call.set_usage(_messages.usage(replies))


def _finish_stream(call: LLMCall, chunks: list[Any]) -> Any:
    replies = _messages.assemble(chunks)
    if not replies or not isinstance(call, Call):
        return None
    _record_reply(call, replies)
    return [str(reply) for reply in replies]


class ChatHooks(CallHooks):
    """`get_chat_message_contents(chat_history, settings, **kwargs)` (a list of
    ChatMessageContent, one per choice) and `get_streaming_chat_message_contents` (an async
    generator of lists of StreamingChatMessageContent)."""

    def __init__(self, stream: bool = False) -> None:
        self.stream = stream

    def before(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        service = args[0]
        history = _argument(args, kwargs, 1, "chat_history")
        settings = _argument(args, kwargs, 2, "settings")
        chat, system = _messages.history_messages(history)
        inputs: dict[str, Any] = {
            "messages": [*({"role": "system", "content": s} for s in system), *chat]
        }
        extension = getattr(settings, "extension_data", None)
        if extension:
            inputs["settings"] = dict(extension)
        method = (
            "get_streaming_chat_message_contents" if self.stream else "get_chat_message_contents"
        )
        provider = _messages.provider_of(service)
        started = start_model_object_span(
            service, method, provider=provider, inputs=inputs, model_attribute="ai_model_id"
        )
        if started is None:
            return SKIP
        call = Call(started.span, history)
        try:
            call.set_input_messages(chat, system="\n".join(system) if system else None)
        except BaseException:
            call.end()
            raise
        _MODEL_SPANS.add(id(call.span))
        return call

    def after(self, state: Call, result: Any) -> Any:
        if self.stream:
            try:
                return adopt(
                    trace_async_stream(activating(result, state.span), state, _finish_stream, KIND)
                )
            except BaseException:
                state.end()
                raise
        replies = list(result or [])
        try:
            _record_reply(state, replies)
        finally:
            state.end(outputs=[str(reply) for reply in replies])
        return result

    def error(self, state: Call, exc: BaseException) -> None:
        state.end(error=exc)
