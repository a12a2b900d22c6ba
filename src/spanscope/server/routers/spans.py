"""/api/v1/spans: spans across traces."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from spanscope.server.responses import ERROR_RESPONSES, Json
from spanscope.server.routers.deps import get_store
from spanscope.server.schemas import SearchSpans, SpanPage
from spanscope.store.base import TraceStore

router = APIRouter(prefix="/api/v1", tags=["spans"], responses=ERROR_RESPONSES)
StoreDep = Annotated[TraceStore, Depends(get_store)]


@router.post("/spans/search", response_model=SpanPage)
def search_spans(body: SearchSpans, store: StoreDep) -> Response:
    """Find spans (each with its trace id) with a span filter: span fields unprefixed
    (`type = 'TOOL' AND status = 'ERROR'`), the span's trace as `trace.<field>`; ordered by
    span fields (`duration_ms DESC`; default `start_time_ms DESC`); keyset pages via
    `next_page_token`."""
    page = store.search_spans(
        body.experiment_ids, body.filter, body.order_by, body.max_results, body.page_token
    )
    return Json({"spans": [s.to_dict() for s in page], "next_page_token": page.next_page_token})
