"""Span-tree helpers shared by the LlamaIndex tests."""

from __future__ import annotations

from spanscope.entities.span import Span
from spanscope.entities.trace import Trace
from tests.outline import outline as outline  # the shared helper, re-exported

PARIS = "Paris is the capital of France."
BERLIN = "Berlin is the capital of Germany."


def span(trace: Trace, name: str, index: int = 0) -> Span:
    """The `index`-th span (in start order) called `name`."""
    found = sorted((s for s in trace.data.spans if s.name == name), key=lambda s: s.start_time_ns)
    assert len(found) > index, f"no span {name!r} #{index} in {[s.name for s in trace.data.spans]}"
    return found[index]


def parent(trace: Trace, child: Span) -> Span | None:
    return next((s for s in trace.data.spans if s.span_id == child.parent_id), None)
