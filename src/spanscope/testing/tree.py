"""Span trees without ids and times, for whole-tree assertions."""

from __future__ import annotations

from typing import Any

from spanscope.entities.span import Span
from spanscope.entities.trace import Trace
from spanscope.entities.tree_text import children_by_parent

__all__ = ["span_tree"]


def span_tree(
    trace: Trace,
    *,
    attributes: bool | list[str] = False,
    values: bool = True,
    events: bool = True,
) -> list[dict[str, Any]]:
    """The trace's spans as nested dicts, children in start order, without ids or timestamps.

    Each node has name, span_type, status (and the error description), inputs and outputs (if
    `values`), event names (if `events`), attributes (all, or the listed keys) and children.
    """
    children = children_by_parent(trace.data.spans)

    def node(span: Span) -> dict[str, Any]:
        out: dict[str, Any] = {"name": span.name, "span_type": span.span_type}
        out["status"] = span.status.status_code.value
        if span.status.description:
            out["error"] = span.status.description
        if values:
            out["inputs"] = span.inputs
            out["outputs"] = span.outputs
        if events:
            out["events"] = [event.name for event in span.events]
        if attributes is True:
            out["attributes"] = span.attributes
        elif attributes:
            out["attributes"] = {k: span.get_attribute(k) for k in attributes}
        out["children"] = [node(child) for child in children.get(span.span_id, [])]
        return out

    return [node(root) for root in children.get(None, [])]
