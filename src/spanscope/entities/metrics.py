"""Metrics over an experiment's traces: per time bucket and group (docs/dashboard.md).

The definitions every store answers with (and the tests compute in Python):

- A trace is in the range when `start_ms <= request_time < end_ms`; buckets are aligned to
  multiples of their length since the Unix epoch (UTC: a day starts at 00:00 UTC).
- `trace_count`: traces; `error_count`: traces in state ERROR; `error_rate`: their share (None
  for an empty bucket).
- `latency_pXX`: the nearest-rank percentile of the traces' execution time (ms), in-progress
  traces (no duration) left out: the k-th smallest with k = ceil(XX * n / 100), computed in
  integers; None without any duration.
- `input_tokens`, `output_tokens`: sums, a trace without usage counting 0.
- `cost`: the sum of the traces' costs in USD (docs/cost.md) over those that have one; None
  when none of the bucket's traces has a cost (an unknown price is not a price of 0).
- Group keys: `model` the trace's model (the first span by start time, then span id, naming
  `gen_ai.response.model` or else `gen_ai.request.model`: one model per trace, so groups
  partition the traces); `span_type` the type of the trace's root span (its earliest span
  without a parent, else its earliest span); `tags.<key>` the tag's value; `user`, `session`
  the trace's user and session ids. A trace without the value is in the group None.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from spanscope.exceptions import InvalidArgumentError

__all__ = [
    "BUCKET_MS",
    "GROUP_FIELDS",
    "MAX_BUCKETS",
    "MAX_GROUPS",
    "METRIC_NAMES",
    "PERCENTILES",
    "MetricsGroup",
    "MetricsSeries",
    "check_metrics_request",
]

BUCKET_MS: Final = {
    "minute": 60_000,
    "5min": 300_000,
    "hour": 3_600_000,
    "day": 86_400_000,
}
GROUP_FIELDS: Final = ("model", "span_type", "user", "session")  # and "tags.<key>"
PERCENTILES: Final = (50, 90, 95, 99)
METRIC_NAMES: Final = (
    "trace_count",
    "error_count",
    "error_rate",
    *(f"latency_p{p}" for p in PERCENTILES),
    "input_tokens",
    "output_tokens",
    "cost",
)

MAX_BUCKETS: Final = 10_000
MAX_GROUPS: Final = 50

Number = int | float | None


def check_metrics_request(
    start_ms: int,
    end_ms: int,
    bucket: str,
    group_by: str | None,
    metrics: Sequence[str] | None,
) -> list[str]:
    """The metrics asked for (all by default); InvalidArgumentError for a bad request."""
    for name, value in (("start_ms", start_ms), ("end_ms", end_ms)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise InvalidArgumentError(f"{name} is a non-negative integer, got {value!r}")
    if end_ms <= start_ms:
        raise InvalidArgumentError(f"end_ms ({end_ms}) must be after start_ms ({start_ms})")
    size = BUCKET_MS.get(bucket)
    if size is None:
        raise InvalidArgumentError(f"bucket is one of {', '.join(BUCKET_MS)}, got {bucket!r}")
    count = -(-end_ms // size) - start_ms // size
    if count > MAX_BUCKETS:
        raise InvalidArgumentError(
            f"the range holds {count} {bucket} buckets, at most {MAX_BUCKETS}: "
            "choose a larger bucket or a shorter range"
        )
    tag_key = group_by is not None and group_by.startswith("tags.") and 5 < len(group_by) <= 255
    if group_by is not None and group_by not in GROUP_FIELDS and not tag_key:
        raise InvalidArgumentError(
            f"group_by is one of {', '.join(GROUP_FIELDS)} or tags.<key>, got {group_by!r}"
        )
    if metrics is None:
        return list(METRIC_NAMES)
    unknown = [m for m in metrics if m not in METRIC_NAMES]
    if unknown or not metrics:
        raise InvalidArgumentError(
            f"metrics are among {', '.join(METRIC_NAMES)}, got {list(metrics)!r}"
        )
    return list(dict.fromkeys(metrics))


@dataclass(slots=True)
class MetricsGroup:
    """One group's series: for each metric, a value per bucket of the series."""

    key: str | None
    values: dict[str, list[Number]]

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "values": self.values}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MetricsGroup:
        return cls(key=data.get("key"), values={k: list(v) for k, v in data["values"].items()})


@dataclass(slots=True)
class MetricsSeries:
    """Metrics of an experiment over [start_ms, end_ms): `buckets` are the bucket starts (every
    bucket of the range, empty ones too); each group has a value per bucket. Without group_by
    there is one group, key None. Groups come by trace count, largest first (then key); past
    `max_groups` the smallest are left out and counted in `omitted_groups`."""

    experiment_id: str
    start_ms: int
    end_ms: int
    bucket: str
    bucket_ms: int
    group_by: str | None
    metrics: list[str]
    buckets: list[int]
    groups: list[MetricsGroup] = field(default_factory=list)
    omitted_groups: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "experiment_id": self.experiment_id,
            "start_ms": self.start_ms,
            "end_ms": self.end_ms,
            "bucket": self.bucket,
            "bucket_ms": self.bucket_ms,
            "group_by": self.group_by,
            "metrics": list(self.metrics),
            "buckets": list(self.buckets),
            "groups": [g.to_dict() for g in self.groups],
            "omitted_groups": self.omitted_groups,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MetricsSeries:
        return cls(
            experiment_id=str(data["experiment_id"]),
            start_ms=int(data["start_ms"]),
            end_ms=int(data["end_ms"]),
            bucket=str(data["bucket"]),
            bucket_ms=int(data["bucket_ms"]),
            group_by=data.get("group_by"),
            metrics=[str(m) for m in data["metrics"]],
            buckets=[int(b) for b in data["buckets"]],
            groups=[MetricsGroup.from_dict(g) for g in data["groups"]],
            omitted_groups=int(data.get("omitted_groups", 0)),
        )

    def group(self, key: str | None) -> MetricsGroup | None:
        """The group with `key`, if any."""
        return next((g for g in self.groups if g.key == key), None)
