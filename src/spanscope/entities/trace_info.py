"""TraceInfo: what is known of a trace as a whole."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from spanscope.constants import DEFAULT_EXPERIMENT_ID, TraceMetadataKey
from spanscope.entities.assessment import Assessment
from spanscope.entities.serialization import loads

__all__ = ["TraceInfo", "TraceState"]


class TraceState(str, enum.Enum):
    """The state of a trace, from its root span."""

    OK = "OK"
    ERROR = "ERROR"
    IN_PROGRESS = "IN_PROGRESS"


@dataclass(slots=True)
class TraceInfo:
    """Trace-level fields; `metadata` is set while the trace runs, `tags` stay editable."""

    trace_id: str
    experiment_id: str = DEFAULT_EXPERIMENT_ID
    request_time: int = 0
    execution_duration: int | None = None
    state: TraceState = TraceState.IN_PROGRESS
    name: str | None = None
    request_preview: str | None = None
    response_preview: str | None = None
    client_request_id: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    # Feedback and expectations on the trace and its spans, the overridden ones included.
    assessments: list[Assessment] = field(default_factory=list)
    # What the trace's LLM calls cost: {"input", "output", "total", "currency": "USD", ...},
    # set by the store from its price book (docs/cost.md); None when no call could be priced.
    cost: dict[str, Any] | None = None

    @property
    def session_id(self) -> str | None:
        return self.metadata.get(TraceMetadataKey.SESSION)

    @property
    def user_id(self) -> str | None:
        return self.metadata.get(TraceMetadataKey.USER)

    @property
    def token_usage(self) -> dict[str, int] | None:
        raw = self.metadata.get(TraceMetadataKey.TOKEN_USAGE)
        return None if raw is None else dict(loads(raw))

    def to_dict(self) -> dict[str, Any]:
        return {
            "trace_id": self.trace_id,
            "experiment_id": self.experiment_id,
            "request_time": self.request_time,
            "execution_duration": self.execution_duration,
            "state": self.state.value,
            "name": self.name,
            "request_preview": self.request_preview,
            "response_preview": self.response_preview,
            "client_request_id": self.client_request_id,
            "metadata": dict(self.metadata),
            "tags": dict(self.tags),
            "assessments": [a.to_dict() for a in self.assessments],
            "cost": None if self.cost is None else dict(self.cost),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TraceInfo:
        duration = data.get("execution_duration")
        return cls(
            trace_id=data["trace_id"],
            experiment_id=str(data.get("experiment_id", DEFAULT_EXPERIMENT_ID)),
            request_time=int(data.get("request_time", 0)),
            execution_duration=None if duration is None else int(duration),
            state=TraceState(data.get("state", TraceState.IN_PROGRESS.value)),
            name=data.get("name"),
            request_preview=data.get("request_preview"),
            response_preview=data.get("response_preview"),
            client_request_id=data.get("client_request_id"),
            metadata=dict(data.get("metadata") or {}),
            tags=dict(data.get("tags") or {}),
            assessments=[Assessment.from_dict(a) for a in data.get("assessments") or []],
            cost=dict(data["cost"]) if isinstance(data.get("cost"), dict) else None,
        )

    def search_assessments(
        self,
        name: str | None = None,
        *,
        span_id: str | None = None,
        kind: str | None = None,
        all: bool = False,
    ) -> list[Assessment]:
        """The valid assessments (every one with `all=True`) of a name, span or kind."""
        return [
            a
            for a in self.assessments
            if (all or a.valid)
            and (name is None or a.name == name)
            and (span_id is None or a.span_id == span_id)
            and (kind is None or a.kind == kind)
        ]
