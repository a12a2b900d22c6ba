"""Handing built traces to the exporters: the spooled delivery for exporters that can spool,
a plain call for the others; what is lost is counted and warned."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeGuard

from spanscope.entities.trace import Trace
from spanscope.safety import report_background_error, warn_rate_limited
from spanscope.tracing.state import STATE

if TYPE_CHECKING:
    from spanscope.tracing.export.delivery import Delivery, SpoolingExporter

__all__ = ["deliver", "dropped", "process_delivery", "spools"]


def deliver(traces: list[Trace]) -> None:
    """Hand a batch to every exporter (through the spool for those that can spool)."""
    recent = STATE.recent
    if recent is not None:
        recent.export(traces)
    # A trace counts as exported when every exporter delivered it; what one could not
    # deliver is counted as spooled or dropped for it (see docs/reliability.md).
    delivery = process_delivery()
    exported = len(traces)
    for exporter in list(STATE.exporters):
        if delivery is not None and spools(exporter):
            try:
                delivered = delivery.export(exporter, traces)
            except Exception as exc:  # the spool's own bookkeeping failed
                report_background_error("spooled delivery", exc)
                dropped(exporter, len(traces), exc)
                delivered = 0
        else:
            try:
                exporter.export(traces)
            except Exception as exc:
                failed = getattr(exc, "failed_count", len(traces))
                dropped(exporter, failed, exc)
                delivered = len(traces) - failed
            else:
                delivered = len(traces)
        exported = min(exported, delivered)
    with STATE.lock:
        STATE.traces_exported += exported


def dropped(exporter: object, count: int, exc: BaseException) -> None:
    with STATE.lock:
        STATE.traces_dropped_export_error += count
        total = STATE.traces_dropped_export_error
    warn_rate_limited(
        "export-error-" + type(exporter).__name__,
        f"spanscope: {type(exporter).__name__}.export failed for {count} trace(s), which it "
        f"did not store: {type(exc).__name__}: {exc}. Totals: {total} trace(s) dropped "
        "(spanscope.tracing.stats().traces_dropped_export_error).",
    )


def spools(exporter: object) -> TypeGuard[SpoolingExporter]:
    from spanscope.tracing.export.delivery import SpoolingExporter

    return isinstance(exporter, SpoolingExporter)


def process_delivery() -> Delivery | None:
    """The spooled delivery of this process, made at the first export (None: spool off)."""
    delivery = STATE.delivery
    if delivery is not None or not STATE.config.spool:
        return delivery
    # The spool (and sqlite3) loads at the first export, not at `import spanscope`.
    from spanscope.tracing.export.delivery import Delivery
    from spanscope.tracing.spool import Spool

    with STATE.lock:
        if STATE.delivery is None:
            STATE.delivery = Delivery(Spool(), STATE.config.delivery_timeout_s)
            STATE.delivery.start_replay_if_needed()
        return STATE.delivery
