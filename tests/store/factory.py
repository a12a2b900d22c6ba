"""Traces for store tests, built by the real SDK (the store conformance kit's `make_trace`:
an AGENT root with a RETRIEVER, an LLM span with usage and a TOOL span)."""

from __future__ import annotations

from typing import Any

from spanscope import Trace
from spanscope.testing.conformance import make_trace

__all__ = ["make_trace", "with_time"]


def with_time(trace: Trace, request_time: int) -> Trace:
    trace.info.request_time = request_time
    return trace


def summary(traces: list[Trace]) -> list[Any]:
    return [t.info.trace_id for t in traces]
