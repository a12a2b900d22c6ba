"""OpenLLMetry (Traceloop) attributes mapped onto the spanscope span.

* Decorator spans (`@workflow`, `@task`, `@agent`, `@tool`) carry `traceloop.span.kind`: it
  gives the type (WORKFLOW, TASK, AGENT, TOOL; the JavaScript SDK's `session` is a CHAIN), and
  `traceloop.entity.input` / `.output` (JSON text: `{"args": [...], "kwargs": {...}}` and the
  return value) become the inputs and outputs, decoded.
* `traceloop.association.properties.session_id` / `.user_id` name the trace's session and
  user (they stay attributes as well).
* LLM spans have no Traceloop kind. The legacy format (Python before 0.55, older JavaScript)
  is mostly GenAI-shaped and left to the GenAI step (`llm.request.type`, the indexed
  `gen_ai.prompt.N.*` / `gen_ai.completion.N.*` messages, `gen_ai.usage.prompt_tokens`); here
  its own `llm.*` keys move to GenAI ones: reasoning and cache-read token counts, the finish
  reason, and a capitalised `gen_ai.system` ("OpenAI") is lower-cased. `llm.usage.total_tokens`
  is dropped when it is input + output. Anything else stays an attribute.
"""

from __future__ import annotations

from typing import Any

from spanscope.constants import SpanAttributeKey as K
from spanscope.constants import TraceMetadataKey
from spanscope.otel.conventions import TRACELOOP_SPAN_TYPES, GenAIKey
from spanscope.otel.conventions import TraceloopKey as TL
from spanscope.otel.draft import SpanDraft, move, parse_json
from spanscope.otel.genai import drop_consistent_total

__all__ = ["apply_openllmetry", "is_openllmetry"]

_PREFIXES = ("traceloop.", "llm.")
_MOVES = (
    (TL.USAGE_REASONING_TOKENS, K.GEN_AI_REASONING_TOKENS),
    (TL.USAGE_CACHE_READ_TOKENS, K.GEN_AI_CACHE_READ_TOKENS),
    (GenAIKey.PROMPT_TOKENS, K.GEN_AI_INPUT_TOKENS),
    (GenAIKey.COMPLETION_TOKENS, K.GEN_AI_OUTPUT_TOKENS),
)


def is_openllmetry(key: str) -> bool:
    """Whether an attribute key is one this module reads."""
    return key.startswith(_PREFIXES)


def apply_openllmetry(draft: SpanDraft) -> None:
    """Map OpenLLMetry attributes of a foreign span (see the module docstring)."""
    attrs = draft.attributes
    kind = attrs.get(TL.SPAN_KIND)
    if isinstance(kind, str) and draft.span_type is None:
        span_type = TRACELOOP_SPAN_TYPES.get(kind.lower())
        if span_type is not None:
            draft.span_type = span_type
            del attrs[TL.SPAN_KIND]
    if draft.inputs is None and TL.ENTITY_INPUT in attrs:
        draft.inputs = parse_json(attrs.pop(TL.ENTITY_INPUT), containers_only=False)
    if draft.outputs is None and TL.ENTITY_OUTPUT in attrs:
        draft.outputs = parse_json(attrs.pop(TL.ENTITY_OUTPUT), containers_only=False)
    _association(draft)
    if GenAIKey.LLM_REQUEST_TYPE in attrs:
        _legacy_llm(attrs)


def _association(draft: SpanDraft) -> None:
    attrs = draft.attributes
    for names, metadata_key in (
        (TL.SESSION_PROPERTIES, TraceMetadataKey.SESSION),
        (TL.USER_PROPERTIES, TraceMetadataKey.USER),
    ):
        for name in names:
            value = attrs.get(TL.ASSOCIATION_PREFIX + name)
            if value is not None and value != "":
                draft.trace_metadata.setdefault(metadata_key, _text(value))
                break


def _legacy_llm(attrs: dict[str, Any]) -> None:
    for old, new in _MOVES:
        move(attrs, old, new)
    drop_consistent_total(attrs, TL.USAGE_TOTAL_TOKENS)
    system = attrs.get(GenAIKey.SYSTEM)
    if isinstance(system, str) and K.GEN_AI_PROVIDER not in attrs:
        attrs[K.GEN_AI_PROVIDER] = system.lower()
        del attrs[GenAIKey.SYSTEM]
    if K.GEN_AI_FINISH_REASONS not in attrs:
        for key in (TL.RESPONSE_FINISH_REASON, TL.RESPONSE_FINISH_REASON_NEW):
            reason = attrs.get(key)
            if isinstance(reason, str) and reason:
                attrs[K.GEN_AI_FINISH_REASONS] = [attrs.pop(key)]
                break


def _text(value: Any) -> str:
    return value if isinstance(value, str) else str(value)
