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

    def to_dict(self) -> dict[str, Any]:
        return {
            "session_id": self.session_id,
            "experiment_id": self.experiment_id,
            "trace_count": self.trace_count,
            "first_request_time": self.first_request_time,
            "last_request_time": self.last_request_time,
            "user_id": self.user_id,
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
        )
