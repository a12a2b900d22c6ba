"""`spanscope.search_spans`: spans across traces from the store of the tracking URI."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from spanscope.constants import SpanAttributeKey
from spanscope.entities.span import Span
from spanscope.exceptions import InvalidArgumentError
from spanscope.store.uri import get_store
from spanscope.tracing.export.queue import flush
from spanscope.tracing.state import STATE

__all__ = ["DATAFRAME_COLUMNS", "search_spans"]

_FLUSH_TIMEOUT_S = 30.0
# The DataFrame's columns, in order.
DATAFRAME_COLUMNS = (
    "trace_id",
    "span_id",
    "parent_id",
    "name",
    "type",
    "status",
    "start_time_ns",
    "end_time_ns",
    "duration_ms",
    "model",
    "inputs",
    "outputs",
    "attributes",
    "span",
)


def search_spans(
    experiment_ids: Sequence[str] | None = None,
    filter_string: str | None = None,
    order_by: Sequence[str] | None = None,
    max_results: int = 100,
    page_token: str | None = None,
    return_type: Literal["list", "pandas"] = "list",
) -> Any:
    """Find spans across traces with a span filter (docs/search.md, "Searching spans"), e.g.
    `type = 'TOOL' AND status = 'ERROR' AND trace.tags.env = 'prod'`; the latest started first
    by default (`order_by=["duration_ms DESC"]` for the slowest).

    Returns a list of Span (each with its `trace_id`) with `.next_page_token`, or a pandas
    DataFrame with the columns DATAFRAME_COLUMNS (`attrs["next_page_token"]` for the next page).
    Spans of traces ended before the call are flushed to the store first, so they are found.
    """
    if return_type not in ("list", "pandas"):
        raise InvalidArgumentError(f"return_type is 'list' or 'pandas', got {return_type!r}")
    if isinstance(experiment_ids, str):
        raise InvalidArgumentError("experiment_ids takes a list of strings")
    flush(_FLUSH_TIMEOUT_S)
    ids = [str(i) for i in experiment_ids] if experiment_ids is not None else [STATE.experiment_id]
    page = get_store().search_spans(ids, filter_string, order_by, max_results, page_token)
    if return_type == "list":
        return page
    return _to_pandas(page, page.next_page_token)


def _model(span: Span) -> str | None:
    for key in (SpanAttributeKey.GEN_AI_RESPONSE_MODEL, SpanAttributeKey.GEN_AI_REQUEST_MODEL):
        value = span.get_attribute(key)
        if isinstance(value, str):
            return value
    return None


def _to_pandas(spans: Sequence[Span], next_page_token: str | None) -> Any:
    try:
        import pandas as pd
    except ImportError:
        raise InvalidArgumentError(
            "return_type='pandas' needs pandas: pip install 'spanscope[pandas]'"
        ) from None
    records = [
        {
            "trace_id": s.trace_id,
            "span_id": s.span_id,
            "parent_id": s.parent_id,
            "name": s.name,
            "type": s.span_type,
            "status": s.status.status_code.value,
            "start_time_ns": s.start_time_ns,
            "end_time_ns": s.end_time_ns,
            "duration_ms": None if s.duration_ns is None else s.duration_ns / 1_000_000,
            "model": _model(s),
            "inputs": s.inputs,
            "outputs": s.outputs,
            "attributes": s.attributes,
            "span": s,
        }
        for s in spans
    ]
    frame = pd.DataFrame.from_records(records, columns=list(DATAFRAME_COLUMNS))
    frame.attrs["next_page_token"] = next_page_token
    return frame
