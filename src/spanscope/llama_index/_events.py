"""What LlamaIndex instrumentation events add to the span of the call that emitted them.

Each handler takes the run, its (live) span and the event, and returns True when the event
finishes an LLM call (its end event, or the exception that broke its stream). Handlers are
looked up by the event's `class_name()`, so no event class needs importing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from spanscope.constants import SpanAttributeKey as K
from spanscope.entities.span_event import SpanEvent
from spanscope.entities.span_type import SpanType
from spanscope.llama_index import _messages
from spanscope.llama_index._runs import Run, outputs_of
from spanscope.tracing.live_span import LiveSpan
from spanscope.tracing.llm import LLMCall
from spanscope.tracing.streaming import CHUNK_EVENT, MAX_CHUNK_EVENTS

__all__ = ["HANDLERS"]


def _llm(run: Run, span: LiveSpan, kind: str, operation: str, model_dict: Any) -> LLMCall:
    model = model_dict if isinstance(model_dict, dict) else {}
    span.set_span_type(kind)
    span.set_attribute(K.GEN_AI_PROVIDER, _messages.provider_of(model.get("class_name")))
    span.set_attribute(K.GEN_AI_OPERATION, operation)
    name = model.get("model") or model.get("model_name")
    if name:
        span.set_attribute(K.GEN_AI_REQUEST_MODEL, str(name))
    run.awaiting_llm_end = True
    return LLMCall(span)


def _chat_start(run: Run, span: LiveSpan, event: Any) -> bool:
    call = _llm(run, span, SpanType.CHAT_MODEL, "chat", event.model_dict)
    call.set_input_messages(_messages.chat_messages(event.messages))
    call.set_tools(_messages.tool_definitions((event.additional_kwargs or {}).get("tools")))
    return False


def _completion_start(run: Run, span: LiveSpan, event: Any) -> bool:
    call = _llm(run, span, SpanType.LLM, "text_completion", event.model_dict)
    call.set_input_messages(_messages.text_message("user", event.prompt))
    return False


def _chunk(run: Run, span: LiveSpan, event: Any) -> bool:
    run.streamed = _text(event.response)  # the text so far, for a stream closed early
    now = time.time_ns()
    if run.chunks == 0:
        span.set_attribute(K.TIME_TO_FIRST_TOKEN_NS, now - span.start_time_ns)
    if run.chunks < MAX_CHUNK_EVENTS:
        delta = getattr(event.response, "delta", None)
        span.add_event(SpanEvent(CHUNK_EVENT, now, {"index": run.chunks, "value": delta}))
    run.chunks += 1
    return False


def _llm_end(run: Run, span: LiveSpan, event: Any) -> bool:
    response = event.response
    run.awaiting_llm_end = False
    if response is None:  # a stream that yielded nothing
        return True
    call = LLMCall(span)
    call.set_output_messages(
        _messages.response_message(response), _messages.finish_reasons(response)
    )
    call.set_usage(_messages.usage_of(response))
    call.set_response(_messages.response_model(response))
    run.streamed = _text(response)
    if run.outputs is None:
        run.outputs = outputs_of(span.span_type, response)
    return True


def _text(response: Any) -> Any:
    """The text so far of a (streamed) chat or completion response."""
    message = getattr(response, "message", None)
    return getattr(message, "content", None) if message is not None else response.text


def _exception(run: Run, span: LiveSpan, event: Any) -> bool:
    """A stream broke (or was closed: GeneratorExit, not an error) before its end event."""
    if not run.awaiting_llm_end:
        return False
    run.awaiting_llm_end = False
    error = event.exception
    if not isinstance(error, GeneratorExit):
        span.record_exception(error)
    return True


def _embedding_start(run: Run, span: LiveSpan, event: Any) -> bool:
    model = event.model_dict if isinstance(event.model_dict, dict) else {}
    span.set_attribute(K.GEN_AI_OPERATION, "embeddings")
    span.set_attribute(K.GEN_AI_PROVIDER, _messages.provider_of(model.get("class_name")))
    if model.get("model_name"):
        span.set_attribute(K.GEN_AI_REQUEST_MODEL, str(model["model_name"]))
    return False


def _rerank_start(run: Run, span: LiveSpan, event: Any) -> bool:
    # Node postprocessors are CHAINs until they say they rerank.
    span.set_span_type(SpanType.RERANKER)
    if event.model_name:
        span.set_attribute(K.GEN_AI_REQUEST_MODEL, str(event.model_name))
    return False


HANDLERS: dict[str, Callable[[Run, LiveSpan, Any], bool]] = {
    "LLMChatStartEvent": _chat_start,
    "LLMChatInProgressEvent": _chunk,
    "LLMChatEndEvent": _llm_end,
    "LLMCompletionStartEvent": _completion_start,
    "LLMCompletionInProgressEvent": _chunk,
    "LLMCompletionEndEvent": _llm_end,
    "ExceptionEvent": _exception,
    "EmbeddingStartEvent": _embedding_start,
    "ReRankStartEvent": _rerank_start,
}
