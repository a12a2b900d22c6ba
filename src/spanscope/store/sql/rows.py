"""Rows of the SQL tables, built from entities, and entities rebuilt from rows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import orjson
from sqlalchemy import RowMapping

from spanscope.constants import TraceMetadataKey
from spanscope.entities.experiment import Experiment
from spanscope.entities.span import Span
from spanscope.entities.trace_info import TraceInfo, TraceState

__all__ = [
    "experiment_from_row",
    "info_from_row",
    "span_row",
    "tag_rows",
    "trace_row",
]


def trace_row(info: TraceInfo) -> dict[str, Any]:
    usage = info.token_usage or {}
    return {
        "trace_id": info.trace_id,
        "experiment_id": int(info.experiment_id),
        "request_time": info.request_time,
        "execution_duration": info.execution_duration,
        "state": info.state.value,
        "name": info.name,
        "request_preview": info.request_preview,
        "response_preview": info.response_preview,
        "client_request_id": info.client_request_id,
        "session_id": info.metadata.get(TraceMetadataKey.SESSION),
        "user_id": info.metadata.get(TraceMetadataKey.USER),
        "input_tokens": usage.get("input_tokens"),
        "output_tokens": usage.get("output_tokens"),
        "total_tokens": usage.get("total_tokens"),
        "metadata_json": orjson.dumps(info.metadata).decode(),
        "tags_json": orjson.dumps(info.tags).decode(),
    }


def tag_rows(trace_id: str, values: Mapping[str, str]) -> list[dict[str, Any]]:
    return [{"trace_id": trace_id, "key": k, "value": v} for k, v in values.items()]


def span_row(span: Span) -> dict[str, Any]:
    return {
        "trace_id": span.trace_id,
        "span_id": span.span_id,
        "parent_id": span.parent_id,
        "name": span.name,
        "span_type": span.span_type,
        "status": span.status.status_code.value,
        "start_time_ns": span.start_time_ns,
        "end_time_ns": span.end_time_ns,
        "duration_ns": span.duration_ns,
        "content": orjson.dumps(span.to_dict()).decode(),
    }


def spans_from_rows(contents: Iterable[str]) -> list[Span]:
    return [Span.from_dict(orjson.loads(content)) for content in contents]


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
    )


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
