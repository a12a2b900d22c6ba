"""Entities as the SQL store keeps them: every U+0000 replaced by U+FFFD, on SQLite as on
PostgreSQL (which cannot hold it), in every text and JSON column alike. See
spanscope.search.stored_text, where the rule lives, and docs/store.md.

The checks are cheap scans for the character (or its JSON escape); only the rare entity that
holds one is rebuilt.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import orjson

from spanscope.entities.span import Span
from spanscope.entities.trace import Trace, TraceData
from spanscope.entities.trace_info import TraceInfo
from spanscope.search.stored_text import NUL, has_nul_json, replace_nul, replace_nul_json
from spanscope.store.sql.rows import span_content

__all__ = ["clean_key_values", "clean_metadata", "clean_spans", "clean_text", "clean_traces"]

clean_text = replace_nul


def clean_traces(batch: Sequence[Trace]) -> Sequence[Trace]:
    """`batch`, with the traces holding a U+0000 rebuilt without it."""
    if not any(_trace_has_nul(t) for t in batch):
        return batch
    return [_clean_trace(t) if _trace_has_nul(t) else t for t in batch]


def clean_spans(spans: Sequence[Span]) -> Sequence[Span]:
    """`spans`, with those holding a U+0000 rebuilt without it."""
    if not any(_span_has_nul(s) for s in spans):
        return spans
    return [_clean_span(s) if _span_has_nul(s) else s for s in spans]


def clean_key_values(values: Mapping[str, str]) -> dict[str, str]:
    """Tags or metadata without U+0000 in keys or values."""
    return {replace_nul(k): replace_nul(v) for k, v in values.items()}


def clean_metadata(
    metadata: Mapping[str, Mapping[str, str]],
) -> dict[str, dict[str, str]]:
    """`log_spans`' metadata by trace id, without U+0000."""
    return {replace_nul(trace_id): clean_key_values(m) for trace_id, m in metadata.items()}


def _trace_has_nul(trace: Trace) -> bool:
    return _info_has_nul(trace.info) or any(_span_has_nul(s) for s in trace.data.spans)


def _info_has_nul(info: TraceInfo) -> bool:
    texts = [
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
    return NUL in "".join(texts)


def _span_has_nul(span: Span) -> bool:
    attributes = span.attributes_json
    plain = [span.trace_id, span.span_id, span.parent_id or "", span.name, *attributes]
    if NUL in "".join(plain) or NUL in span.status.description:
        return True
    if any(has_nul_json(value) for value in attributes.values()):
        return True
    events = span.events
    return bool(events) and has_nul_json(orjson.dumps([e.to_dict() for e in events]).decode())


def _clean_trace(trace: Trace) -> Trace:
    info = trace.info
    cleaned = dataclasses.replace(
        info,
        trace_id=replace_nul(info.trace_id),
        experiment_id=replace_nul(info.experiment_id),
        name=_optional(info.name),
        request_preview=_optional(info.request_preview),
        response_preview=_optional(info.response_preview),
        client_request_id=_optional(info.client_request_id),
        metadata=clean_key_values(info.metadata),
        tags=clean_key_values(info.tags),
    )
    return Trace(cleaned, TraceData(list(clean_spans(trace.data.spans))))


def _clean_span(span: Span) -> Span:
    """The span as the store reads it back: its stored JSON, cleaned, decoded."""
    return Span.from_dict(orjson.loads(replace_nul_json(span_content(span))))


def _optional(text: str | None) -> str | None:
    return None if text is None else replace_nul(text)
