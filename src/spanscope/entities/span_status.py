"""Span status: UNSET, OK or ERROR with a description."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from spanscope.exceptions import InvalidArgumentError

__all__ = ["SpanStatus", "SpanStatusCode"]


class SpanStatusCode(str, enum.Enum):
    """The OpenTelemetry status codes."""

    UNSET = "UNSET"
    OK = "OK"
    ERROR = "ERROR"


@dataclass(frozen=True, slots=True)
class SpanStatus:
    """A span's status; the description matters only for ERROR."""

    status_code: SpanStatusCode = SpanStatusCode.UNSET
    description: str = ""

    @classmethod
    def coerce(cls, value: SpanStatus | SpanStatusCode | str) -> SpanStatus:
        """Accept a SpanStatus, a SpanStatusCode or one of "UNSET", "OK", "ERROR"."""
        if isinstance(value, SpanStatus):
            return value
        try:
            return cls(SpanStatusCode(value))
        except ValueError:
            raise InvalidArgumentError(
                f"invalid span status {value!r}: expected a SpanStatus or one of "
                f"{[c.value for c in SpanStatusCode]}"
            ) from None

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.status_code.value, "message": self.description}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SpanStatus:
        return cls(SpanStatusCode(data.get("code", "UNSET")), data.get("message") or "")
