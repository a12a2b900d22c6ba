"""autolog() beside the application's processors: disable removes it, twice is once, spanscope's
own faults never reach the run, and with spanscope.openai on too the client's span nests under
the SDK's response span with the usage counted once."""

from __future__ import annotations

from typing import Any

import pytest
from agents import Runner
from agents.tracing import get_trace_provider

import spanscope.openai
import spanscope.openai_agents
from spanscope.constants import SpanAttributeKey as K
from spanscope.openai_agents import _spans
from spanscope.openai_agents._processor import SpanscopeProcessor
from spanscope.testing import TraceCapture, strict_mode
from tests.openai_agents.helpers import (
    QUESTION,
    RecordingProcessor,
    agent,
    one_turn,
    outline,
    span,
    usage,
)


def processors() -> list[Any]:
    return list(getattr(get_trace_provider(), "_multi_processor")._processors)  # noqa: B009


def test_autolog_adds_its_processor_beside_the_applications(
    app_processor: RecordingProcessor,
) -> None:
    first, ours = processors()
    assert first is app_processor and isinstance(ours, SpanscopeProcessor)


async def test_disable_removes_the_processor(
    client: Any, spanscope_traces: TraceCapture, app_processor: RecordingProcessor
) -> None:
    spanscope.openai_agents.autolog(disable=True)
    assert processors() == [app_processor]
    result = await Runner.run(agent(client), QUESTION)
    assert result.final_output
    assert spanscope_traces.traces == []
    assert app_processor.ended[-1] == "trace Agent workflow"  # the application's still runs


async def test_log_traces_false_traces_nothing(
    client: Any, spanscope_traces: TraceCapture, app_processor: RecordingProcessor
) -> None:
    spanscope.openai_agents.autolog(log_traces=False)
    assert processors() == [app_processor]
    await Runner.run(agent(client), QUESTION)
    assert spanscope_traces.traces == []


async def test_autolog_twice_traces_once(client: Any, spanscope_traces: TraceCapture) -> None:
    spanscope.openai_agents.autolog()
    spanscope.openai_agents.autolog()
    assert len([p for p in processors() if isinstance(p, SpanscopeProcessor)]) == 1
    await Runner.run(agent(client), QUESTION)
    (trace,) = spanscope_traces.traces
    assert outline(trace) == one_turn()


async def test_beside_openai_autolog_usage_is_counted_once(
    client: Any, spanscope_traces: TraceCapture
) -> None:
    spanscope.openai.autolog()
    await Runner.run(agent(client), QUESTION)
    (trace,) = spanscope_traces.traces
    lines = outline(trace)
    assert lines[: len(one_turn())] == one_turn()
    # The client's own call nests under the SDK's response span (current while it runs).
    (client_span,) = [s for s in trace.data.spans if s.parent_id == span(trace, "response").span_id]
    assert client_span.span_type == "CHAT_MODEL"
    assert usage(client_span) == usage(span(trace, "response"))
    assert usage(trace) == usage(span(trace, "response"))  # not twice


@pytest.mark.internal_errors
async def test_a_fault_of_spanscope_never_reaches_the_run(
    client: Any, spanscope_traces: TraceCapture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any) -> Any:
        raise RuntimeError("injected")

    monkeypatch.setattr(_spans, "close", broken)
    with strict_mode(False):
        result = await Runner.run(agent(client), QUESTION)
    assert result.final_output
    (trace,) = spanscope_traces.traces
    # Every span still ended, in the same tree; what the fault hid is missing.
    assert outline(trace) == one_turn()
    assert all(s.end_time_ns is not None for s in trace.data.spans)
    assert span(trace, "response").get_attribute(K.GEN_AI_OUTPUT_MESSAGES) is None
