"""The finished, immutable span."""

from __future__ import annotations

from typing import Any

import orjson

from spanscope.constants import SpanAttributeKey
from spanscope.entities.serialization import dumps, loads
from spanscope.entities.span_event import SpanEvent
from spanscope.entities.span_status import SpanStatus, SpanStatusCode
from spanscope.entities.span_type import SpanType

__all__ = ["Span"]

_RESERVED = frozenset(
    {SpanAttributeKey.SPAN_TYPE, SpanAttributeKey.INPUTS, SpanAttributeKey.OUTPUTS}
)

# Statuses without a message, shared (they are immutable): most stored spans have one.
_PLAIN_STATUS = {code.value: SpanStatus(code) for code in SpanStatusCode}


class Span:
    """One finished operation of a trace. Attribute values are kept as JSON text; a span read
    from a store keeps them decoded and encodes the text only when asked for it."""

    __slots__ = (
        "_attrs",
        "_decoded",
        "_end_time_ns",
        "_events",
        "_name",
        "_parent_id",
        "_span_id",
        "_start_time_ns",
        "_status",
        "_trace_id",
    )

    def __init__(
        self,
        *,
        trace_id: str,
        span_id: str,
        parent_id: str | None,
        name: str,
        start_time_ns: int,
        end_time_ns: int | None,
        status: SpanStatus,
        attributes_json: dict[str, str],
        events: list[SpanEvent],
    ) -> None:
        self._trace_id = trace_id
        self._span_id = span_id
        self._parent_id = parent_id
        self._name = name
        self._start_time_ns = start_time_ns
        self._end_time_ns = end_time_ns
        self._status = status
        self._attrs: dict[str, str] | None = attributes_json
        self._events = events
        self._decoded: dict[str, Any] | None = None

    @property
    def trace_id(self) -> str:
        return self._trace_id

    @property
    def span_id(self) -> str:
        return self._span_id

    @property
    def parent_id(self) -> str | None:
        return self._parent_id

    @property
    def name(self) -> str:
        return self._name

    @property
    def start_time_ns(self) -> int:
        return self._start_time_ns

    @property
    def end_time_ns(self) -> int | None:
        return self._end_time_ns

    @property
    def duration_ns(self) -> int | None:
        end = self._end_time_ns
        return None if end is None else end - self._start_time_ns

    @property
    def status(self) -> SpanStatus:
        return self._status

    @property
    def events(self) -> list[SpanEvent]:
        return list(self._events)

    @property
    def span_type(self) -> str:
        value = self._get(SpanAttributeKey.SPAN_TYPE, SpanType.UNKNOWN)
        return value if isinstance(value, str) else str(value)

    @property
    def inputs(self) -> Any:
        return self._get(SpanAttributeKey.INPUTS, None)

    @property
    def outputs(self) -> Any:
        return self._get(SpanAttributeKey.OUTPUTS, None)

    @property
    def attributes(self) -> dict[str, Any]:
        """The span's attributes, decoded, without the reserved type / inputs / outputs keys."""
        return {k: v for k, v in self._all_attributes().items() if k not in _RESERVED}

    @property
    def attributes_json(self) -> dict[str, str]:
        """Every attribute (type, inputs and outputs included) as its JSON text; do not mutate."""
        attrs = self._attrs
        if attrs is None:
            # Decoded stored JSON: plain values, encoded as they were, and never capped again
            # (the cap applies when a value is captured, not when it is read back).
            decoded = self._decoded or {}
            attrs = {k: orjson.dumps(v).decode() for k, v in decoded.items()}
            self._attrs = attrs
        return attrs

    def get_attribute(self, key: str, default: Any = None) -> Any:
        return self._get(key, default)

    def _get(self, key: str, default: Any) -> Any:
        attrs = self._attrs
        if attrs is None:  # read from a store: a copy of the decoded value, as loads gives
            decoded = self._decoded or {}
            if key not in decoded:
                return default
            value = decoded[key]
            if value is None or isinstance(value, (str, int, float)):
                return value
            return orjson.loads(orjson.dumps(value))
        raw = attrs.get(key)
        return default if raw is None else loads(raw)

    def _all_attributes(self) -> dict[str, Any]:
        decoded = self._decoded
        if decoded is None:
            decoded = {k: loads(v) for k, v in self.attributes_json.items()}
            self._decoded = decoded
        return decoded

    def to_dict(self) -> dict[str, Any]:
        return {
            "trace_id": self._trace_id,
            "span_id": self._span_id,
            "parent_id": self._parent_id,
            "name": self._name,
            "span_type": self.span_type,
            "start_time_ns": self._start_time_ns,
            "end_time_ns": self._end_time_ns,
            "status": self._status.to_dict(),
            "inputs": self.inputs,
            "outputs": self.outputs,
            "attributes": self.attributes,
            "events": [event.to_dict() for event in self.events],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Span:
        attrs = {key: dumps(value) for key, value in (data.get("attributes") or {}).items()}
        attrs[SpanAttributeKey.SPAN_TYPE] = dumps(data.get("span_type") or SpanType.UNKNOWN)
        for key, field in (
            (SpanAttributeKey.INPUTS, "inputs"),
            (SpanAttributeKey.OUTPUTS, "outputs"),
        ):
            if data.get(field) is not None:
                attrs[key] = dumps(data[field])
        end = data.get("end_time_ns")
        return cls(
            trace_id=data["trace_id"],
            span_id=data["span_id"],
            parent_id=data.get("parent_id"),
            name=data["name"],
            start_time_ns=int(data["start_time_ns"]),
            end_time_ns=None if end is None else int(end),
            status=SpanStatus.from_dict(data.get("status") or {}),
            attributes_json=attrs,
            events=[SpanEvent.from_dict(e) for e in data.get("events") or []],
        )

    @classmethod
    def from_stored(cls, content: str | bytes) -> Span:
        """The span of a store's JSON (the shape of `to_dict`, written by the store), decoded
        on first use (a page of traces read for their info never decodes its spans); its
        attributes are then kept decoded, not re-encoded nor capped."""
        span = _StoredSpan.__new__(_StoredSpan)
        span._content = content
        return span

    def _decode(self, content: str | bytes) -> None:
        data = orjson.loads(content)
        decoded = dict(data.get("attributes") or {})
        decoded[SpanAttributeKey.SPAN_TYPE] = data.get("span_type") or SpanType.UNKNOWN
        for key, field in (
            (SpanAttributeKey.INPUTS, "inputs"),
            (SpanAttributeKey.OUTPUTS, "outputs"),
        ):
            if data.get(field) is not None:
                decoded[key] = data[field]
        end = data.get("end_time_ns")
        self._trace_id = data["trace_id"]
        self._span_id = data["span_id"]
        self._parent_id = data.get("parent_id")
        self._name = data["name"]
        self._start_time_ns = int(data["start_time_ns"])
        self._end_time_ns = None if end is None else int(end)
        status = data.get("status") or {}
        plain = None if status.get("message") else _PLAIN_STATUS.get(status.get("code", "UNSET"))
        self._status = SpanStatus.from_dict(status) if plain is None else plain
        self._attrs = None
        self._decoded = decoded
        self._events = [SpanEvent.from_dict(e) for e in data.get("events") or []]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Span):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(name={self._name!r}, span_type={self.span_type!r}, "
            f"span_id={self._span_id!r}, parent_id={self._parent_id!r})"
        )


class _StoredSpan(Span):
    """A span read from a store: its stored JSON is decoded when a field is first read (an
    unset slot raises AttributeError, which lands in `__getattr__`)."""

    __slots__ = ("_content",)
    _content: str | bytes | None

    def __getattr__(self, name: str) -> Any:
        if name == "_content":
            raise AttributeError(name)
        content = self._content
        if content is None:  # decoded already: the attribute does not exist
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        self._content = None
        self._decode(content)
        return getattr(self, name)

    def __repr__(self) -> str:
        return (
            f"Span(name={self.name!r}, span_type={self.span_type!r}, "
            f"span_id={self.span_id!r}, parent_id={self.parent_id!r})"
        )
