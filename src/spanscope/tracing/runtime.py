"""Switches and settings of the tracing runtime: enable/disable, configure, exporters, reset."""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Sequence
from typing import Any

from spanscope.constants import (
    DEFAULT_EXPERIMENT_ID,
    ENV_EXPERIMENT_ID,
    ENV_EXPERIMENT_NAME,
    ENV_EXPORTERS,
    ENV_TRACING_DISABLED,
)
from spanscope.exceptions import InvalidArgumentError
from spanscope.safety import reset as reset_errors
from spanscope.store.uri import reset as reset_stores
from spanscope.tracing.config import TracingConfig
from spanscope.tracing.export.base import TraceExporter
from spanscope.tracing.export.memory import InMemoryTraceExporter
from spanscope.tracing.export.otlp import EnvOtlpExporter, otlp_endpoint_configured
from spanscope.tracing.export.queue import flush, install_exit_hooks
from spanscope.tracing.export.store import StoreExporter
from spanscope.tracing.state import STATE, SpanProcessor, TracingStats

__all__ = [
    "add_exporter",
    "add_span_processor",
    "configure",
    "disable",
    "enable",
    "flush",
    "get_exporters",
    "is_enabled",
    "remove_exporter",
    "reset",
    "set_exporters",
    "stats",
]

RECENT_TRACES = 100
_logger = logging.getLogger("spanscope")


def enable() -> None:
    """Turn tracing on (the default)."""
    STATE.enabled = True


def disable() -> None:
    """Turn tracing off: traced functions run as if undecorated."""
    STATE.enabled = False


def is_enabled() -> bool:
    return STATE.enabled


def stats() -> TracingStats:
    """Counters of the export pipeline: exported, dropped (and why), queued."""
    return STATE.stats()


def configure(
    *,
    sampling_ratio: float | None = None,
    queue_size: int | None = None,
    queue_max_bytes: int | None = None,
    queue_memory_bytes: int | None = None,
    batch_size: int | None = None,
    export_interval_s: float | None = None,
    live_interval_s: float | None = None,
    max_value_bytes: int | None = None,
    exit_flush_timeout_s: float | None = None,
    delivery_timeout_s: float | None = None,
    spool: bool | None = None,
) -> TracingConfig:
    """Change tracing settings; unspecified ones keep their value. Returns the new settings.

    Queue settings take effect after the queued traces are flushed.
    """
    old = STATE.config
    given: dict[str, Any] = {
        "sampling_ratio": sampling_ratio,
        "queue_size": queue_size,
        "queue_max_bytes": queue_max_bytes,
        "queue_memory_bytes": queue_memory_bytes,
        "batch_size": batch_size,
        "export_interval_s": export_interval_s,
        "live_interval_s": live_interval_s,
        "max_value_bytes": max_value_bytes,
        "exit_flush_timeout_s": exit_flush_timeout_s,
        "delivery_timeout_s": delivery_timeout_s,
        "spool": spool,
    }
    new = dataclasses.replace(old, **{k: v for k, v in given.items() if v is not None})
    new.validate()
    STATE.config = new
    delivery = STATE.delivery
    if delivery is not None:
        delivery.timeout_s = new.delivery_timeout_s
    if not new.spool and delivery is not None:
        STATE.delivery = None
        delivery.stop()
    queue_changed = (
        new.queue_size,
        new.queue_max_bytes,
        new.queue_memory_bytes,
        new.batch_size,
        new.spool,
        new.export_interval_s,
    ) != (
        old.queue_size,
        old.queue_max_bytes,
        old.queue_memory_bytes,
        old.batch_size,
        old.spool,
        old.export_interval_s,
    )
    if queue_changed:
        _stop_queue()
    return new


def add_span_processor(processor: SpanProcessor) -> None:
    """Run `processor(span)` on every span before export (e.g. to redact PII).

    It runs on the export thread and may edit the span with its setters; its errors are logged.
    """
    if not callable(processor):
        raise InvalidArgumentError(
            f"a span processor is a callable taking a LiveSpan, got {type(processor).__name__}"
        )
    STATE.span_processors.append(processor)


def set_exporters(exporters: Sequence[TraceExporter]) -> None:
    """Replace the exporters finished traces go to."""
    for exporter in exporters:
        _check_exporter(exporter)
    STATE.exporters = list(exporters)


def add_exporter(exporter: TraceExporter) -> None:
    _check_exporter(exporter)
    STATE.exporters = [*STATE.exporters, exporter]


def remove_exporter(exporter: TraceExporter) -> None:
    STATE.exporters = [e for e in STATE.exporters if e is not exporter]


def get_exporters() -> list[TraceExporter]:
    return list(STATE.exporters)


def reset() -> None:
    """Flush, then restore every setting and counter to its start-up value (for tests):
    exporters, processors, sampling, tracking URI and open stores, current experiment, stats,
    autolog patches, notebook display and warnings already given."""
    _stop_queue()
    delivery, STATE.delivery = STATE.delivery, None
    if delivery is not None:
        delivery.stop()
    for hook in list(STATE.reset_hooks):
        hook()
    for exporter in STATE.exporters:
        try:
            exporter.shutdown()
        except Exception:
            _logger.warning("spanscope: %r failed to shut down", exporter, exc_info=True)
    STATE.in_flight.clear()
    STATE.last_trace_id = None
    STATE.span_processors = []
    STATE.exporters = []
    reset_stores()
    reset_errors()
    STATE.traces_exported = 0
    STATE.traces_dropped_queue_full = 0
    STATE.traces_dropped_export_error = 0
    STATE.traces_spooled = 0
    STATE.traces_overflowed = 0
    STATE.traces_replayed = 0
    STATE.traces_evicted = 0
    STATE.traces_dropped_spool_error = 0
    STATE.traces_sampled_out = 0
    STATE.spans_dropped_late = 0
    STATE.live_parts_sent = 0
    STATE.live_parts_failed = 0
    STATE.memory_releases = 0
    install_defaults()


def install_defaults() -> None:
    """Settings from the environment, and the buffer of recent traces."""
    try:
        STATE.config = TracingConfig.from_env()
    except InvalidArgumentError as exc:
        _logger.warning("spanscope: %s; using the default tracing settings", exc)
        STATE.config = TracingConfig()
    STATE.enabled = os.environ.get(ENV_TRACING_DISABLED, "").lower() not in ("1", "true", "yes")
    STATE.recent = InMemoryTraceExporter(max_traces=RECENT_TRACES)
    STATE.exporters = default_exporters()
    experiment_id = os.environ.get(ENV_EXPERIMENT_ID, "").strip()
    STATE.experiment_id = experiment_id or DEFAULT_EXPERIMENT_ID
    experiment_name = os.environ.get(ENV_EXPERIMENT_NAME, "").strip()
    STATE.experiment_name_pending = (
        experiment_name if experiment_name and not experiment_id else None
    )


def default_exporters() -> list[TraceExporter]:
    """The store of the tracking URI, and an OTLP endpoint if one is configured; or exactly
    what SPANSCOPE_EXPORTERS lists ("store", "otlp", comma-separated; "none" for nothing)."""
    listed = os.environ.get(ENV_EXPORTERS, "").strip().lower()
    names = {n.strip() for n in listed.split(",") if n.strip()} if listed else {"store"}
    if not listed and otlp_endpoint_configured():
        names.add("otlp")
    unknown = names - {"store", "otlp", "none"}
    if unknown:
        _logger.warning(
            "spanscope: %s=%r names unknown exporters %s; accepted: store, otlp, none",
            ENV_EXPORTERS,
            listed,
            sorted(unknown),
        )
    exporters: list[TraceExporter] = []
    if "store" in names:
        exporters.append(StoreExporter())
    if "otlp" in names:
        exporters.append(EnvOtlpExporter())
    return exporters


def _stop_queue() -> None:
    queue = STATE.queue
    if queue is not None:
        STATE.queue = None
        queue.shutdown(STATE.config.exit_flush_timeout_s)


def _check_exporter(exporter: object) -> None:
    if not callable(getattr(exporter, "export", None)):
        raise InvalidArgumentError(
            f"an exporter needs an export(traces) method, got {type(exporter).__name__}"
        )


install_defaults()
install_exit_hooks()
