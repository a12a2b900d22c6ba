"""Entities as the SQL store keeps them: U+0000 and lone surrogates replaced by U+FFFD, on SQLite
as on PostgreSQL, in every text and JSON column alike. See spanscope.search.stored_text, where
the rule lives, and docs/store.md.

The checks are scans for those characters (or the JSON escape of NUL) over text the entities
already hold; only the rare entity holding one is rebuilt.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from spanscope.entities.span import Span
from spanscope.entities.trace import Trace, TraceData
from spanscope.search.stored_text import (
    has_unstorable,
    has_unstorable_json,
    replace_unstorable,
    replace_unstorable_deep,
)

__all__ = ["clean_key_values", "clean_metadata", "clean_spans", "clean_text", "clean_traces"]

clean_text = replace_unstorable


def clean_traces(batch: Sequence[Trace]) -> Sequence[Trace]:
    """`batch`, with the traces holding an unstorable character rebuilt without it."""
    if not any(_trace_has_unstorable(t) for t in batch):
        return batch
    return [_clean_trace(t) if _trace_has_unstorable(t) else t for t in batch]


def clean_spans(spans: Sequence[Span]) -> Sequence[Span]:
    """`spans`, with those holding an unstorable character rebuilt without it."""
    if not any(_span_has_unstorable(s) for s in spans):
        return spans
    return [_clean_span(s) if _span_has_unstorable(s) else s for s in spans]


def clean_key_values(values: Mapping[str, str]) -> dict[str, str]:
    """Tags or metadata, keys and values as stored."""
    return {replace_unstorable(k): replace_unstorable(v) for k, v in values.items()}


def clean_metadata(
    metadata: Mapping[str, Mapping[str, str]],
) -> dict[str, dict[str, str]]:
    """`log_spans`' metadata by trace id, as stored."""
    return {replace_unstorable(trace_id): clean_key_values(m) for trace_id, m in metadata.items()}


def _trace_has_unstorable(trace: Trace) -> bool:
    """One scan over every text of the trace, joined (the JSON escape of NUL included: a
    false positive only costs a rebuild that changes nothing)."""
    info = trace.info
    parts = [
        info.trace_id,
        info.experiment_id,
        info.name or "",
        info.request_preview or "",
        info.response_preview or "",
        info.client_request_id or "",
        *info.metadata,
        *info.metadata.values(),
        *info.tags,
        *info.tags.values(),
    ]
    events = False
    for span in trace.data.spans:
        _span_texts(span, parts)
        events = events or bool(span.events)
    if _joined_has_unstorable(parts):
        return True
    return events and any(_events_have_unstorable(s) for s in trace.data.spans)


def _span_has_unstorable(span: Span) -> bool:
    parts: list[str] = []
    _span_texts(span, parts)
    return _joined_has_unstorable(parts) or _events_have_unstorable(span)


def _span_texts(span: Span, parts: list[str]) -> None:
    attributes = span.attributes_json
    parts += (span.trace_id, span.span_id, span.parent_id or "", span.name)
    parts.append(span.status.description)
    parts += attributes
    parts += attributes.values()


def _joined_has_unstorable(parts: list[str]) -> bool:
    return has_unstorable_json("".join(parts))


def _events_have_unstorable(span: Span) -> bool:
    return any(_holds_unstorable(event.to_dict()) for event in span.events)


def _holds_unstorable(value: Any) -> bool:
    if isinstance(value, str):
        return has_unstorable(value)
    if isinstance(value, dict):
        return any(_holds_unstorable(k) or _holds_unstorable(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(_holds_unstorable(v) for v in value)
    return False


def _clean_trace(trace: Trace) -> Trace:
    info = trace.info
    cleaned = dataclasses.replace(
        info,
        trace_id=replace_unstorable(info.trace_id),
        experiment_id=replace_unstorable(info.experiment_id),
        name=_optional(info.name),
        request_preview=_optional(info.request_preview),
        response_preview=_optional(info.response_preview),
        client_request_id=_optional(info.client_request_id),
        metadata=clean_key_values(info.metadata),
        tags=clean_key_values(info.tags),
    )
    return Trace(cleaned, TraceData(list(clean_spans(trace.data.spans))))


def _clean_span(span: Span) -> Span:
    """The span as the store reads it back: every string of it, keys too, as stored."""
    return Span.from_dict(replace_unstorable_deep(span.to_dict()))


def _optional(text: str | None) -> str | None:
    return None if text is None else replace_unstorable(text)
