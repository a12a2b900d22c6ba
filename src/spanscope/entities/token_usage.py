"""Trace-level token usage: the sum over spans, counting a span only if no ancestor has usage."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from spanscope.constants import SpanAttributeKey as K
from spanscope.entities.span import Span

__all__ = ["aggregate_token_usage", "token_count"]

_INT64 = 2**63

_FIELDS = (
    ("input_tokens", K.GEN_AI_INPUT_TOKENS),
    ("output_tokens", K.GEN_AI_OUTPUT_TOKENS),
    ("cache_read_input_tokens", K.GEN_AI_CACHE_READ_TOKENS),
    ("cache_creation_input_tokens", K.GEN_AI_CACHE_CREATION_TOKENS),
)

_KEYS = tuple(key for _, key in _FIELDS)


def aggregate_token_usage(spans: Sequence[Span]) -> dict[str, int] | None:
    """Totals of input, output (and cache) tokens, or None when no span reports usage."""
    usage: dict[str, dict[str, int]] = {}
    for span in spans:
        attrs = span.attributes_json
        if not any(key in attrs for key in _KEYS):  # most spans: no decoding at all
            continue
        found = {}
        for name, key in _FIELDS:
            value = span.get_attribute(key)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                found[name] = int(value)
        if found:
            usage[span.span_id] = found
    if not usage:
        return None
    parents = {span.span_id: span.parent_id for span in spans}
    totals: dict[str, int] = {"input_tokens": 0, "output_tokens": 0}
    for span_id, found in usage.items():
        if _has_reporting_ancestor(span_id, parents, usage):
            continue
        for name, value in found.items():
            totals[name] = totals.get(name, 0) + value
    totals["total_tokens"] = totals["input_tokens"] + totals["output_tokens"]
    return totals


def _has_reporting_ancestor(
    span_id: str, parents: dict[str, str | None], usage: dict[str, dict[str, int]]
) -> bool:
    seen = {span_id}
    parent = parents.get(span_id)
    while parent is not None and parent not in seen:
        if parent in usage:
            return True
        seen.add(parent)
        parent = parents.get(parent)
    return False


def token_count(usage: Mapping[str, Any] | None, name: str) -> int | None:
    """The count `name` ("input_tokens", "output_tokens", "total_tokens") of a trace's usage as
    stores keep and search it: a non-negative integer (not a bool) a 64-bit column holds, else
    None (usage metadata written by hand may hold anything; a count is never negative, so
    searches can sort a trace without usage below every count)."""
    value = None if usage is None else usage.get(name)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < _INT64:
        return value
    return None
