"""LiveSpan, the handle users hold while a span runs, and NoOpSpan for untraced work."""

from __future__ import annotations

import heapq
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from spanscope.constants import ExceptionEventKey, SpanAttributeKey
from spanscope.entities.serialization import dumps, to_jsonable
from spanscope.entities.span import Span
from spanscope.entities.span_event import SpanEvent, exception_message
from spanscope.entities.span_status import SpanStatus, SpanStatusCode
from spanscope.safety import log_internal_error, warn_once

if TYPE_CHECKING:
    from spanscope.tracing.trace_buffer import TraceBuffer

__all__ = ["LiveSpan", "NoOpSpan", "NOOP_SPAN"]

_OK = SpanStatus(SpanStatusCode.OK)
_CODE_VALUES = {code: code.value for code in SpanStatusCode}
_UNSET = SpanStatus()
_NO_EVENTS: list[SpanEvent] = []  # shared until a span adds its first event; never mutated
_FINALIZING = threading.Lock()


def _no_events() -> list[SpanEvent]:
    return []


@dataclass(frozen=True, slots=True)
class _LazyEvents(SpanEvent):
    """The place, among a span's events, of the events `build` makes when it is finalised."""

    build: Callable[[], list[SpanEvent]] = _no_events


class LiveSpan(Span):
    """A running span. Setters take any value; it is serialised at once (a snapshot).

    Setters never raise: an error inside spanscope is logged and the span keeps what it had.
    Once the span has ended, setters log a warning and change nothing.
    """

    __slots__ = ("_buffer", "_deferred", "_editable", "_raw_events_from")

    def __init__(
        self,
        buffer: TraceBuffer,
        span_id: str,
        parent_id: str | None,
        name: str,
        start_time_ns: int,
        attributes_json: dict[str, str],
    ) -> None:
        self._buffer = buffer
        self._editable = False
        self._trace_id = buffer.trace_id
        self._span_id = span_id
        self._parent_id = parent_id
        self._name = name
        self._start_time_ns = start_time_ns
        self._end_time_ns = None
        self._status = _UNSET
        self._attrs = attributes_json
        self._events = _NO_EVENTS
        self._decoded = None
        self._deferred: list[Callable[[], None]] | None = None
        self._raw_events_from: int | None = None
        buffer.started.append(self)

    @property
    def is_ended(self) -> bool:
        return self._end_time_ns is not None

    def set_inputs(self, inputs: Any) -> None:
        self._set(SpanAttributeKey.INPUTS, inputs)

    def set_outputs(self, outputs: Any) -> None:
        self._set(SpanAttributeKey.OUTPUTS, outputs)

    def set_span_type(self, span_type: str) -> None:
        self._set(SpanAttributeKey.SPAN_TYPE, str(span_type))

    def set_attribute(self, key: str, value: Any) -> None:
        self._set(str(key), value)

    def set_attributes(self, attributes: Mapping[str, Any]) -> None:
        for key, value in attributes.items():
            self._set(str(key), value)

    def set_name(self, name: str) -> None:
        if self._writable("set_name"):
            self._name = str(name)

    def set_status(self, status: SpanStatus | SpanStatusCode | str, description: str = "") -> None:
        """Set OK, ERROR (with a description) or UNSET."""
        if not self._writable("set_status"):
            return
        new = SpanStatus.coerce(status)
        if description:
            new = SpanStatus(new.status_code, description)
        self._status = new

    def add_event(self, event: SpanEvent) -> None:
        if not self._writable("add_event"):
            return
        try:
            attributes = to_jsonable(event.attributes)
            if self._events is _NO_EVENTS:
                self._events = []
            self._events.append(SpanEvent(event.name, event.timestamp_ns, attributes))
        except Exception as exc:
            log_internal_error("adding a span event", exc)

    def add_raw_event(self, event: SpanEvent) -> None:
        """Add an event whose attributes are made JSON-safe later, on the export thread.

        For values the library never changes once handed over: the caller's thread pays for
        an append, not for serialising the value.
        """
        if self._writable("add_event"):
            self._append_raw(event)

    def add_lazy_events(self, build: Callable[[], list[SpanEvent]]) -> None:
        """Reserve the place of events made when the trace is built, on the export thread:
        `build` returns them raw (their attributes are made JSON-safe then, as
        `add_raw_event`'s). For a stream's chunks: the caller's thread keeps what `build`
        reads, a time and a chunk each, instead of making an event each."""
        if self._writable("add_event"):
            self._append_raw(_LazyEvents("", 0, {}, build))

    def _append_raw(self, event: SpanEvent) -> None:
        if self._events is _NO_EVENTS:
            self._events = []
        if self._raw_events_from is None:
            self._raw_events_from = len(self._events)
        self._events.append(event)

    @property
    def events(self) -> list[SpanEvent]:
        if self._raw_events_from is None:
            return list(self._events)
        return _expanded(self._events)

    def defer(self, work: Callable[[], None]) -> None:
        """Run `work` when the trace is built (on the export thread), before span processors
        and with the span still writable: for outputs costly to assemble, such as a stream's."""
        if self._deferred is None:
            self._deferred = []
        self._deferred.append(work)

    def finalize(self) -> None:
        """Run the deferred work and serialise raw events; later calls do nothing."""
        if self._deferred is None and self._raw_events_from is None:
            return
        # The export thread (a live part) and the overflow thread (a spilled trace) may both
        # finalize an ended span: one does the work, the other waits until it is done.
        with _FINALIZING:
            deferred, self._deferred = self._deferred, None
            start, self._raw_events_from = self._raw_events_from, None
            if deferred is None and start is None:
                return
            editable = self._editable
            self._editable = True
            try:
                for work in deferred or ():
                    try:
                        work()
                    except Exception as exc:
                        log_internal_error("finishing a span", exc)
                events = self._events
                if start is not None:
                    events[start:] = [_serialised(e) for e in _expanded(events[start:])]
            finally:
                self._editable = editable

    def record_exception(self, exception: BaseException | str) -> None:
        """Add an `exception` event and set status ERROR with "<Type>: <message>"."""
        if not self._writable("record_exception"):
            return
        if isinstance(exception, BaseException):
            self.add_event(SpanEvent.from_exception(exception))
            self._status = SpanStatus(SpanStatusCode.ERROR, _describe(exception))
        else:
            event = SpanEvent(
                ExceptionEventKey.EVENT_NAME, attributes={ExceptionEventKey.MESSAGE: exception}
            )
            self.add_event(event)
            self._status = SpanStatus(SpanStatusCode.ERROR, str(exception))

    def end(
        self,
        outputs: Any = None,
        attributes: Mapping[str, Any] | None = None,
        status: SpanStatus | SpanStatusCode | str | None = None,
        end_time_ns: int | None = None,
    ) -> None:
        """End the span (status OK unless set otherwise). Ending twice is a no-op."""
        if self._end_time_ns is not None:
            warn_once("span-ended-twice", f"spanscope: span {self._name!r} was ended twice")
            return
        try:
            if outputs is not None:
                self.set_outputs(outputs)
            if attributes:
                self.set_attributes(attributes)
            if status is not None:
                self.set_status(status)
            if self._status is _UNSET or self._status.status_code is SpanStatusCode.UNSET:
                self._status = _OK
        except Exception as exc:
            log_internal_error("ending a span", exc)
        self._end_time_ns = end_time_ns if end_time_ns is not None else time.time_ns()
        self._buffer.on_span_end(self)

    def freeze(self) -> Span:
        """A finished, immutable span with this span's fields (deferred work done first).

        The attribute dict and the event list are handed over, not copied: an ended span
        refuses every setter, and the deferred work and the span processors ran before this.
        """
        self.finalize()
        events = self._events
        return Span(
            trace_id=self._trace_id,
            span_id=self._span_id,
            parent_id=self._parent_id,
            name=self._name,
            start_time_ns=self._start_time_ns,
            end_time_ns=self._end_time_ns,
            status=self._status,
            attributes_json=self.attributes_json,
            events=[] if events is _NO_EVENTS else events,
        )

    def record(self) -> tuple[Any, ...]:
        """This span's fields as plain data (`trace_builder.trace_record`, deferred work done
        first), as `freeze` would give them, without making the frozen span."""
        self.finalize()
        status = self._status
        events = self._events
        return (
            self._span_id,
            self._parent_id,
            self._name,
            self._start_time_ns,
            self._end_time_ns,
            _CODE_VALUES[status.status_code],
            status.description,
            self.attributes_json,
            [(e.name, e.timestamp_ns, e.attributes) for e in events] if events else None,
        )

    def snapshot(self, end_time_ns: int | None) -> LiveSpan:
        """A detached copy of this span as it is now, ending at `end_time_ns` (None: open),
        for a live part of its trace or a span its trace ended without. The copy has this
        span's values but not its deferred work (that runs when the trace is built); its raw
        events are its own, serialised when it is frozen."""
        copy: LiveSpan = object.__new__(LiveSpan)
        copy._buffer = self._buffer
        copy._editable = False
        copy._trace_id = self._trace_id
        copy._span_id = self._span_id
        copy._parent_id = self._parent_id
        copy._name = self._name
        copy._start_time_ns = self._start_time_ns
        copy._end_time_ns = end_time_ns
        copy._status = self._status
        copy._attrs = dict(self.attributes_json)  # the span's thread may be setting values
        events = self._events
        copy._events = _NO_EVENTS if events is _NO_EVENTS else list(events)
        copy._decoded = None
        copy._deferred = None
        copy._raw_events_from = self._raw_events_from
        return copy

    def _writable(self, what: str) -> bool:
        if self._end_time_ns is None or self._editable:
            return True
        warn_once(
            "ended-span-" + what,
            f"spanscope: {what}() on span {self._name!r} after it ended; ignored",
        )
        return False

    def _set(self, key: str, value: Any) -> None:
        if self._end_time_ns is not None and not self._writable("set"):
            return
        try:
            self.attributes_json[key] = dumps(value, self._buffer.max_value_bytes)
        except Exception as exc:
            log_internal_error("serialising a span value", exc)
        self._decoded = None


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exception_message(exc)}"


class NoOpSpan:
    """Stands in for a span when tracing is off or the trace was sampled out."""

    __slots__ = ()

    trace_id = None
    span_id = None
    parent_id = None
    name = ""
    span_type = ""
    inputs = None
    outputs = None
    is_ended = True

    @property
    def attributes(self) -> dict[str, Any]:
        return {}

    def set_inputs(self, inputs: Any) -> None:
        pass

    def set_outputs(self, outputs: Any) -> None:
        pass

    def set_span_type(self, span_type: str) -> None:
        pass

    def set_attribute(self, key: str, value: Any) -> None:
        pass

    def set_attributes(self, attributes: Mapping[str, Any]) -> None:
        pass

    def set_name(self, name: str) -> None:
        pass

    def set_status(self, status: Any, description: str = "") -> None:
        pass

    def add_event(self, event: SpanEvent) -> None:
        pass

    def record_exception(self, exception: BaseException | str) -> None:
        pass

    def end(self, *args: Any, **kwargs: Any) -> None:
        pass

    def get_attribute(self, key: str, default: Any = None) -> Any:
        return default

    def __repr__(self) -> str:
        return "NoOpSpan()"


NOOP_SPAN = NoOpSpan()


def _expanded(events: list[SpanEvent]) -> list[SpanEvent]:
    """`events` with each lazy block replaced by the events its `build` makes, merged by time
    with the events added after the block's place (a block stands for events made over a
    while, such as a stream's chunks, between which other events may have been added)."""
    out: list[SpanEvent] = []
    pending: list[SpanEvent] = []  # built, in time order, not yet placed
    for event in events:
        if type(event) is _LazyEvents:
            made = _build(event)
            pending = list(heapq.merge(pending, made, key=_time)) if pending else made
            continue
        if pending:
            placed = 0
            while placed < len(pending) and pending[placed].timestamp_ns <= event.timestamp_ns:
                placed += 1
            out.extend(pending[:placed])
            del pending[:placed]
        out.append(event)
    out.extend(pending)
    return out


def _time(event: SpanEvent) -> int:
    return event.timestamp_ns


def _build(event: _LazyEvents) -> list[SpanEvent]:
    try:
        return event.build()
    except Exception as exc:
        log_internal_error("making span events", exc)
        return []


def _serialised(event: SpanEvent) -> SpanEvent:
    try:
        attributes = to_jsonable(event.attributes)
    except Exception as exc:
        log_internal_error("serialising a span event", exc)
        attributes = {}
    return SpanEvent(event.name, event.timestamp_ns, attributes)
