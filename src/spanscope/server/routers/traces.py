"""/api/v1/traces and /api/v1/sessions"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from spanscope.constants import CLIENT_LOSSES_HEADER
from spanscope.entities.trace import Trace
from spanscope.server.losses import record_losses
from spanscope.server.responses import ERROR_RESPONSES, Json
from spanscope.server.routers.deps import get_store
from spanscope.server.schemas import (
    DeletedCount,
    DeleteTraces,
    SearchSessions,
    SearchTraces,
    SessionPage,
    SetTag,
    TraceModel,
    TracePage,
    WriteTraces,
)
from spanscope.store.base import TraceStore

router = APIRouter(prefix="/api/v1", tags=["traces"], responses=ERROR_RESPONSES)
StoreDep = Annotated[TraceStore, Depends(get_store)]
TOTAL_COUNT_CAP = 10_000
# The body is read raw (it may be gzip), so FastAPI does not register WriteTraces itself: the
# schema goes inline, its nested models referring to components other routes register.
_WRITE_TRACES_SCHEMA = {
    k: v
    for k, v in WriteTraces.model_json_schema(ref_template="#/components/schemas/{model}").items()
    if k != "$defs"
}


@router.post(
    "/traces",
    status_code=204,
    openapi_extra={
        "requestBody": {
            "content": {"application/json": {"schema": _WRITE_TRACES_SCHEMA}},
            "required": True,
        }
    },
)
async def write_traces(request: Request, store: StoreDep) -> Response:
    """Store finished traces (the SDK's remote logging). The body may be gzip-encoded."""
    # Already decompressed (capped) and checked to be UTF-8 by RequestBodyMiddleware.
    body = await request.body()
    # Validating and storing are blocking work: off the event loop, so other requests go on.
    losses = request.headers.get(CLIENT_LOSSES_HEADER)
    await run_in_threadpool(_write_traces, store, body, losses)
    return Response(status_code=204)


def _write_traces(store: TraceStore, body: bytes, losses: str | None) -> None:
    try:
        batch = WriteTraces.model_validate_json(body)
    except ValidationError as exc:
        # The same 422 as for any other invalid request body: each error's field.
        errors = [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
        raise RequestValidationError(errors) from None
    traces = [Trace.from_dict(t.model_dump()) for t in batch.traces]
    store.write_traces(traces)
    if losses is not None and traces:
        record_losses(store, traces[0].info.experiment_id, losses)


@router.post("/traces/search", response_model=TracePage)
def search_traces(body: SearchTraces, store: StoreDep) -> Response:
    """Find traces with the filter language; keyset pages via `next_page_token`."""
    page = store.search_traces(
        body.experiment_ids,
        body.filter,
        body.order_by,
        body.max_results,
        body.page_token,
        body.include_spans,
    )
    result: dict[str, object] = {
        "traces": [t.to_dict() for t in page],
        "next_page_token": page.next_page_token,
    }
    if body.include_total:
        # Counted up to a cap: an exact count of a broad filter over millions of traces would
        # read every match on each page turn; "10,000+" says enough.
        count = store.count_traces(body.experiment_ids, body.filter, TOTAL_COUNT_CAP)
        result["total_count"] = min(count, TOTAL_COUNT_CAP)
        result["total_count_capped"] = count > TOTAL_COUNT_CAP
    return Json(result)


@router.get("/traces/{trace_id}", response_model=TraceModel)
def get_trace(
    trace_id: str, store: StoreDep, include_spans: Annotated[bool, Query()] = True
) -> Response:
    return Json(store.get_trace(trace_id, include_spans).to_dict())


@router.post("/traces/delete", response_model=DeletedCount)
def delete_traces(body: DeleteTraces, store: StoreDep) -> Response:
    deleted = store.delete_traces(
        body.experiment_id, body.trace_ids, body.older_than_ms, body.max_traces
    )
    return Json({"deleted": deleted})


# `key:path`: a key may hold "/" (sent as %2F, which the server decodes before routing).
@router.put("/traces/{trace_id}/tags/{key:path}", status_code=204)
def set_trace_tag(trace_id: str, key: str, body: SetTag, store: StoreDep) -> Response:
    store.set_trace_tag(trace_id, key, body.value)
    return Response(status_code=204)


@router.delete("/traces/{trace_id}/tags/{key:path}", status_code=204)
def delete_trace_tag(trace_id: str, key: str, store: StoreDep) -> Response:
    store.delete_trace_tag(trace_id, key)
    return Response(status_code=204)


@router.post("/sessions/search", response_model=SessionPage)
def search_sessions(body: SearchSessions, store: StoreDep) -> Response:
    """Traces grouped by session id, the most recently active first."""
    page = store.search_sessions(
        body.experiment_ids, body.max_results, body.page_token, query=body.query
    )
    return Json({"sessions": [s.to_dict() for s in page], "next_page_token": page.next_page_token})
