"""POST /v1/logs: OpenTelemetry OTLP/HTTP log ingest; /v1/metrics: a clear "not stored".

GenAI events sent as log records become the chat messages of their span, other log records
with a span id its events (spanscope.otel.logs); whichever of the span and its log records
arrives first, the store puts them together (store/sql/log_records.py). Records with a trace
id but no span id go to the trace's root span; records without a trace id are dropped, reported
in the answer's `partial_success` (which OpenTelemetry's Python exporter does not read) and in
the server's log.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request, Response
from starlette.concurrency import run_in_threadpool

from spanscope.constants import CLIENT_LOSSES_HEADER, OTLP_LOGS_PATH, ExperimentHeader
from spanscope.server.losses import record_losses
from spanscope.server.responses import error_response
from spanscope.server.routers.deps import get_store
from spanscope.server.routers.otlp import (
    JSON,
    OTLP_ERROR_RESPONSES,
    OTLP_REQUEST_BODY,
    PROTOBUF,
    ExperimentNames,
    experiment_names,
    routed_experiment,
)
from spanscope.server.schemas import ErrorBody
from spanscope.store.base import TraceStore

__all__ = ["OTLP_LOGS_PATH", "OTLP_METRICS_PATH", "UNSUPPORTED_SIGNAL_MESSAGE", "router"]

router = APIRouter(tags=["otlp"])
_logger = logging.getLogger("spanscope.server")
# Drops are logged at most once a minute: a client sending plain logs would fill the log.
_WARN_EVERY_S = 60.0
_warned = {"at": float("-inf")}
_warned_lock = threading.Lock()

OTLP_METRICS_PATH = "/v1/metrics"
UNSUPPORTED_SIGNAL_MESSAGE = (
    "spanscope ingests OTLP traces (/v1/traces) and logs (/v1/logs); metrics are not stored"
)


@router.post(
    OTLP_LOGS_PATH,
    summary="OTLP/HTTP log ingest",
    description="GenAI events become the chat messages of their span, other log records "
    "its events (with a trace id but no span id: of the trace's root span); records without "
    "a trace id are dropped and counted in the answer's `partial_success` "
    "(`rejected_log_records`, `error_message`).",
    openapi_extra=OTLP_REQUEST_BODY,
    responses=OTLP_ERROR_RESPONSES,
)
async def ingest_logs(
    request: Request,
    store: Annotated[TraceStore, Depends(get_store)],
    experiment_id: Annotated[str | None, Header(alias=ExperimentHeader.ID)] = None,
    experiment_name: Annotated[str | None, Header(alias=ExperimentHeader.NAME)] = None,
) -> Response:
    """Log records of one span may arrive across requests, before or after the span; writes
    are idempotent."""
    # RequestBodyMiddleware refused other content types (415), capped and decompressed the body.
    content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    body = await request.body()
    settings = request.app.state.settings
    answer = await run_in_threadpool(
        _store_logs,
        store,
        body,
        content_type,
        settings.max_body_bytes,
        experiment_id,
        experiment_name,
        request.headers.get(CLIENT_LOSSES_HEADER),
        experiment_names(request),
    )
    return Response(answer, media_type=JSON if content_type == JSON else PROTOBUF)


@router.post(
    OTLP_METRICS_PATH,
    summary="OTLP/HTTP metrics: not stored",
    description=UNSUPPORTED_SIGNAL_MESSAGE,
    status_code=404,
    responses={404: {"model": ErrorBody, "description": "Always: metrics are not stored"}},
)
async def refuse_metrics() -> Response:
    """A 404 that names the supported signals: an OTLP exporter does not retry it."""
    return error_response(404, "UNSUPPORTED_SIGNAL", UNSUPPORTED_SIGNAL_MESSAGE)


def _store_logs(
    store: TraceStore,
    body: bytes,
    content_type: str,
    max_bytes: int,
    experiment_id: str | None,
    experiment_name: str | None,
    losses: str | None,
    names: ExperimentNames,
) -> bytes:
    from spanscope.otel.logs import decode_logs_request, logs_response, records_from_request

    batch = records_from_request(decode_logs_request(body, content_type, None, max_bytes))
    # Routing as for /v1/traces: an unknown experiment id in a header is a 404, a name is
    # created on first use. The records go with their span, wherever its trace is; the
    # experiment only receives the client's loss report.
    target = routed_experiment(store, names, experiment_id, experiment_name, batch.experiments)
    if batch.records:
        store.log_span_records(batch.records)
        if losses is not None:
            record_losses(store, target, losses)
    if batch.rejected:
        _warn_dropped(batch.rejection_message())
    return logs_response(batch, as_json=content_type == JSON)


def _warn_dropped(message: str) -> None:
    """Exporters rarely surface partial_success: the operator hears of dropped records here."""
    now = time.monotonic()
    with _warned_lock:
        due = now - _warned["at"] >= _WARN_EVERY_S
        if due:
            _warned["at"] = now
    if due:
        _logger.warning("OTLP logs: %s (logged at most once a minute)", message)
