"""Traces for store tests, built by the real SDK."""

from __future__ import annotations

import contextlib
from typing import Any

import spanscope
from spanscope import Trace
from spanscope.testing import capture_traces


def make_trace(
    experiment_id: str,
    question: str = "where is my refund?",
    *,
    tags: dict[str, str] | None = None,
    session_id: str | None = None,
    user_id: str | None = None,
    fail: bool = False,
    tokens: tuple[int, int] | None = (10, 5),
    tool: str = "lookup_order",
) -> Trace:
    """An AGENT root with a RETRIEVER, an LLM span (usage) and a TOOL span."""

    @spanscope.trace(name="support_bot", span_type="AGENT")
    def bot(q: str) -> str:
        spanscope.update_current_trace(tags=tags, session_id=session_id, user_id=user_id)
        with spanscope.start_span("retrieve", span_type="RETRIEVER") as span:
            span.set_inputs({"query": q})
            span.set_outputs([{"page_content": "Refunds take 5 days", "metadata": {}, "id": "1"}])
        with spanscope.start_span("chat", span_type="CHAT_MODEL") as span:
            span.set_attribute("gen_ai.request.model", "gpt-test")
            if tokens is not None:
                span.set_attributes(
                    {
                        "gen_ai.usage.input_tokens": tokens[0],
                        "gen_ai.usage.output_tokens": tokens[1],
                    }
                )
            span.set_outputs("Refunds take 5 days")
        with spanscope.start_span(tool, span_type="TOOL") as span:
            span.set_inputs({"order": "A-1"})
            if fail:
                raise RuntimeError("tool exploded")
        return "Your refund is on its way"

    with capture_traces() as captured:
        with contextlib.suppress(RuntimeError):
            bot(question)
    trace = captured.single()
    trace.info.experiment_id = experiment_id
    return trace


def with_time(trace: Trace, request_time: int) -> Trace:
    trace.info.request_time = request_time
    return trace


def summary(traces: list[Trace]) -> list[Any]:
    return [t.info.trace_id for t in traces]
