"""Experiment: a named container of traces."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Experiment"]


@dataclass(slots=True)
class Experiment:
    """A named container of traces; `trace_count` / `last_trace_time` when the store knows."""

    experiment_id: str
    name: str
    created_at: int = 0
    last_update_time: int = 0
    tags: dict[str, str] = field(default_factory=dict)
    trace_count: int | None = None
    last_trace_time: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "experiment_id": self.experiment_id,
            "name": self.name,
            "created_at": self.created_at,
            "last_update_time": self.last_update_time,
            "tags": dict(self.tags),
            "trace_count": self.trace_count,
            "last_trace_time": self.last_trace_time,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Experiment:
        return cls(
            experiment_id=str(data["experiment_id"]),
            name=str(data["name"]),
            created_at=int(data.get("created_at") or 0),
            last_update_time=int(data.get("last_update_time") or 0),
            tags=dict(data.get("tags") or {}),
            trace_count=data.get("trace_count"),
            last_trace_time=data.get("last_trace_time"),
        )
