"""The span of one call: started from the request, finished from the response."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from spanscope.entities.chat import field
from spanscope.entities.span_type import SpanType
from spanscope.google_genai import _messages
from spanscope.tracing.live_span import LiveSpan
from spanscope.tracing.llm import LLMCall, start_llm_span

__all__ = [
    "GEMINI",
    "VERTEX",
    "GenAICall",
    "provider_of",
    "record_embedding",
    "record_response",
    "start_call",
    "start_embedding",
]

GEMINI = "gcp.gemini"
VERTEX = "gcp.vertex_ai"


class GenAICall(LLMCall):
    """An LLMCall whose `end` is idempotent: a stream's span may end when the caller closes
    it and again when its iterator is finally collected; only the first end counts."""

    __slots__ = ("system",)

    def __init__(self, span: LiveSpan, system: list[dict[str, Any]] | None = None) -> None:
        super().__init__(span)
        # Kept for automatic function calling, whose exchange replaces the input messages.
        self.system = system

    def end(self, outputs: Any = None, error: BaseException | None = None) -> None:
        if not self.span.is_ended:
            LLMCall.end(self, outputs=outputs, error=error)


def provider_of(models: Any) -> str:
    """`gcp.vertex_ai` for a client on Vertex AI, else `gcp.gemini` (the Gemini API)."""
    client = getattr(models, "_api_client", None)
    return VERTEX if getattr(client, "vertexai", False) is True else GEMINI


def _model(kwargs: Mapping[str, Any]) -> str | None:
    model = kwargs.get("model")
    if not isinstance(model, str):
        return None
    # "models/gemini-x" and "gemini-x" name the same model; the API answers with the short one.
    return model.removeprefix("models/")


def start_call(
    name: str,
    kwargs: Mapping[str, Any],
    provider: str,
    declare: _messages.Declare | None = None,
) -> GenAICall | None:
    """Start the CHAT_MODEL span of a generate call; None when tracing is off or sampled out."""
    # Everything that can fail runs before the span starts, so a failure leaves no open span.
    config = kwargs.get("config")
    messages = _messages.content_messages(kwargs.get("contents"))
    system = _messages.system_messages(field(config, "system_instruction"))
    tools = _messages.tool_definitions(field(config, "tools"), declare)
    inputs = _messages.request_inputs(kwargs)
    started = start_llm_span(
        name, provider=provider, operation="chat", inputs=inputs, model=_model(kwargs)
    )
    if started is None:
        return None
    call = GenAICall(started.span, system)
    try:
        if messages is not None or system is not None:
            call.set_input_messages(messages or [], system=system)
        call.set_tools(tools)
    except BaseException:
        call.end()
        raise
    return call


def record_response(call: GenAICall, response: Any) -> None:
    """Set the response's messages, finish reasons, usage, model and id on the span.

    When the SDK called the caller's functions itself (automatic function calling), the input
    messages become the whole exchange: the contents, each function call and its result.
    """
    history = _messages.afc_history(response)
    if history:
        call.set_input_messages(history, system=call.system)
    call.set_output_messages(
        _messages.output_messages(response), _messages.finish_reasons(response)
    )
    call.set_usage(_messages.usage(response))
    call.set_response(*_messages.response_ids(response))


def start_embedding(name: str, kwargs: Mapping[str, Any], provider: str) -> GenAICall | None:
    """Start the EMBEDDING span of an embed call; None when tracing is off or sampled out."""
    inputs = _messages.request_inputs(kwargs)
    started = start_llm_span(
        name,
        provider=provider,
        operation="embeddings",
        inputs=inputs,
        model=_model(kwargs),
        span_type=SpanType.EMBEDDING,
    )
    return GenAICall(started.span) if started is not None else None


def record_embedding(call: GenAICall, response: Any) -> None:
    call.set_usage(_messages.embedding_usage(response))
