"""Session: the traces of one conversation, grouped by session id."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Session"]


@dataclass(slots=True)
class Session:
    """A conversation: its traces share `session_id` (trace metadata)."""

    session_id: str
    experiment_id: str
    trace_count: int
    first_request_time: int
    last_request_time: int
    user_id: str | None = None
    # Over the session's turns: tokens (None when no turn reported usage), summed durations
    # (None when no turn has ended) and the turns that failed.
    total_tokens: int | None = None
    total_duration_ms: int | None = None
    error_count: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "session_id": self.session_id,
            "experiment_id": self.experiment_id,
            "trace_count": self.trace_count,
            "first_request_time": self.first_request_time,
            "last_request_time": self.last_request_time,
            "user_id": self.user_id,
            "total_tokens": self.total_tokens,
            "total_duration_ms": self.total_duration_ms,
            "error_count": self.error_count,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Session:
        return cls(
            session_id=str(data["session_id"]),
            experiment_id=str(data["experiment_id"]),
            trace_count=int(data["trace_count"]),
            first_request_time=int(data["first_request_time"]),
            last_request_time=int(data["last_request_time"]),
            user_id=data.get("user_id"),
            total_tokens=_optional_int(data.get("total_tokens")),
            total_duration_ms=_optional_int(data.get("total_duration_ms")),
            error_count=int(data.get("error_count") or 0),
        )


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)
