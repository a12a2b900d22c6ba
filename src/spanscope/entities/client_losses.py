"""What clients reported losing, per experiment: traces (and spans) they could not deliver.

Every SDK sends its loss counters with each batch it delivers (the `x-spanscope-client-losses`
header, cumulative per process); the server keeps the increases, so an experiment can say how
many traces its clients lost recently, and why.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

__all__ = ["LOSS_CAUSES", "ClientLosses", "parse_loss_report"]

# Cause -> what it means; the keys are the header's and the API's.
LOSS_CAUSES: dict[str, str] = {
    "queue_full": "export queue full",
    "export_error": "refused by the destination",
    "evicted": "evicted from a full spool",
    "spool_error": "spool not writable",
    "late_spans": "spans ended after their trace",
}
_MAX_REPORT_BYTES = 2048
_MAX_COUNT = 2**53  # what JSON numbers hold exactly


@dataclass(slots=True)
class ClientLosses:
    """Losses clients reported for one experiment since `since_ms` (ms since the epoch)."""

    experiment_id: str
    since_ms: int
    by_cause: dict[str, int] = field(default_factory=dict)
    clients: int = 0

    @property
    def traces(self) -> int:
        """Traces lost (late spans are counted apart: their traces were delivered)."""
        return sum(n for cause, n in self.by_cause.items() if cause != "late_spans")

    def to_dict(self) -> dict[str, Any]:
        return {
            "experiment_id": self.experiment_id,
            "since_ms": self.since_ms,
            "by_cause": dict(self.by_cause),
            "clients": self.clients,
            "traces": self.traces,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ClientLosses:
        return cls(
            experiment_id=str(data["experiment_id"]),
            since_ms=int(data["since_ms"]),
            by_cause={str(k): int(v) for k, v in (data.get("by_cause") or {}).items()},
            clients=int(data.get("clients") or 0),
        )


def parse_loss_report(header: str | bytes | None) -> tuple[str, dict[str, int]] | None:
    """(client id, cumulative counts by cause) from a client's header; None if it is absent
    or malformed (a bad header never fails the batch it came with)."""
    if not header or len(header) > _MAX_REPORT_BYTES:
        return None
    try:
        body = orjson.loads(header)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(body, dict):
        return None
    client, losses = body.get("client_id"), body.get("losses")
    if not isinstance(client, str) or not 0 < len(client) <= 64 or not isinstance(losses, dict):
        return None
    counts = {
        cause: value
        for cause, value in losses.items()
        if cause in LOSS_CAUSES
        and isinstance(value, int)
        and not isinstance(value, bool)
        and 0 <= value < _MAX_COUNT
    }
    return client, counts
