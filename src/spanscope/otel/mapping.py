"""Which conventions apply to an ingested span, and in what order.

* A span written by spanscope (it has `spanscope.span.type`: the Python SDK's OTLP export, the
  TypeScript SDK) is taken as it is: type, inputs and outputs come from the reserved keys
  (JSON text), structured GenAI attributes sent as JSON text are decoded, nothing else changes.
* Any other span goes through the mappers whose attributes it carries, chosen per span by the
  keys present: OpenLLMetry (`traceloop.*`, `llm.*`), Logfire / Pydantic AI (`logfire.*`,
  `pydantic_ai.*`, `gen_ai.aggregated_usage.*`), the Vercel AI SDK (`ai.*`), OpenInference
  (its own check), then OpenTelemetry GenAI, which every span goes through last; for each field
  (type, inputs, outputs, a GenAI attribute) the first mapper that provides it wins.
* `span_name` gives the name a span is shown under: a Logfire span is named by its message
  template (`app run {who}`) and gets the formatted message (`app run alice`).
* A spanscope root span may carry the trace's other metadata in `spanscope.trace.metadata` (a
  key-value list, what the TypeScript SDK's `updateCurrentTrace({ metadata })` sets): it is
  reported as trace metadata, not kept as an attribute.
* `session.id` and `user.id` are trace-level in spanscope, so they are reported as trace
  metadata (`gen_ai.conversation.id` names the session when `session.id` is absent). On a
  spanscope span they were put there by the exporter from the trace metadata, so they leave
  the span's attributes; on any other span they stay attributes as well.
"""

from __future__ import annotations

from typing import Any

import orjson

from spanscope.constants import SpanAttributeKey, TraceMetadataKey
from spanscope.otel.conventions import GenAIKey, OtelKey
from spanscope.otel.draft import SpanDraft
from spanscope.otel.genai import apply_genai, decode_genai_content
from spanscope.otel.logfire import apply_logfire, is_logfire, span_name
from spanscope.otel.openinference import apply_openinference
from spanscope.otel.openllmetry import apply_openllmetry, is_openllmetry
from spanscope.otel.vercel import apply_vercel, is_vercel

__all__ = ["apply_conventions", "span_name"]

# Mappers of one source each, in the order they run: (does this key belong to it, mapper).
_MAPPERS = (
    (is_openllmetry, apply_openllmetry),
    (is_logfire, apply_logfire),
    (is_vercel, apply_vercel),
)

_TRACE_METADATA = (
    (OtelKey.SESSION_ID, TraceMetadataKey.SESSION),
    (OtelKey.USER_ID, TraceMetadataKey.USER),
)


def apply_conventions(draft: SpanDraft) -> None:
    """Fill the draft's type, inputs, outputs and normalised attributes in place."""
    attrs = draft.attributes
    ours = SpanAttributeKey.SPAN_TYPE in attrs
    for key, metadata_key in _TRACE_METADATA:
        value = attrs.pop(key, None) if ours else attrs.get(key)
        if value is not None:
            draft.trace_metadata[metadata_key] = _text(value)
    conversation = attrs.get(GenAIKey.CONVERSATION_ID)
    if conversation is not None:
        draft.trace_metadata.setdefault(TraceMetadataKey.SESSION, _text(conversation))
    if ours:
        metadata = _reserved(attrs.pop(SpanAttributeKey.TRACE_METADATA, None))
        if isinstance(metadata, dict):
            draft.trace_metadata.update({str(k): _text(v) for k, v in metadata.items()})
        span_type = _reserved(attrs.pop(SpanAttributeKey.SPAN_TYPE))
        draft.span_type = span_type if isinstance(span_type, str) else _text(span_type)
        if SpanAttributeKey.INPUTS in attrs:
            draft.inputs = _reserved(attrs.pop(SpanAttributeKey.INPUTS))
        if SpanAttributeKey.OUTPUTS in attrs:
            draft.outputs = _reserved(attrs.pop(SpanAttributeKey.OUTPUTS))
        decode_genai_content(attrs)
        return
    found = _mappers_for(attrs)
    for index, (_, apply) in enumerate(_MAPPERS):
        if found[index]:
            apply(draft)
    apply_openinference(draft)
    apply_genai(draft)


def _mappers_for(attrs: dict[str, Any]) -> list[bool]:
    """Which of `_MAPPERS` apply: one pass over the keys (this runs for every foreign span)."""
    found = [False] * len(_MAPPERS)
    for key in attrs:
        for index, (belongs, _) in enumerate(_MAPPERS):
            if not found[index] and belongs(key):
                found[index] = True
    return found


def _reserved(value: Any) -> Any:
    # Reserved keys hold JSON text; a producer that sent a plain value still gets it through.
    if not isinstance(value, str):
        return value
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError:
        return value


def _text(value: Any) -> str:
    return value if isinstance(value, str) else orjson.dumps(value).decode()
