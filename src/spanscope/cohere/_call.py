"""The span of one call: started from the request, finished from the response."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from spanscope.cohere import _messages
from spanscope.entities.span_type import SpanType
from spanscope.tracing.llm import LLMCall, start_llm_span

__all__ = ["PROVIDER", "CohereCall", "record_response", "start_call", "start_other"]

PROVIDER = "cohere"
KIND = "cohere autolog"  # the kind of internal error: silent=True mutes it


class CohereCall(LLMCall):
    """An LLMCall whose `end` is idempotent: a stream's span may end when the caller closes
    it and again when its iterator is finally collected; only the first end counts."""

    __slots__ = ()

    def end(self, outputs: Any = None, error: BaseException | None = None) -> None:
        if not self.span.is_ended:
            LLMCall.end(self, outputs=outputs, error=error)


def _model(kwargs: Mapping[str, Any]) -> str | None:
    model = kwargs.get("model")
    return model if isinstance(model, str) else None


def start_call(name: str, kwargs: Mapping[str, Any]) -> CohereCall | None:
    """Start the CHAT_MODEL span of a chat call; None when tracing is off or sampled out."""
    # What can fail runs before the span starts, so a failure leaves no open span. The inputs
    # are plain data made here, a snapshot no one else holds: the conversation and tools are
    # read from them when the trace is built, off the caller's thread.
    inputs = _messages.request_inputs(kwargs)
    started = start_llm_span(
        name, provider=PROVIDER, operation="chat", inputs=inputs, model=_model(kwargs)
    )
    if started is None:
        return None
    call = CohereCall(started.span)
    call.defer(KIND, functools.partial(record_request, call, inputs))
    return call


def record_request(call: LLMCall, inputs: Mapping[str, Any]) -> None:
    """Set the conversation (system instructions apart) and tool definitions on the span,
    from the request as plain data (see `_messages.request_inputs`)."""
    messages, system = _messages.input_messages(inputs.get("messages"))
    call.set_input_messages(messages, system=system)
    call.set_tools(_messages.tool_definitions(inputs.get("tools")))


def record_response(call: LLMCall, response: Any) -> None:
    """Set the reply, finish reason, usage and response id on the span, from the response as
    plain data (see `_messages.plain`)."""
    call.set_output_messages(
        _messages.output_messages(response), _messages.finish_reasons(response)
    )
    call.set_usage(_messages.usage(response))
    call.set_response(None, _messages.response_id(response))


def start_other(
    name: str, kwargs: Mapping[str, Any], operation: str, span_type: str
) -> CohereCall | None:
    """Start the span of an embed (EMBEDDING) or rerank (RERANKER) call."""
    inputs = _messages.request_inputs(kwargs)
    started = start_llm_span(
        name,
        provider=PROVIDER,
        operation=operation,
        inputs=inputs,
        model=_model(kwargs),
        span_type=span_type,
    )
    return CohereCall(started.span) if started is not None else None


EMBEDDING = ("embeddings", SpanType.EMBEDDING)
RERANK = ("rerank", SpanType.RERANKER)
