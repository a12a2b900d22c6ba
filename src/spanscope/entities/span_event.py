"""Span events; an exception is the event named `exception` (OpenTelemetry convention)."""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass, field
from typing import Any

from spanscope.constants import ExceptionEventKey

__all__ = ["SpanEvent", "exception_message"]


@dataclass(frozen=True, slots=True)
class SpanEvent:
    """A named point in time within a span, with JSON-serialisable attributes."""

    name: str
    timestamp_ns: int = field(default_factory=time.time_ns)
    attributes: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_exception(cls, exc: BaseException) -> SpanEvent:
        """An `exception` event with type, message and the formatted stack trace."""
        stack = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        return cls(
            name=ExceptionEventKey.EVENT_NAME,
            attributes={
                ExceptionEventKey.TYPE: type(exc).__name__,
                ExceptionEventKey.MESSAGE: exception_message(exc),
                ExceptionEventKey.STACKTRACE: stack,
            },
        )

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "timestamp_ns": self.timestamp_ns, "attributes": self.attributes}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SpanEvent:
        return cls(data["name"], int(data["timestamp_ns"]), dict(data.get("attributes") or {}))


def exception_message(exc: BaseException) -> str:
    """`str(exc)`, or a stand-in when the exception's own `__str__` (or `__repr__`) raises."""
    try:
        return str(exc)
    except Exception:
        pass
    try:
        return repr(exc)
    except Exception:
        return f"<unprintable {type(exc).__name__} object>"
