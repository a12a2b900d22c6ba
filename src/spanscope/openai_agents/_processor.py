"""The tracing processor: the Agents SDK's own traces and spans recorded as spanscope spans.

The SDK calls its processors synchronously when a trace or span starts and ends, in the
context of the code that starts or ends it. Each SDK trace becomes a root AGENT span named
by its workflow; each SDK span a span under the span of its SDK parent (`parent_id`, or the
trace), made current while it runs, so the OpenAI client's calls (spanscope.openai) and the
user's `@spanscope.trace` functions inside a tool nest under it. Times are spanscope's own
clock, read in those synchronous calls: the SDK's ISO timestamps carry microseconds only,
and the trace itself has none.

Errors: the SDK records an error on a span as a message (`span.error`); the exception
itself is what is being raised or handled while the span ends (its `with` block unwinds, or
a `finally` ends it), so that exception is recorded when there is one that was not already
being handled when the span started.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from agents.tracing import TracingProcessor

from spanscope.constants import SpanAttributeKey as K
from spanscope.entities.span_type import SpanType
from spanscope.openai_agents import _messages, _spans
from spanscope.patching import Activation, guarded, parent_for, register
from spanscope.safety import log_internal_error
from spanscope.tracing.live_span import LiveSpan, NoOpSpan
from spanscope.tracing.processor import encode_attributes, start_span
from spanscope.tracing.state import STATE

__all__ = ["KIND", "SpanscopeProcessor", "install"]

KIND = "openai_agents autolog"  # internal errors are logged under this kind
WORKFLOW_NAME = "openai_agents.workflow_name"
GROUP_ID = "openai_agents.group_id"

_guarded = guarded(KIND)


@dataclass(slots=True, eq=False)
class _Run:
    span: LiveSpan | NoOpSpan
    activation: Activation
    kind: str
    parent: _Run | None
    handled_at_start: BaseException | None
    first_input: Any = None  # the conversation of its first model call (GenAI messages)
    last_output: Any = None  # what its last model call answered (GenAI messages)


class SpanscopeProcessor(TracingProcessor):
    """Records the SDK's traces and spans; added beside the application's processors."""

    def __init__(self) -> None:
        self._traces: dict[str, _Run] = {}
        self._spans: dict[str, _Run] = {}
        self._lock = threading.Lock()
        self.active = True

    # ------------------------------------------------------------------ traces
    @_guarded
    def on_trace_start(self, trace: Any) -> None:
        if not (self.active and STATE.enabled):
            return
        name = str(getattr(trace, "name", None) or "Agent workflow")
        attributes = {WORKFLOW_NAME: name}
        group_id = getattr(trace, "group_id", None)
        if group_id:
            attributes[GROUP_ID] = group_id
        inputs: dict[str, Any] = {"workflow_name": name}
        metadata = getattr(trace, "metadata", None)
        if isinstance(metadata, Mapping) and metadata:
            inputs["metadata"] = dict(metadata)
        run = self._open(name, SpanType.AGENT, attributes, parent_for(None), "trace", None)
        run.span.set_inputs(inputs)
        with self._lock:
            self._traces[str(trace.trace_id)] = run

    @_guarded
    def on_trace_end(self, trace: Any) -> None:
        with self._lock:
            run = self._traces.pop(str(trace.trace_id), None)
        if run is not None:
            self._end(run, None)

    # ------------------------------------------------------------------ spans
    @_guarded
    def on_span_start(self, span: Any) -> None:
        if not (self.active and STATE.enabled):
            return
        opening = _spans.open_span(span.span_data)
        with self._lock:
            parent_run = self._spans.get(str(span.parent_id)) if span.parent_id else None
            if parent_run is None:
                parent_run = self._traces.get(str(span.trace_id))
        parent = parent_for(parent_run.span if parent_run is not None else None)
        run = self._open(
            opening.name,
            opening.span_type,
            opening.attributes,
            parent,
            str(getattr(span.span_data, "type", "")),
            parent_run,
        )
        if opening.inputs is not None:
            run.span.set_inputs(opening.inputs)
        with self._lock:
            self._spans[str(span.span_id)] = run

    @_guarded
    def on_span_end(self, span: Any) -> None:
        with self._lock:
            run = self._spans.pop(str(span.span_id), None)
        if run is not None:
            self._end(run, span)

    def shutdown(self) -> None:
        """Nothing to flush: spans go to spanscope's exporters as their traces end."""

    def force_flush(self) -> None:
        """Nothing buffered here (see `shutdown`)."""

    # ------------------------------------------------------------------ plumbing
    def _open(
        self,
        name: str,
        span_type: str,
        attributes: Mapping[str, Any],
        parent: Any,
        kind: str,
        parent_run: _Run | None,
    ) -> _Run:
        span = start_span(name, encode_attributes(span_type, attributes), parent)
        return _Run(span, Activation(span), kind, parent_run, sys.exc_info()[1])

    def _end(self, run: _Run, sdk_span: Any) -> None:
        """End the run's span whatever happens: an error of ours is reported afterwards, so
        the span never stays open nor current."""
        run.activation.close()
        span = run.span
        error = _error_of(run, sdk_span)
        outputs: Any = None
        failure: Exception | None = None
        if isinstance(span, LiveSpan):
            try:
                outputs = self._outputs(run, span, sdk_span)
            except Exception as exc:
                failure = exc
        if error is not None:
            span.record_exception(error)
        span.end(outputs=outputs)
        if failure is not None:
            log_internal_error(KIND, failure)

    def _outputs(self, run: _Run, span: LiveSpan, sdk_span: Any) -> Any:
        outputs = _spans.close(span, sdk_span.span_data) if sdk_span is not None else None
        if run.kind in _spans.MODEL_KINDS:
            self._share_conversation(run, span)
        elif run.kind in _spans.CONVERSATION_KINDS:
            asked = _spans.run_input(run.first_input)
            if asked is not None:
                if run.kind == "trace":
                    span.set_inputs({**_current_inputs(span), "input": asked})
                else:
                    span.set_inputs(asked)
            if run.last_output is not None:
                outputs = _messages.final_output(run.last_output)
        return outputs

    @staticmethod
    def _share_conversation(run: _Run, span: LiveSpan) -> None:
        """Give the model call's conversation to the agent, turn, task and trace spans above
        it: the first call's input is what they were asked, the last one's output their
        answer."""
        asked = span.get_attribute(K.GEN_AI_INPUT_MESSAGES)
        answered = span.get_attribute(K.GEN_AI_OUTPUT_MESSAGES)
        ancestor = run.parent
        while ancestor is not None:
            if ancestor.kind in _spans.CONVERSATION_KINDS:
                if ancestor.first_input is None and asked:
                    ancestor.first_input = asked
                if answered:
                    ancestor.last_output = answered
            ancestor = ancestor.parent


def _current_inputs(span: LiveSpan) -> dict[str, Any]:
    inputs = span.inputs
    return dict(inputs) if isinstance(inputs, Mapping) else {}


def _error_of(run: _Run, sdk_span: Any) -> BaseException | str | None:
    """The exception the span ended with (see the module's docstring), else the error the SDK
    recorded on it, else None."""
    raised = sys.exc_info()[1]
    if isinstance(raised, Exception) and raised is not run.handled_at_start:
        return raised
    error = getattr(sdk_span, "error", None) if sdk_span is not None else None
    if not isinstance(error, Mapping):
        return None
    message = str(error.get("message") or "error")
    data = error.get("data")
    detail = data.get("error") if isinstance(data, Mapping) else None
    return f"{message}: {detail}" if detail else message


def install() -> None:
    """Add the processor to the SDK's trace provider, beside the application's own (the
    SDK's exporter to the OpenAI platform stays as the application configured it)."""
    from agents.tracing import add_trace_processor, get_trace_provider

    processor = SpanscopeProcessor()

    def remove() -> None:
        processor.active = False  # inert even where the provider cannot drop it
        provider = get_trace_provider()
        multi = getattr(provider, "_multi_processor", None)
        current = getattr(multi, "_processors", None)
        if isinstance(current, tuple):
            provider.set_processors([p for p in current if p is not processor])

    register("openai_agents", lambda: add_trace_processor(processor), remove)
