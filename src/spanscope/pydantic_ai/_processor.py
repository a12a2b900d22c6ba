"""Pydantic AI's OpenTelemetry spans, made spanscope spans as they start and end.

Pydantic AI instruments agents with OpenTelemetry (GenAI conventions, in Logfire's dialect).
`install` gives every agent a tracer provider whose only processor is `SpanscopeProcessor`:

* when an OpenTelemetry span starts, a spanscope span starts under the spanscope span of its
  OpenTelemetry parent, or, for an agent run, under the current spanscope span (a user's
  `@spanscope.trace` function), and it is made current while Pydantic AI runs inside it, so
  the user's traced code in a tool nests under the TOOL span;
* when it ends, its attributes go through the same convention mapping as spans received over
  OTLP (`spanscope.otel.mapping`), which gives the span type, inputs, outputs, GenAI messages
  and usage, and the spanscope span ends with the OpenTelemetry span's status, events and time.

Nothing is exported over the network: the tracer provider has no exporter.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from opentelemetry.context import Context
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace import Span as OtelSpan
from opentelemetry.trace import StatusCode
from pydantic_ai import Agent
from pydantic_ai.models.instrumented import InstrumentationSettings

from spanscope.constants import ExceptionEventKey
from spanscope.entities.span_event import SpanEvent
from spanscope.entities.span_status import SpanStatusCode
from spanscope.entities.span_type import SpanType
from spanscope.otel.draft import SpanDraft
from spanscope.otel.mapping import apply_conventions, span_name
from spanscope.patching import Activation, guarded, parent_for, register
from spanscope.safety import log_internal_error
from spanscope.tracing.live_span import LiveSpan, NoOpSpan
from spanscope.tracing.processor import encode_attributes, start_span

__all__ = ["KIND", "SpanscopeProcessor", "install"]

KIND = "pydantic_ai autolog"  # internal errors are logged under this kind
_guarded = guarded(KIND)
ERROR = SpanStatusCode.ERROR


@dataclass(slots=True, eq=False)
class _Run:
    span: LiveSpan | NoOpSpan
    activation: Activation


class SpanscopeProcessor(SpanProcessor):
    """Mirrors the OpenTelemetry spans of one tracer provider as spanscope spans."""

    def __init__(self) -> None:
        self._runs: dict[int, _Run] = {}
        self._lock = threading.Lock()

    @_guarded
    def on_start(self, span: OtelSpan, parent_context: Context | None = None) -> None:
        parent = span.parent
        framework_parent = None
        if parent is not None:
            with self._lock:
                run = self._runs.get(parent.span_id)
            framework_parent = run.span if run is not None else None
        live = start_span(
            span.name,
            encode_attributes(SpanType.UNKNOWN, None),
            parent=parent_for(framework_parent),
            start_time_ns=span.start_time,
        )
        with self._lock:
            self._runs[span.context.span_id] = _Run(live, Activation(live))

    @_guarded
    def on_end(self, span: ReadableSpan) -> None:
        context = span.context
        if context is None:
            return
        with self._lock:
            run = self._runs.pop(context.span_id, None)
        if run is None:
            return
        run.activation.close()
        _finish(run.span, span)

    def shutdown(self) -> None:
        with self._lock:
            self._runs.clear()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True


def _finish(live: LiveSpan | NoOpSpan, span: ReadableSpan) -> None:
    """End `live` with what the ended OpenTelemetry span holds, mapped as on OTLP ingest.

    The span ends even when the mapping fails (spanscope's error, reported), so its trace
    is still complete."""
    try:
        _record(live, span)
    except Exception as exc:
        log_internal_error(KIND, exc)
        if span.status.status_code is StatusCode.ERROR:
            live.set_status(ERROR, span.status.description or "")
    live.end(end_time_ns=span.end_time)


def _record(live: LiveSpan | NoOpSpan, span: ReadableSpan) -> None:
    events = [
        SpanEvent(event.name, event.timestamp, _plain(event.attributes)) for event in span.events
    ]
    draft = SpanDraft(_plain(span.attributes), events)
    apply_conventions(draft)
    live.set_name(span_name(span.name, draft.attributes))
    live.set_span_type(draft.span_type or SpanType.UNKNOWN)
    if draft.inputs is not None:
        live.set_inputs(draft.inputs)
    if draft.outputs is not None:
        live.set_outputs(draft.outputs)
    live.set_attributes(draft.attributes)
    for event in draft.events:
        live.add_event(event)
    if span.status.status_code is StatusCode.ERROR:
        live.set_status(ERROR, span.status.description or _exception_message(draft.events))


def _plain(attributes: Mapping[str, Any] | None) -> dict[str, Any]:
    """OpenTelemetry attribute values as JSON values (sequences are tuples there)."""
    if not attributes:
        return {}
    return {
        key: list(value) if isinstance(value, Sequence) and not isinstance(value, str) else value
        for key, value in attributes.items()
    }


def _exception_message(events: Sequence[SpanEvent]) -> str:
    for event in events:
        if event.name == ExceptionEventKey.EVENT_NAME:
            kind = event.attributes.get(ExceptionEventKey.TYPE, "")
            message = event.attributes.get(ExceptionEventKey.MESSAGE, "")
            return f"{kind}: {message}" if kind else str(message)
    return ""


def install() -> None:
    """Instrument every agent with spanscope's tracer provider; reverting gives back the
    setting agents had before (`Agent.instrument_all` replaces it, so it is kept here)."""
    provider = TracerProvider()
    provider.add_span_processor(SpanscopeProcessor())
    settings = InstrumentationSettings(tracer_provider=provider)
    previous: list[Any] = []

    def add() -> None:
        previous.append(Agent._instrument_default)
        Agent.instrument_all(settings)

    def remove() -> None:
        if Agent._instrument_default is settings:
            Agent.instrument_all(previous[0])
        provider.shutdown()

    register("pydantic_ai", add, remove)
