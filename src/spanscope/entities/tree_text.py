"""Plain-text rendering of a span tree."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from spanscope.entities.span import Span
from spanscope.entities.span_status import SpanStatusCode
from spanscope.entities.trace_info import TraceInfo

__all__ = ["children_by_parent", "render_tree"]

_VALUE_CHARS = 100


def render_tree(info: TraceInfo, spans: Sequence[Span], values: bool = True) -> str:
    """Render the trace header and its spans as an indented tree, children by start time."""
    children = children_by_parent(spans)
    duration = "" if info.execution_duration is None else f" {info.execution_duration} ms"
    lines = [f"Trace {info.trace_id} {info.state.value}{duration}"]

    def walk(span: Span, prefix: str, last: bool) -> None:
        branch = "└── " if last else "├── "
        lines.append(prefix + branch + _describe(span))
        inner = prefix + ("    " if last else "│   ")
        kids = children.get(span.span_id, [])
        if values:
            bar = "│   " if kids else "    "
            for label, value in (("in", span.inputs), ("out", span.outputs)):
                if value is not None:
                    lines.append(f"{inner}{bar}{label}: {_short(value)}")
        for i, child in enumerate(kids):
            walk(child, inner, i == len(kids) - 1)

    roots = children.get(None, [])
    for i, root in enumerate(roots):
        walk(root, "", i == len(roots) - 1)
    return "\n".join(lines)


def children_by_parent(spans: Sequence[Span]) -> dict[str | None, list[Span]]:
    """Spans grouped by parent id, each group by start time; roots (and orphans) under None."""
    ids = {span.span_id for span in spans}
    children: dict[str | None, list[Span]] = {}
    for span in spans:
        parent = span.parent_id if span.parent_id in ids else None
        children.setdefault(parent, []).append(span)
    for group in children.values():
        group.sort(key=lambda s: s.start_time_ns)
    return children


def _describe(span: Span) -> str:
    duration = span.duration_ns
    took = "" if duration is None else f" {duration / 1e6:.1f} ms"
    text = f"{span.name} [{span.span_type}]{took}"
    if span.status.status_code is SpanStatusCode.ERROR:
        text += f"  ERROR {span.status.description}"
    return text


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else orjson.dumps(value).decode()
    return text if len(text) <= _VALUE_CHARS else text[: _VALUE_CHARS - 3] + "..."
