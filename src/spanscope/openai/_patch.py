"""Which openai SDK methods are patched, and the hooks that trace one call of each.

Every API surface is one `Api`: the span it starts, what of the request it records, how a
response is recorded and how stream chunks add up to a response. The sync and async resource
classes share it. `.stream()` helpers are not patched: they call `create` (or `retrieve`)
themselves, so patching them too would double the spans.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from openai._legacy_response import LegacyAPIResponse
from openai._response import BaseAPIResponse
from openai._streaming import AsyncStream, Stream

from spanscope.entities.span_type import SpanType
from spanscope.openai import _messages, _responses
from spanscope.patching import SKIP, CallHooks, await_traced, is_patched, safe_patch
from spanscope.safety import log_internal_error
from spanscope.tracing.chat_completions import set_output, set_response
from spanscope.tracing.llm import LLMCall, start_llm_span
from spanscope.tracing.sdk_stream import wrap_async_stream, wrap_stream

__all__ = ["APIS", "INTEGRATION", "Api", "patch"]

INTEGRATION = "openai"
PROVIDER = "openai"
KIND = "openai autolog"
"""The kind of spanscope's own errors here (`silent=True` mutes those of `openai ...`)."""

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Api:
    """One traced SDK method (sync and async twin)."""

    module: str  # where the resource classes live
    classes: tuple[str, str]  # (sync, async) resource class names
    method: str
    span_name: str
    operation: str  # gen_ai.operation.name
    span_type: str
    request: Callable[[LLMCall, Mapping[str, Any]], None]
    response: Callable[[LLMCall, Any], None]  # records what the response says on the span
    assemble: Callable[[list[Any]], Any]  # stream chunks -> the response they add up to
    positional: tuple[str, ...] = ()  # names of positional parameters after `self`
    streams_only: bool = False  # trace only calls with stream=True


def patch() -> None:
    """Patch every method of `APIS` that this version of the SDK has."""
    import importlib

    for api in APIS:
        try:
            module = importlib.import_module(api.module)
        except ImportError:  # an older SDK without this API
            continue
        for class_name in api.classes:
            owner = getattr(module, class_name, None)
            if owner is not None and callable(getattr(owner, api.method, None)):
                safe_patch(INTEGRATION, owner, api.method, _Hooks(api))


class _Hooks(CallHooks):
    def __init__(self, api: Api) -> None:
        self.api = api

    def before(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if not is_patched(INTEGRATION):
            return SKIP  # a bound method captured before autolog(disable=True)
        api = self.api
        request = {**dict(zip(api.positional, args[1:], strict=False)), **kwargs}
        if api.streams_only and not request.get("stream"):
            return SKIP
        call = start_llm_span(
            api.span_name,
            provider=PROVIDER,
            operation=api.operation,
            inputs=_messages.request_inputs(request),
            model=_messages.request_model(request),
            span_type=api.span_type,
        )
        if call is None:
            return SKIP
        _safely(call, api.request, call, request)
        return call

    def after(self, state: LLMCall, result: Any) -> Any:
        if inspect.isawaitable(result):
            # An `async def` behind a sync decorator (the SDK's `required_args`) looks sync to
            # safe_patch: the coroutine is traced here, with the span current while it runs.
            return await_traced(KIND, self, state, result)
        self._finish(state, result)
        return result

    def error(self, state: LLMCall, exc: BaseException) -> None:
        state.end(error=exc)

    def _finish(self, call: LLMCall, result: Any) -> None:
        try:
            self._record(call, result)
        except BaseException:
            if not call.span.is_ended:
                call.end()
            raise

    def _record(self, call: LLMCall, result: Any) -> None:
        if isinstance(result, LegacyAPIResponse):  # with_raw_response
            try:
                # Cached by the SDK: the caller's own parse() returns this same object.
                result = result.parse()
            except Exception as exc:  # the caller's parse() fails alike: the call failed
                call.end(error=exc)
                return
        if isinstance(result, Stream):
            wrap_stream(result, "_iterator", call, self._finish_stream, KIND)
        elif isinstance(result, AsyncStream):
            wrap_async_stream(result, "_iterator", call, self._finish_stream, KIND)
        elif isinstance(result, BaseAPIResponse):
            call.end()  # with_streaming_response: its body is the caller's to read
        else:
            _safely(call, self.api.response, call, result)
            call.end(outputs=_safely(call, _messages.plain, result))

    def _finish_stream(self, call: LLMCall, chunks: list[Any]) -> Any:
        """Record the response the chunks add up to; it is the span's outputs."""
        response = self.api.assemble(chunks)
        _safely(call, self.api.response, call, response)
        return _messages.plain(response)


def _safely(call: LLMCall, step: Callable[..., T], *args: Any) -> T | None:
    """Run one recording step. An error there is spanscope's: it is logged and the call goes
    on traced without that detail; under strict mode it is raised, the span ended first."""
    try:
        return step(*args)
    except Exception as exc:
        try:
            log_internal_error(KIND, exc)
        except BaseException:
            if not call.span.is_ended:
                call.end()
            raise
        return None


# --- what each API records ----------------------------------------------------------------


def _chat_request(call: LLMCall, request: Mapping[str, Any]) -> None:
    call.set_input_messages(_messages.chat_input_messages(request.get("messages")))
    call.set_tools(_messages.chat_tools(request))


def _chat_response(call: LLMCall, response: Any) -> None:
    set_response(call, response)
    set_output(call, _messages.chat_output(response))


def _responses_request(call: LLMCall, request: Mapping[str, Any]) -> None:
    instructions = request.get("instructions")
    # A string is given as a message: set_input_messages reads `system` as messages.
    system = [{"role": "system", "content": instructions}] if instructions else None
    messages = _responses.responses_input_messages(request.get("input"))
    if messages or system:  # a resumed stream (`retrieve`) has no input to show
        call.set_input_messages(messages, system)
    call.set_tools(_responses.responses_tools(request.get("tools")))


def _responses_response(call: LLMCall, response: Any) -> None:
    error = _responses.responses_error(response)
    if error:  # a failed response arrives as data (HTTP 200, or a stream event), not raised
        call.span.record_exception(error)
    set_response(call, response)
    set_output(call, _responses.responses_output(response))


def _completion_request(call: LLMCall, request: Mapping[str, Any]) -> None:
    messages = _messages.completion_input_messages(request.get("prompt"))
    if messages:  # prompts given as token ids have no text to show
        call.set_input_messages(messages)


def _completion_response(call: LLMCall, response: Any) -> None:
    set_response(call, response)
    set_output(call, _messages.completion_output(response))


def _no_request(call: LLMCall, request: Mapping[str, Any]) -> None:
    """Embeddings: the input is in the span inputs; GenAI defines no messages for it."""


def _embeddings_response(call: LLMCall, response: Any) -> None:
    set_response(call, response)


def _no_stream(chunks: list[Any]) -> Any:
    return chunks


_CHAT = "openai.resources.chat.completions"
_RESPONSES = "openai.resources.responses"
_CHAT_CLASSES = ("Completions", "AsyncCompletions")
_RESPONSES_CLASSES = ("Responses", "AsyncResponses")


def _chat_api(method: str) -> Api:
    return Api(
        _CHAT,
        _CHAT_CLASSES,
        method,
        f"openai.chat.completions.{method}",
        "chat",
        SpanType.CHAT_MODEL,
        _chat_request,
        _chat_response,
        _messages.assemble_chat_stream,
    )


def _responses_api(
    method: str, positional: tuple[str, ...] = (), streams_only: bool = False
) -> Api:
    return Api(
        _RESPONSES,
        _RESPONSES_CLASSES,
        method,
        f"openai.responses.{method}",
        "chat",
        SpanType.CHAT_MODEL,
        _responses_request,
        _responses_response,
        _responses.assemble_responses_stream,
        positional,
        streams_only,
    )


APIS: tuple[Api, ...] = (
    _chat_api("create"),
    _chat_api("parse"),
    _responses_api("create"),
    _responses_api("parse"),
    # A resumed stream (`responses.stream(response_id=...)`); a plain retrieve is a lookup
    # of a stored response, not a model call, so it is left untraced.
    _responses_api("retrieve", positional=("response_id",), streams_only=True),
    Api(
        "openai.resources.embeddings",
        ("Embeddings", "AsyncEmbeddings"),
        "create",
        "openai.embeddings.create",
        "embeddings",
        SpanType.EMBEDDING,
        _no_request,
        _embeddings_response,
        _no_stream,
    ),
    Api(
        "openai.resources.completions",
        ("Completions", "AsyncCompletions"),
        "create",
        "openai.completions.create",
        "text_completion",
        SpanType.LLM,
        _completion_request,
        _completion_response,
        _messages.assemble_completion_stream,
    ),
)
