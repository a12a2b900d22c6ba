"""Tracing settings, read from the environment and overridable by `configure()`."""

from __future__ import annotations

import os
from dataclasses import dataclass

from spanscope import constants as C
from spanscope.exceptions import InvalidArgumentError

__all__ = ["TracingConfig"]


@dataclass(slots=True)
class TracingConfig:
    """Knobs of the tracing runtime; see `spanscope.tracing.configure`."""

    sampling_ratio: float = 1.0
    # The export queue is bounded by an estimate of the memory its traces hold (see
    # `TraceBuffer.estimated_bytes`): past `queue_memory_bytes` the worker moves the oldest to
    # the overflow file on disk; past `queue_max_bytes` (a worker stuck in an exporter, or the
    # overflow off) new traces are dropped, counted.
    queue_memory_bytes: int = 4 * 1024 * 1024
    queue_max_bytes: int = 256 * 1024 * 1024
    # An optional cap on the number of queued traces as well (None: bytes only).
    queue_size: int | None = None
    batch_size: int = 256
    export_interval_s: float = 0.5
    # A trace running longer than this is sent to stores and servers in parts while it runs,
    # one part per interval (its newly ended spans and the spans open longer than this);
    # 0 turns live traces off. Longer than the export interval: most traces end before it, and
    # cost nothing more.
    live_interval_s: float = 2.0
    max_value_bytes: int = 1_048_576
    # At exit (and on SIGTERM) traces are delivered for this long; the rest go to the spool.
    exit_flush_timeout_s: float = 10.0
    # How long one delivery to a destination that can fail may retry before its batch is left
    # to the spool (and the background replay).
    delivery_timeout_s: float = 5.0
    # Keep what a destination cannot take now in the spool ($SPANSCOPE_HOME/spool).
    spool: bool = True

    @classmethod
    def from_env(cls) -> TracingConfig:
        config = cls()
        config.sampling_ratio = _env_float(C.ENV_SAMPLING_RATIO, config.sampling_ratio)
        config.queue_max_bytes = _env_int(C.ENV_QUEUE_MAX_BYTES, config.queue_max_bytes)
        config.queue_memory_bytes = _env_int(C.ENV_QUEUE_MEMORY_BYTES, config.queue_memory_bytes)
        if os.environ.get(C.ENV_QUEUE_SIZE, "").strip():
            config.queue_size = _env_int(C.ENV_QUEUE_SIZE, 0)
        config.batch_size = _env_int(C.ENV_BATCH_SIZE, config.batch_size)
        config.export_interval_s = _env_int(C.ENV_EXPORT_INTERVAL_MS, 500) / 1000
        config.live_interval_s = _env_int(C.ENV_LIVE_INTERVAL_MS, 2000) / 1000
        config.max_value_bytes = _env_int(C.ENV_MAX_VALUE_BYTES, config.max_value_bytes)
        config.exit_flush_timeout_s = _env_float(
            C.ENV_EXIT_FLUSH_TIMEOUT_S, config.exit_flush_timeout_s
        )
        config.delivery_timeout_s = _env_float(C.ENV_DELIVERY_TIMEOUT_S, config.delivery_timeout_s)
        disabled = os.environ.get(C.ENV_SPOOL_DISABLED, "").strip().lower()
        config.spool = disabled not in ("1", "true", "yes")
        config.validate()
        return config

    def validate(self) -> None:
        if not 0.0 <= self.sampling_ratio <= 1.0:
            raise InvalidArgumentError(
                f"sampling_ratio must be between 0.0 and 1.0, got {self.sampling_ratio!r}"
            )
        for name in (
            "queue_size",
            "queue_max_bytes",
            "queue_memory_bytes",
            "batch_size",
            "max_value_bytes",
        ):
            value = getattr(self, name)
            if name == "queue_size" and value is None:
                continue
            if not isinstance(value, int) or value < 1:
                raise InvalidArgumentError(f"{name} must be a positive integer, got {value!r}")
        for name in ("export_interval_s", "delivery_timeout_s"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or value <= 0:
                raise InvalidArgumentError(f"{name} must be a positive number, got {value!r}")
        if not isinstance(self.live_interval_s, (int, float)) or self.live_interval_s < 0:
            raise InvalidArgumentError(
                "live_interval_s must be zero (live traces off) or a positive number of "
                f"seconds, got {self.live_interval_s!r}"
            )
        if not isinstance(self.exit_flush_timeout_s, (int, float)) or self.exit_flush_timeout_s < 0:
            raise InvalidArgumentError(
                "exit_flush_timeout_s must be zero or a positive number, "
                f"got {self.exit_flush_timeout_s!r}"
            )


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise InvalidArgumentError(f"{name}={raw!r} is not a number") from None


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise InvalidArgumentError(f"{name}={raw!r} is not an integer") from None
