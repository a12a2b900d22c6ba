"""Cost of LLM spans and of whole traces, in USD.

A span's cost is priced at the time of its call (its start picks the price) and kept on it as
the attribute `spanscope.span.cost`: `{"input", "output", "total", "currency", "model", ...}`,
with the parts of input and output that were cache reads, cache writes, reasoning, image tokens
or generated images when there were any. A trace's cost sums its spans' like token usage: a
span counts unless an ancestor already has a cost (a parent's usage includes its children's).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from typing import Any

from spanscope.constants import SpanAttributeKey as K
from spanscope.entities.serialization import dumps
from spanscope.entities.span import Span
from spanscope.pricing.book import price_book
from spanscope.pricing.usage import span_models, token_counts

__all__ = ["CURRENCY", "compute_span_cost", "price_spans", "span_cost", "trace_cost"]

CURRENCY = "USD"
_SUMMED = (
    "input",
    "output",
    "total",
    "cache_read",
    "cache_write",
    "reasoning",
    "image",
    "images",
    "image_output",
    "request",
)


def compute_span_cost(span: Span) -> dict[str, Any] | None:
    """What the span's call cost by the price book now, or None: no usage, no model, or a
    model the price book does not know (never 0 for an unknown price)."""
    counts = token_counts(span)
    if counts is None:
        return None
    models, provider = span_models(span)
    if not models:
        return None
    at = datetime.fromtimestamp(span.start_time_ns / 1e9, tz=timezone.utc)
    rate = price_book().rate(models, provider, at)
    if rate is None:
        return None
    cost: dict[str, Any] = dict(rate.cost(counts))
    if not (counts.input or counts.output) and "images" not in cost:
        # Only generated images and no price per image: unpriced, not free.
        return None
    cost["currency"] = CURRENCY
    cost["model"] = rate.model
    return cost


def price_spans(spans: Iterable[Span]) -> list[Span]:
    """The spans with their cost attribute set from the price book (or dropped, when their
    model has no price any more); spans without usage are returned as they are."""
    priced = []
    for span in spans:
        cost = compute_span_cost(span)
        attrs = span.attributes_json
        if cost is None and K.COST not in attrs:
            priced.append(span)
            continue
        new_attrs = {k: v for k, v in attrs.items() if k != K.COST}
        if cost is not None:
            new_attrs[K.COST] = dumps(cost)
        if new_attrs == attrs:
            priced.append(span)
            continue
        priced.append(
            Span(
                trace_id=span.trace_id,
                span_id=span.span_id,
                parent_id=span.parent_id,
                name=span.name,
                start_time_ns=span.start_time_ns,
                end_time_ns=span.end_time_ns,
                status=span.status,
                attributes_json=new_attrs,
                events=span.events,
            )
        )
    return priced


def span_cost(span: Span) -> dict[str, Any] | None:
    """The cost kept on a stored span (its `spanscope.span.cost` attribute), or None."""
    value = span.get_attribute(K.COST)
    return value if isinstance(value, dict) and _is_number(value.get("total")) else None


def trace_cost(spans: Sequence[Span]) -> dict[str, Any] | None:
    """The sum of the spans' costs, a span counted unless an ancestor has a cost; None when no
    span has one. `unpriced_spans` counts the calls with usage that could not be priced (the
    total is then a lower bound)."""
    costs = {s.span_id: c for s in spans if (c := span_cost(s)) is not None}
    if not costs:
        return None
    parents = {s.span_id: s.parent_id for s in spans}
    totals: dict[str, Any] = {}
    for span_id, cost in costs.items():
        if _has_ancestor_in(span_id, parents, costs):
            continue
        for key in _SUMMED:
            value = cost.get(key)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                totals[key] = totals.get(key, 0.0) + float(value)
    for key in ("input", "output", "total"):
        totals.setdefault(key, 0.0)
    totals["currency"] = CURRENCY
    unpriced = sum(
        1
        for s in spans
        if s.span_id not in costs
        and token_counts(s) is not None
        and not _has_ancestor_in(s.span_id, parents, costs)
        and not _has_usage_ancestor(s.span_id, parents, spans)
    )
    if unpriced:
        totals["unpriced_spans"] = unpriced
    return totals


def _has_ancestor_in(span_id: str, parents: dict[str, str | None], found: Any) -> bool:
    seen = {span_id}
    parent = parents.get(span_id)
    while parent is not None and parent not in seen:
        if parent in found:
            return True
        seen.add(parent)
        parent = parents.get(parent)
    return False


def _has_usage_ancestor(
    span_id: str, parents: dict[str, str | None], spans: Sequence[Span]
) -> bool:
    with_usage = {s.span_id for s in spans if token_counts(s) is not None}
    return _has_ancestor_in(span_id, parents, with_usage)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
