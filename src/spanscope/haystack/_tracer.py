"""spanscope as Haystack's tracer: one span per pipeline run, component run, agent step, LLM
call and tool call.

Haystack opens its spans itself through `haystack.tracing.tracer` (a proxy to the tracer
`enable_tracing` set) and reports what happens on them as tags: the tags given when a span
opens say what it is (a component's name, class and sockets), the content tags its inputs and
outputs. A span's type is chosen when it opens; its inputs, outputs, chat and usage are
recorded from the content tags. Each span is current while its block runs, so a provider SDK
call a component makes nests under it, and Haystack's explicit `parent_span` links spans
opened in worker threads and tasks.

Content tags are recorded whatever Haystack's global content-tracing switch says: spanscope's
`Span` overrides `set_content_tag`, as Haystack's docs suggest for a tracer of its own, so the
switch (and every other tracer) is left as the user set it.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Mapping
from typing import Any

from haystack.tracing.tracer import Span, Tracer, disable_tracing, enable_tracing
from haystack.tracing.tracer import tracer as proxy

from spanscope.constants import SpanAttributeKey as K
from spanscope.entities.span_type import SpanType
from spanscope.haystack import _messages
from spanscope.patching import Activation, call_guarded, parent_for, register
from spanscope.safety import log_internal_error
from spanscope.tracing.context import CURRENT_SPAN
from spanscope.tracing.live_span import LiveSpan, NoOpSpan
from spanscope.tracing.llm import LLMCall
from spanscope.tracing.processor import encode_attributes, start_span
from spanscope.tracing.state import STATE

__all__ = ["KIND", "SpanscopeSpan", "SpanscopeTracer", "install"]

KIND = "haystack autolog"  # internal errors are logged under this kind

_MODEL_KINDS = frozenset({SpanType.CHAT_MODEL, SpanType.LLM})
# Tags that describe Haystack's plumbing rather than the run: left out of the attributes.
_SKIPPED_TAGS = frozenset(
    {
        "haystack.component.input_types",
        "haystack.component.input_spec",
        "haystack.component.output_spec",
    }
)


class SpanscopeSpan(Span):
    """One Haystack span recorded as a spanscope span."""

    def __init__(self, span: LiveSpan | NoOpSpan, kind: str, component_type: str = "") -> None:
        self.span = span
        self.kind = kind
        self.component_type = component_type
        self._outputs: Any = None

    def set_tag(self, key: str, value: Any) -> None:
        call_guarded(KIND, self._record, key, value)

    def set_content_tag(self, key: str, value: Any) -> None:
        # Always: content is what spanscope records (see the module docstring).
        call_guarded(KIND, self._record, key, value)

    def raw_span(self) -> Any:
        return self.span

    # ------------------------------------------------------------------ recording
    def _record(self, key: str, value: Any) -> None:
        if key.endswith((".input", ".input_data")):
            self._record_inputs(value)
        elif key.endswith((".output", ".output_data")):
            self._outputs = value
        elif key not in _SKIPPED_TAGS:
            self.span.set_attribute(key, _messages.plain(value))

    def _record_inputs(self, value: Any) -> None:
        if self.kind in _MODEL_KINDS and isinstance(self.span, LiveSpan):
            inputs = value if isinstance(value, Mapping) else {}
            call = LLMCall(self.span)
            messages = inputs.get("messages", inputs.get("prompt"))
            call.set_input_messages(_messages.chat_messages(messages))
            tools = inputs.get("tools")
            if tools:
                call.set_tools(_messages.tool_definitions(tools))
        self.span.set_inputs(_messages.plain(value))

    def finish(self, error: BaseException | None) -> None:
        """End the span; an error of ours is reported after it has ended."""
        problem: Exception | None = None
        outputs: Any = None
        if error is not None:
            self.span.record_exception(self._own_error(error))
        elif self._outputs is not None:
            try:
                outputs = self._finish_outputs(self._outputs)
            except Exception as exc:
                problem = exc
        self.span.end(outputs=outputs)
        if problem is not None:
            log_internal_error(KIND, problem)

    def _own_error(self, error: BaseException) -> BaseException:
        """The component's own exception: the pipeline wraps it in a `PipelineRuntimeError`
        (raised from it) inside the component's span, and the pipeline's span records that."""
        cause = error.__cause__
        if self.component_type and type(error).__name__ == "PipelineRuntimeError" and cause:
            return cause
        return error

    def _finish_outputs(self, value: Any) -> Any:
        if not isinstance(self.span, LiveSpan):
            return None
        if self.kind in _MODEL_KINDS:
            self._record_reply(value)
        elif self.kind == SpanType.EMBEDDING:
            self._record_embedding(value)
            return _messages.without_embeddings(value)
        elif self.kind in (SpanType.RETRIEVER, SpanType.RERANKER) and isinstance(value, Mapping):
            found = value.get("documents")
            if _messages.is_document_list(found):
                return _messages.documents(found)
        return _messages.plain(value)

    def _record_reply(self, value: Any) -> None:
        assert isinstance(self.span, LiveSpan)
        call = LLMCall(self.span)
        metas = _messages.reply_meta(value)
        replies = value.get("replies") if isinstance(value, Mapping) else None
        if isinstance(replies, list):
            texts = [r if isinstance(r, str) else None for r in replies]
            messages = (
                _messages.chat_messages([{"role": "assistant", "content": t} for t in texts])
                if all(t is not None for t in texts)
                else _messages.chat_messages(replies)
            )
            call.set_output_messages(messages, _messages.finish_reasons(metas))
        self._record_model(call, metas)

    def _record_embedding(self, value: Any) -> None:
        assert isinstance(self.span, LiveSpan)
        self._record_model(LLMCall(self.span), _messages.reply_meta(value))

    def _record_model(self, call: LLMCall, metas: list[Mapping[str, Any]]) -> None:
        call.set_usage(_messages.usage_of(metas))
        first_chunk = _messages.first_chunk_ns(metas)
        start = call.span.start_time_ns
        if first_chunk is not None and first_chunk >= start:
            call.span.set_attribute(K.TIME_TO_FIRST_TOKEN_NS, first_chunk - start)
        model = next((m["model"] for m in metas if isinstance(m.get("model"), str)), None)
        if model is None:
            return
        call.set_response(model)
        # The tracer sees a component's run inputs, not its constructor's: the model named
        # in the reply is the only one there is to record.
        if self.span.get_attribute(K.GEN_AI_REQUEST_MODEL) is None:
            self.span.set_attribute(K.GEN_AI_REQUEST_MODEL, model)


class SpanscopeTracer(Tracer):
    """Haystack's tracer while spanscope's Haystack autolog is on."""

    def __init__(self) -> None:
        self._open: dict[int, SpanscopeSpan] = {}  # by id() of the spanscope span
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def trace(
        self,
        operation_name: str,
        tags: dict[str, Any] | None = None,
        parent_span: Span | None = None,
    ) -> Iterator[Span]:
        opened = self._start(operation_name, tags or {}, parent_span)
        if opened is None:
            yield _NULL_SPAN
            return
        span, activation = opened
        try:
            yield span
        except GeneratorExit:  # an async pipeline's generator closed early: not a failure
            self._end(span, activation, None)
            raise
        except BaseException as exc:
            self._end(span, activation, exc)
            raise
        self._end(span, activation, None)

    def current_span(self) -> Span | None:
        current = CURRENT_SPAN.get()
        with self._lock:
            return self._open.get(id(current))

    def _start(
        self, operation: str, tags: dict[str, Any], parent_span: Span | None
    ) -> tuple[SpanscopeSpan, Activation] | None:
        if not STATE.enabled:
            return None
        try:
            parent_wrapper = parent_span if isinstance(parent_span, SpanscopeSpan) else None
            framework_parent = parent_wrapper.span if parent_wrapper is not None else None
            parent = parent_for(framework_parent)
            name, kind, component_type, attributes = _describe(operation, tags, parent_wrapper)
            span = start_span(name, encode_attributes(kind, attributes), parent)
            wrapper = SpanscopeSpan(span, kind, component_type)
            for key, value in tags.items():
                wrapper.set_tag(key, value)
            activation = Activation(span)
        except Exception as exc:
            log_internal_error(KIND, exc)
            return None
        with self._lock:
            self._open[id(span)] = wrapper
        return wrapper, activation

    def _end(
        self, span: SpanscopeSpan, activation: Activation, error: BaseException | None
    ) -> None:
        with self._lock:
            self._open.pop(id(span.span), None)
        call_guarded(KIND, activation.close)
        call_guarded(KIND, span.finish, error)


class _NullSpan(Span):
    """What Haystack gets while spanscope is off or could not open a span."""

    def set_tag(self, key: str, value: Any) -> None:
        pass

    def set_content_tag(self, key: str, value: Any) -> None:
        pass


_NULL_SPAN = _NullSpan()


def _describe(
    operation: str, tags: Mapping[str, Any], parent: SpanscopeSpan | None
) -> tuple[str, str, str, dict[str, Any]]:
    """A new span's name, type, component class and first attributes, from Haystack's
    operation name and opening tags."""
    attributes: dict[str, Any] = {}
    if operation in ("haystack.component.run", "haystack.chat_generator.run"):
        component_type = str(tags.get("haystack.component.type") or "")
        kind = _messages.component_kind(component_type, tags.get("haystack.component.output_spec"))
        if operation == "haystack.chat_generator.run":
            kind, name = SpanType.CHAT_MODEL, component_type or "chat_generator"
        else:
            name = str(tags.get("haystack.component.name") or component_type or operation)
        if kind in _MODEL_KINDS or kind == SpanType.EMBEDDING:
            attributes[K.GEN_AI_PROVIDER] = _messages.provider_of(component_type)
            attributes[K.GEN_AI_OPERATION] = {
                SpanType.CHAT_MODEL: "chat",
                SpanType.LLM: "text_completion",
                SpanType.EMBEDDING: "embeddings",
            }[kind]
        return name, kind, component_type, attributes
    if operation == "haystack.pipeline.run":
        return "Pipeline", SpanType.CHAIN, "", attributes
    if operation == "haystack.agent.run":
        # An Agent in a pipeline already has its component's AGENT span: its run is a chain.
        nested = parent is not None and parent.kind == SpanType.AGENT
        return (
            "Agent.run" if nested else "Agent",
            (SpanType.CHAIN if nested else SpanType.AGENT),
            "",
            attributes,
        )
    if operation == "haystack.agent.step":
        return f"step {tags.get('haystack.agent.step', '')}".strip(), SpanType.CHAIN, "", attributes
    if operation == "haystack.agent.step.llm":
        attributes[K.GEN_AI_OPERATION] = "chat"
        return "chat_generator", SpanType.CHAT_MODEL, "", attributes
    if operation == "haystack.agent.step.tool":
        tool = str(tags.get("haystack.tool.name") or "tool")
        attributes[K.GEN_AI_TOOL_NAME] = tool
        return tool, SpanType.TOOL, "", attributes
    if operation.startswith("haystack.agent.hook"):
        point = tags.get("haystack.agent.hook.point")
        return f"hook {point}" if point else operation, SpanType.CHAIN, "", attributes
    return operation, SpanType.CHAIN, "", attributes


def install() -> None:
    """Make spanscope Haystack's tracer; the tracer set before comes back on revert."""
    tracer = SpanscopeTracer()
    previous: list[Any] = []

    def add() -> None:
        previous.append(proxy.actual_tracer)
        enable_tracing(tracer)

    def remove() -> None:
        if proxy.actual_tracer is not tracer:
            return  # the application set a tracer of its own since: keep it
        if previous:
            enable_tracing(previous[0])
        else:
            disable_tracing()

    register("haystack", add, remove)
