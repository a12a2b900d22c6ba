"""POST /v1/traces: OpenTelemetry OTLP/HTTP ingest (protobuf or JSON, optionally gzip)."""

from __future__ import annotations

import contextlib
from collections import defaultdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request, Response
from starlette.concurrency import run_in_threadpool

from spanscope.constants import (
    CLIENT_LOSSES_HEADER,
    DEFAULT_EXPERIMENT_ID,
    OTLP_TRACES_PATH,
    ExperimentHeader,
)
from spanscope.entities.span import Span
from spanscope.exceptions import AlreadyExistsError, NotFoundError
from spanscope.server.losses import record_losses
from spanscope.server.responses import ERROR_RESPONSES
from spanscope.server.routers.deps import get_store
from spanscope.server.schemas import ErrorBody
from spanscope.store.base import TraceStore

router = APIRouter(tags=["otlp"])

PROTOBUF = "application/x-protobuf"
JSON = "application/json"


@router.post(
    OTLP_TRACES_PATH,
    summary="OTLP/HTTP trace ingest",
    openapi_extra={
        "requestBody": {
            "content": {
                PROTOBUF: {"schema": {"type": "string", "format": "binary"}},
                JSON: {"schema": {"type": "object"}},
            },
            "required": True,
        }
    },
    responses={
        **ERROR_RESPONSES,
        400: {"model": ErrorBody, "description": "Malformed OTLP body (the reason says where)"},
        404: {"model": ErrorBody, "description": f"Unknown experiment id in {ExperimentHeader.ID}"},
        415: {
            "model": ErrorBody,
            "description": "Content type other than protobuf or JSON, or an unsupported "
            "Content-Encoding",
        },
    },
)
async def ingest(
    request: Request,
    store: Annotated[TraceStore, Depends(get_store)],
    experiment_id: Annotated[str | None, Header(alias=ExperimentHeader.ID)] = None,
    experiment_name: Annotated[str | None, Header(alias=ExperimentHeader.NAME)] = None,
) -> Response:
    """Spans of one trace may arrive across requests; writes are idempotent."""
    # RequestBodyMiddleware refused other content types (415) and decompressed the body.
    content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    body = await request.body()
    settings = request.app.state.settings
    # Decoding and storing are blocking work: off the event loop, so other requests go on.
    await run_in_threadpool(
        _store_request,
        store,
        body,
        content_type,
        settings.max_body_bytes,
        experiment_id,
        experiment_name,
        request.headers.get(CLIENT_LOSSES_HEADER),
    )
    # An empty ExportTraceServiceResponse: no partial_success to report.
    if content_type != JSON:
        return Response(b"", media_type=PROTOBUF)
    return Response(b"{}", media_type=JSON)


def _store_request(
    store: TraceStore,
    body: bytes,
    content_type: str,
    max_bytes: int,
    experiment_id: str | None,
    experiment_name: str | None,
    losses: str | None = None,
) -> None:
    from spanscope.otel.decode import decode_request
    from spanscope.otel.ingest import spans_from_request

    ingested = spans_from_request(decode_request(body, content_type, None, max_bytes))
    default = _experiment_from_headers(store, experiment_id, experiment_name)
    groups: dict[str, list[Span]] = defaultdict(list)
    metadata: dict[str, dict[str, str]] = defaultdict(dict)
    resolved: dict[tuple[str | None, str | None], str | None] = {}
    for item in ingested:
        key = (item.experiment_id, item.experiment_name)
        if key not in resolved:
            resolved[key] = _experiment_from_resource(store, item)
        target = default or resolved[key] or DEFAULT_EXPERIMENT_ID
        groups[target].append(item.span)
        if item.trace_metadata:
            metadata[item.span.trace_id].update(item.trace_metadata)
    for target, spans in groups.items():
        store.log_spans(target, spans, metadata)
    if losses is not None and groups:
        record_losses(store, next(iter(groups)), losses)


def _experiment_from_headers(
    store: TraceStore, experiment_id: str | None, experiment_name: str | None
) -> str | None:
    if experiment_id:
        return store.get_experiment(experiment_id).experiment_id
    if experiment_name:
        return _get_or_create(store, experiment_name)
    return None


def _experiment_from_resource(store: TraceStore, item: Any) -> str | None:
    if item.experiment_id:
        try:
            return store.get_experiment(item.experiment_id).experiment_id
        except NotFoundError:
            return None
    if item.experiment_name:
        return _get_or_create(store, item.experiment_name)
    return None


def _get_or_create(store: TraceStore, name: str) -> str:
    found = store.get_experiment_by_name(name)
    if found is not None:
        return found.experiment_id
    with contextlib.suppress(AlreadyExistsError):  # another request created it meanwhile
        return store.create_experiment(name)
    found = store.get_experiment_by_name(name)
    if found is None:
        raise NotFoundError(f"experiment {name!r} could not be created")
    return found.experiment_id
