"""The LlamaIndex span handler and event handler on the root dispatcher.

The span handler opens one spanscope span per instrumented LlamaIndex call, under the span
of LlamaIndex's own parent span id, and makes it current while the call runs (so provider SDK
calls and `@spanscope.trace` functions inside nest under it). The span of a private method
called by a traced public method of the same object (`query` -> `_query`, `retrieve` ->
`_retrieve`) is folded into it (what it starts nests there): it is how LlamaIndex implements
that method. Other private spans (`_postprocess_nodes`, the only span of a node
postprocessor) are kept, unless LlamaIndex gives them no parent (the helper of a public method
it does not trace, `chat_with_tools` -> `_prepare_chat_with_tools`): not recorded.

The event handler adds what only events carry (chat messages, model, usage, tools) and ends
LLM streams: LlamaIndex exits a stream's span when the generator is returned, so the span
stays open until the LLM's end event, and its parents until their streams have ended.
"""

from __future__ import annotations

import contextlib
import inspect
import threading
import weakref
from typing import Any

from llama_index.core.instrumentation.event_handlers import BaseEventHandler
from llama_index.core.instrumentation.events import BaseEvent
from llama_index.core.instrumentation.span import BaseSpan
from llama_index.core.instrumentation.span_handlers import BaseSpanHandler
from pydantic import ConfigDict, PrivateAttr

from spanscope.constants import SpanAttributeKey
from spanscope.entities.span_type import SpanType
from spanscope.llama_index import _events
from spanscope.llama_index._runs import (
    Run,
    inputs_of,
    is_stream,
    outputs_of,
    returns_future,
    span_name,
    span_type,
)
from spanscope.llama_index._streams import RELAYING, relay_response
from spanscope.patching import Activation, parent_for, register
from spanscope.safety import log_internal_error
from spanscope.tracing.live_span import LiveSpan
from spanscope.tracing.processor import encode_attributes, start_span
from spanscope.tracing.state import STATE

__all__ = ["KIND", "SpanscopeEventHandler", "SpanscopeSpanHandler", "install"]

KIND = "llama_index autolog"  # internal errors are logged under this kind
_DONE_ERRORS = frozenset({"WorkflowDone"})  # raised by workflows to stop: not a failure


class _Span(BaseSpan):
    """LlamaIndex's record of an open span; `run` is shared by folded private-method spans."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    run: Any = None
    folded: bool = False


class SpanscopeSpanHandler(BaseSpanHandler[_Span]):
    """Opens and ends spanscope spans for LlamaIndex spans."""

    # Runs LlamaIndex has exited whose spans stay open: streams, and their parents.
    _pending: dict[str, Run] = PrivateAttr(default_factory=dict)
    _relays: weakref.WeakSet[Any] = PrivateAttr(default_factory=weakref.WeakSet)
    # Reentrant: garbage collection may end an abandoned stream (a weakref callback) on a
    # thread that already holds the lock.
    _rlock: threading.RLock = PrivateAttr(default_factory=threading.RLock)

    def __init__(self) -> None:
        # The base class has mutable default arguments: pass fresh containers.
        super().__init__(open_spans={}, completed_spans=[], dropped_spans=[], current_span_ids={})

    @classmethod
    def class_name(cls) -> str:
        return "SpanscopeSpanHandler"

    @property
    def lock(self) -> Any:  # the base class's lock, for `open_spans` too
        return self._rlock

    def new_span(
        self,
        id_: str,
        bound_args: inspect.BoundArguments,
        instance: Any | None = None,
        parent_span_id: str | None = None,
        tags: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> _Span | None:
        try:
            return self._open(id_, bound_args, instance, parent_span_id)
        except Exception as exc:
            log_internal_error(KIND, exc)
            return None

    def _open(
        self,
        id_: str,
        bound_args: inspect.BoundArguments,
        instance: Any,
        parent_span_id: str | None,
    ) -> _Span | None:
        if not STATE.enabled:
            return None
        parent_run = self.find(parent_span_id)
        name = span_name(id_)
        method = name.rpartition(".")[2]
        private = method.startswith("_") and not method.startswith("__")
        if private and parent_span_id is None:
            # A helper of a public method LlamaIndex does not trace (`chat_with_tools` ->
            # `_prepare_chat_with_tools`): on its own it would make a trace of its own
            # beside the call's.
            return None
        if (
            parent_run is not None
            and private
            and instance is not None
            and instance is parent_run.instance
        ):
            return _Span(id_=id_, parent_id=parent_span_id, run=parent_run, folded=True)
        kind = span_type(instance, method)
        parent = parent_for(parent_run.span if parent_run is not None else None)
        span = start_span(name, encode_attributes(kind, _attributes(instance, kind)), parent)
        span.set_inputs(inputs_of(bound_args, method))
        run = Run(id_, span, parent_run, instance)
        if parent_run is not None:
            with self.lock:
                parent_run.open_children += 1
        if not returns_future(instance, method):
            run.activation = Activation(span)
        return _Span(id_=id_, parent_id=parent_span_id, run=run)

    def prepare_to_exit_span(
        self,
        id_: str,
        bound_args: inspect.BoundArguments,
        instance: Any | None = None,
        result: Any | None = None,
        **kwargs: Any,
    ) -> _Span | None:
        return self._close(id_, result, None)

    def prepare_to_drop_span(
        self,
        id_: str,
        bound_args: inspect.BoundArguments,
        instance: Any | None = None,
        err: BaseException | None = None,
        **kwargs: Any,
    ) -> _Span | None:
        return self._close(id_, None, err)

    def _close(self, id_: str, result: Any, error: BaseException | None) -> _Span | None:
        with self.lock:
            record = self.open_spans.get(id_)
        if record is None:
            return None
        try:
            if not record.folded:
                self._exit(record.run, result, error)
        except Exception as exc:
            with self.lock:  # returning None keeps the base class from deleting it again
                self.open_spans.pop(id_, None)
            self._salvage(record.run)
            log_internal_error(KIND, exc)
            return None
        return record

    def _salvage(self, run: Run) -> None:
        """After an error of ours: end the span anyway, so it is neither current nor open."""
        with contextlib.suppress(Exception):  # the first error is the one reported
            if run.activation is not None:
                run.activation.close()
            run.exited, run.awaiting_llm_end = True, False
            self.end(run)

    def _exit(self, run: Run, result: Any, error: BaseException | None) -> None:
        streaming_llm = run.awaiting_llm_end and error is None and is_stream(result)
        if run.activation is not None and not (streaming_llm and RELAYING.get()):
            run.activation.close()
        with self.lock:
            run.exited = True
            self._pending[run.key] = run  # until it ends: events may still come
        if error is not None:
            if type(error).__name__ not in _DONE_ERRORS:
                _record_error(run, error)
            run.awaiting_llm_end = False
            self.end(run)  # at once: the error ends whatever it was waiting for
            return
        run.outputs = outputs_of(run.span.span_type, result)
        run.returned_stream = is_stream(result)
        if streaming_llm:
            # The LLM's end event ends it; if the stream is dropped unread, GC does.
            run.finalizer = weakref.finalize(result, self._abandoned, run)
        else:
            run.awaiting_llm_end = False  # no stream: no end event is coming any more
            with self.lock:
                run.open_children += 1  # a relayed stream holds the span open like a child
            if not relay_response(run, result, self._release, self._relays):
                with self.lock:
                    run.open_children -= 1
        self.settle(run)

    def settle(self, run: Run) -> None:
        """End `run` if LlamaIndex exited it and nothing it waits for is still running: its
        LLM stream (until the end event) or children that outlived it (streams)."""
        with self.lock:
            ready = run.exited and not run.ended and not run.awaiting_llm_end
            ready = ready and run.open_children == 0
        if ready:
            self.end(run)

    def end(self, run: Run) -> None:
        """End `run`'s span, then its parent if that was only waiting for it."""
        with self.lock:
            if run.ended:
                return
            run.ended = True
            self._pending.pop(run.key, None)
        if run.finalizer is not None:
            run.finalizer.detach()
        if run.outputs is None and run.returned_stream:
            run.outputs = run.streamed
        run.span.end(outputs=run.outputs)
        if run.parent is not None:
            self._child_done(run.parent, run.streamed)

    def _child_done(self, run: Run, streamed: Any) -> None:
        with self.lock:
            run.open_children -= 1
            if run.streamed is None:
                run.streamed = streamed
        self.settle(run)

    def _release(self, run: Run, text: Any, error: BaseException | None) -> None:
        """A relayed response stream ended (see `_streams`)."""
        try:
            if error is not None:
                _record_error(run, error)
            self._child_done(run, text)
        except Exception as exc:
            log_internal_error(KIND, exc)

    def _abandoned(self, run: Run) -> None:
        """A stream was garbage-collected before LlamaIndex reported its end."""
        try:
            run.awaiting_llm_end = False
            self.settle(run)
        except Exception as exc:
            log_internal_error(KIND, exc)

    def find(self, span_id: str | None) -> Run | None:
        """The run of a LlamaIndex span id: open, or exited and still pending."""
        if span_id is None:
            return None
        with self.lock:
            record = self.open_spans.get(span_id)
            if record is not None:
                run: Run | None = record.run  # a folded span's parent run
                return run
            return self._pending.get(span_id)

    def on_event(self, event: BaseEvent) -> None:
        run = self.find(event.span_id)
        if run is None or run.ended or not isinstance(run.span, LiveSpan):
            return
        handle = _events.HANDLERS.get(event.class_name())
        if handle is not None and handle(run, run.span, event):
            self.settle(run)  # the end of a stream whose span LlamaIndex already exited


class SpanscopeEventHandler(BaseEventHandler):
    """Hands LlamaIndex events to the span handler."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    spans: SpanscopeSpanHandler

    @classmethod
    def class_name(cls) -> str:
        return "SpanscopeEventHandler"

    def handle(self, event: BaseEvent, **kwargs: Any) -> None:
        try:
            self.spans.on_event(event)
        except Exception as exc:
            log_internal_error(KIND, exc)


def _record_error(run: Run, error: BaseException) -> None:
    span = run.span
    if isinstance(span, LiveSpan) and not span.is_ended:
        span.record_exception(error)


def _attributes(instance: Any, kind: str) -> dict[str, Any]:
    """What the instance says about itself: the name of a tool."""
    if kind == SpanType.TOOL:
        return {
            SpanAttributeKey.GEN_AI_TOOL_NAME: getattr(
                getattr(instance, "metadata", None), "name", None
            )
        }
    return {}


def install() -> None:
    """Add the handlers to LlamaIndex's root dispatcher (every dispatcher propagates to it);
    `spanscope.patching.revert("llama_index")` takes them off again."""
    from llama_index_instrumentation import get_dispatcher

    root = get_dispatcher()
    spans = SpanscopeSpanHandler()
    events = SpanscopeEventHandler(spans=spans)

    def add() -> None:
        root.add_span_handler(spans)
        root.add_event_handler(events)

    def remove() -> None:
        # New lists, not in-place removal: a dispatch in another thread may be iterating.
        root.span_handlers = [h for h in root.span_handlers if h is not spans]
        root.event_handlers = [h for h in root.event_handlers if h is not events]

    register("llama_index", add, remove)
