"""The SELECT behind search_spans: spans joined to their trace, a span filter, keyset paging."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select

from spanscope.search import parse_span_filter, parse_span_order_by
from spanscope.store.sql.filters import FOLD_COLLATION, make_context
from spanscope.store.sql.pagination import after_token, decode_token, encode_token
from spanscope.store.sql.schema import spans, traces
from spanscope.store.sql.span_filters import compile_span_filter

__all__ = ["SpanSearchQuery"]

# Sort keys: never NULL, so keyset comparisons stay two-valued.
_SORT_KEYS: dict[str, tuple[Any, Callable[[dict[str, Any]], Any]]] = {
    "start_time_ms": (spans.c.start_time_ns, lambda r: r["start_time_ns"]),
    "duration_ms": (
        func.coalesce(spans.c.duration_ns, -1),
        lambda r: -1 if r["duration_ns"] is None else r["duration_ns"],
    ),
    "name": (spans.c.name, lambda r: r["name"]),
    "type": (spans.c.span_type, lambda r: r["span_type"]),
    "status": (spans.c.status, lambda r: r["status"]),
    "trace_id": (spans.c.trace_id, lambda r: r["trace_id"]),
    "span_id": (spans.c.span_id, lambda r: r["span_id"]),
}
_DEFAULT_ORDER = ["start_time_ms DESC"]


class SpanSearchQuery:
    """One span search: experiments, parsed span filter, order; builds pages and tokens."""

    def __init__(
        self,
        experiment_ids: Sequence[int],
        filter_string: str | None,
        order_by: Sequence[str] | None,
        dialect: str,
        *,
        fold_collation: str | None = FOLD_COLLATION,
        case_stable: Callable[[], frozenset[str]] | None = None,
    ) -> None:
        self.experiment_ids = list(experiment_ids)
        self.expr = parse_span_filter(filter_string)
        orders = parse_span_order_by(list(order_by) if order_by else _DEFAULT_ORDER)
        keys = [(o.field, o.ascending) for o in orders]
        # (trace_id, span_id) is unique: it ends every order so pages never skip or repeat.
        for tie in ("trace_id", "span_id"):
            if tie not in [k for k, _ in keys]:
                keys.append((tie, keys[-1][1]))
        self.keys = keys
        self.context = make_context(dialect, fold_collation, case_stable)
        signature = f"spans|{sorted(self.experiment_ids)}|{filter_string or ''}|{keys}"
        self.token_context = hashlib.sha256(signature.encode(errors="surrogatepass")).hexdigest()[
            :16
        ]

    def statement(self, limit: int, page_token: str | None) -> Select[Any]:
        experiment: ColumnElement[Any] = traces.c.experiment_id
        if self.context.dialect == "sqlite":
            # Else SQLite drives the join from the experiment's traces and sorts all their spans
            # (seconds on a million traces); so it walks the spans in the order asked, from an
            # index, probing each one's trace, and stops after a page.
            experiment = experiment + 0
        stmt = (
            select(spans.c.content, *(spans.c[c] for c in _ROW_COLUMNS))
            .select_from(spans.join(traces, traces.c.trace_id == spans.c.trace_id))
            .where(experiment.in_(self.experiment_ids))
        )
        if self.expr is not None:
            stmt = stmt.where(compile_span_filter(self.expr, self.context))
        exprs = [(_SORT_KEYS[name][0], ascending) for name, ascending in self.keys]
        if page_token:
            values = decode_token(page_token, self.token_context, len(self.keys))
            stmt = stmt.where(after_token(exprs, values))
        order = [e.asc() if ascending else e.desc() for e, ascending in exprs]
        return stmt.order_by(*order).limit(limit)

    def token_after(self, row: dict[str, Any]) -> str:
        values = [_SORT_KEYS[name][1](row) for name, _ in self.keys]
        return encode_token(values, self.token_context)


_ROW_COLUMNS = (
    "trace_id",
    "span_id",
    "name",
    "span_type",
    "status",
    "start_time_ns",
    "duration_ns",
)
