"""Hooks that trace one method of a provider SDK as one LLM span, for SDKs whose methods take
the request as keyword arguments and return a response object or a stream object.

An integration declares each traced method as an `Api` (the span it starts, what of the
request and response it records, how stream chunks add up to a response, which stream classes
it returns and the attribute holding their iterator) and patches it with `ApiHooks`. A stream
is traced in place (`spanscope.tracing.sdk_stream`): the caller keeps the SDK's own object.
Every recording step runs through `record_safely`: an error there is spanscope's, logged, and
the call goes on.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from spanscope.patching.guards import await_traced
from spanscope.patching.patch import SKIP, CallHooks, is_patched
from spanscope.safety import log_internal_error
from spanscope.tracing.llm import LLMCall, start_llm_span
from spanscope.tracing.sdk_stream import wrap_async_stream, wrap_stream

__all__ = ["Api", "ApiHooks", "SdkStreams", "record_safely"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class SdkStreams:
    """The stream classes an SDK returns and the attribute holding their iterator."""

    sync: type | None
    async_: type | None
    attribute: str


@dataclass(frozen=True, slots=True)
class Api:
    """One traced SDK method."""

    span_name: str
    operation: str  # gen_ai.operation.name
    span_type: str
    inputs: Callable[[Mapping[str, Any]], Any]  # the request -> the span inputs
    model: Callable[[Mapping[str, Any]], str | None]
    request: Callable[[LLMCall, Mapping[str, Any]], None]  # records the request on the span
    response: Callable[[LLMCall, Any], None]  # records what the response says
    outputs: Callable[[Any], Any]  # the response -> the span outputs
    assemble: Callable[[list[Any]], Any] | None = None  # stream chunks -> their response


class ApiHooks(CallHooks):
    """Traces calls of one `Api` for `integration` (a provider SDK)."""

    def __init__(
        self, integration: str, provider: str, api: Api, streams: SdkStreams | None = None
    ) -> None:
        self.integration = integration
        self.kind = f"{integration} autolog"
        self.provider = provider
        self.api = api
        self.streams = streams

    def before(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if not is_patched(self.integration):
            return SKIP  # a bound method captured before autolog(disable=True)
        api = self.api
        call = start_llm_span(
            api.span_name,
            provider=self.provider,
            operation=api.operation,
            inputs=record_safely(self.kind, None, api.inputs, kwargs),
            model=record_safely(self.kind, None, api.model, kwargs),
            span_type=api.span_type,
        )
        if call is None:
            return SKIP
        record_safely(self.kind, call, api.request, call, kwargs)
        return call

    def after(self, state: LLMCall, result: Any) -> Any:
        if inspect.isawaitable(result):
            # An `async def` behind a sync decorator looks sync to safe_patch: the coroutine
            # is traced here, with the span current while it runs.
            return await_traced(self.kind, self, state, result)
        try:
            self._record(state, result)
        except BaseException:
            if not state.span.is_ended:
                state.end()
            raise
        return result

    def error(self, state: LLMCall, exc: BaseException) -> None:
        state.end(error=exc)

    def _record(self, call: LLMCall, result: Any) -> None:
        streams = self.streams
        if streams is not None and self.api.assemble is not None:
            if streams.sync is not None and isinstance(result, streams.sync):
                wrap_stream(result, streams.attribute, call, self._finish_stream, self.kind)
                return
            if streams.async_ is not None and isinstance(result, streams.async_):
                wrap_async_stream(result, streams.attribute, call, self._finish_stream, self.kind)
                return
        record_safely(self.kind, call, self.api.response, call, result)
        call.end(outputs=record_safely(self.kind, call, self.api.outputs, result))

    def _finish_stream(self, call: LLMCall, chunks: list[Any]) -> Any:
        """Record the response the chunks add up to; it is the span's outputs."""
        assert self.api.assemble is not None
        response = self.api.assemble(chunks)
        record_safely(self.kind, call, self.api.response, call, response)
        return self.api.outputs(response)


def record_safely(kind: str, call: LLMCall | None, step: Callable[..., T], *args: Any) -> T | None:
    """Run one recording step. An error there is spanscope's: it is logged and the call goes
    on traced without that detail; under strict mode it is raised, the span ended first."""
    try:
        return step(*args)
    except Exception as exc:
        try:
            log_internal_error(kind, exc)
        except BaseException:
            if call is not None and not call.span.is_ended:
                call.end()
            raise
        return None
