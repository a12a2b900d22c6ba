"""Rows of the SQL tables, built from entities, and entities rebuilt from rows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import orjson
from sqlalchemy import RowMapping

from spanscope.constants import SpanAttributeKey, TraceMetadataKey
from spanscope.entities.experiment import Experiment
from spanscope.entities.span import Span
from spanscope.entities.token_usage import token_count
from spanscope.entities.trace_info import TraceInfo, TraceState
from spanscope.exceptions import InvalidArgumentError, NotFoundError
from spanscope.pricing import span_cost
from spanscope.search.stored_text import has_nul_escape, has_unstorable
from spanscope.store.sql.schema import spans, traces

__all__ = [
    "SPAN_COLUMNS",
    "TRACE_COLUMNS",
    "UnstorableText",
    "experiment_from_row",
    "experiment_number",
    "info_from_row",
    "span_content",
    "span_values",
    "tag_rows",
    "trace_values",
]

# Column order of the tuples `trace_values` and `span_values` build (the tables' own order).
TRACE_COLUMNS = tuple(c.name for c in traces.columns)
SPAN_COLUMNS = tuple(c.name for c in spans.columns)
_RESERVED = (SpanAttributeKey.SPAN_TYPE, SpanAttributeKey.INPUTS, SpanAttributeKey.OUTPUTS)


class UnstorableText(InvalidArgumentError):
    """Raised while building rows of an entity holding U+0000 or a lone surrogate: the store
    cleans the batch (sanitize.py) and writes it again. Checking the rows' own text is nearly
    free; checking every entity before would not be."""


def trace_values(info: TraceInfo, model: str | None = None) -> tuple[Any, ...]:
    """The trace's row; `model` the one metrics group it under (derivation.trace_model)."""
    usage = info.token_usage
    metadata = info.metadata
    try:
        metadata_json = orjson.dumps(metadata).decode()
        tags_json = orjson.dumps(info.tags).decode()
    except TypeError:  # a lone surrogate
        raise UnstorableText("a trace holds text UTF-8 cannot encode") from None
    plain = (
        info.trace_id,
        info.name or "",
        info.request_preview or "",
        info.response_preview or "",
        info.client_request_id or "",
        model or "",
    )
    if has_unstorable("".join(plain)) or has_nul_escape(metadata_json + tags_json):
        raise UnstorableText("a trace holds U+0000")
    return (
        info.trace_id,
        experiment_number(info.experiment_id),
        info.request_time,
        info.execution_duration,
        info.state.value,
        info.name,
        info.request_preview,
        info.response_preview,
        info.client_request_id,
        metadata.get(TraceMetadataKey.SESSION),
        metadata.get(TraceMetadataKey.USER),
        token_count(usage, "input_tokens"),
        token_count(usage, "output_tokens"),
        token_count(usage, "total_tokens"),
        metadata_json,
        tags_json,
        None if info.cost is None else info.cost.get("total"),
        None if info.cost is None else orjson.dumps(info.cost).decode(),
        model,
    )


def tag_rows(trace_id: str, values: Mapping[str, str]) -> list[dict[str, Any]]:
    return [{"trace_id": trace_id, "key": k, "value": v} for k, v in values.items()]


def span_values(span: Span) -> tuple[Any, ...]:
    span_type = span.span_type
    try:
        content = span_content(span, span_type)
    except TypeError:  # a lone surrogate
        raise UnstorableText("a span holds text UTF-8 cannot encode") from None
    # Everything of the span is in its JSON (ids, name, type, status, attributes, events), and
    # orjson escapes NUL and refuses lone surrogates.
    if has_nul_escape(content):
        raise UnstorableText("a span holds U+0000")
    return (
        span.trace_id,
        span.span_id,
        span.parent_id,
        span.name,
        span_type,
        span.status.status_code.value,
        span.start_time_ns,
        span.end_time_ns,
        span.duration_ns,
        content,
        _span_cost_total(span),
    )


def span_content(span: Span, span_type: str | None = None) -> str:
    """`span.to_dict()` as JSON, splicing in the attributes' JSON text as the span keeps it
    (decoding and re-encoding every attribute was the largest cost of writing a span)."""
    attrs = span.attributes_json
    inputs, outputs = attrs.get(SpanAttributeKey.INPUTS), attrs.get(SpanAttributeKey.OUTPUTS)
    content = {
        "trace_id": span.trace_id,
        "span_id": span.span_id,
        "parent_id": span.parent_id,
        "name": span.name,
        "span_type": span.span_type if span_type is None else span_type,
        "start_time_ns": span.start_time_ns,
        "end_time_ns": span.end_time_ns,
        "status": span.status.to_dict(),
        "inputs": None if inputs is None else orjson.Fragment(inputs),
        "outputs": None if outputs is None else orjson.Fragment(outputs),
        "attributes": {k: orjson.Fragment(v) for k, v in attrs.items() if k not in _RESERVED},
        "events": [event.to_dict() for event in span.events],
    }
    return orjson.dumps(content).decode()


def _span_cost_total(span: Span) -> float | None:
    cost = span_cost(span)
    return None if cost is None else float(cost["total"])


def experiment_number(experiment_id: str | int) -> int:
    """The integer key of an experiment id; NotFoundError for ids that cannot exist."""
    try:
        number = int(str(experiment_id))
    except ValueError:
        number = -1
    if not 0 <= number < 2**63:
        raise NotFoundError(f"no experiment with id {experiment_id!r} (ids are integers)")
    return number


def spans_from_rows(contents: Iterable[str]) -> list[Span]:
    return [Span.from_stored(content) for content in contents]


def info_from_row(row: Mapping[str, Any] | RowMapping) -> TraceInfo:
    return TraceInfo(
        trace_id=row["trace_id"],
        experiment_id=str(row["experiment_id"]),
        request_time=int(row["request_time"]),
        execution_duration=row["execution_duration"],
        state=TraceState(row["state"]),
        name=row["name"],
        request_preview=row["request_preview"],
        response_preview=row["response_preview"],
        client_request_id=row["client_request_id"],
        metadata=orjson.loads(row["metadata_json"]),
        tags=orjson.loads(row["tags_json"]),
        cost=_cost(row),
    )


def _cost(row: Mapping[str, Any] | RowMapping) -> dict[str, Any] | None:
    raw = row.get("cost_json")
    return None if raw is None else dict(orjson.loads(raw))


def experiment_from_row(row: Mapping[str, Any] | RowMapping) -> Experiment:
    return Experiment(
        experiment_id=str(row["experiment_id"]),
        name=row["name"],
        created_at=int(row["created_at"]),
        last_update_time=int(row["last_update_time"]),
        tags=orjson.loads(row["tags"] or "{}"),
        trace_count=row.get("trace_count"),
        last_trace_time=row.get("last_trace_time"),
    )
