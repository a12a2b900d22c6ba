"""Exporters rebuilt from a spool destination key, to replay batches another process left.

Credentials are not spooled: a server's token comes from SPANSCOPE_TRACKING_TOKEN and an OTLP
endpoint's headers from the OTEL_EXPORTER_OTLP_* variables of the replaying process.
"""

from __future__ import annotations

from spanscope.safety import warn_rate_limited
from spanscope.tracing.export.delivery import SpoolingExporter
from spanscope.tracing.export.store import StoreExporter

__all__ = ["open_destination"]


def open_destination(destination: str) -> SpoolingExporter | None:
    """An exporter for `destination` ("store:<uri>" or "otlp:<endpoint>"), or None."""
    kind, _, where = destination.partition(":")
    try:
        if kind == "store":
            return StoreExporter(where)
        if kind == "otlp":
            from spanscope.otel.export import OtlpTraceExporter  # protobuf loads only now

            return OtlpTraceExporter(where)
    except Exception as exc:
        warn_rate_limited(
            "spool-destination-" + destination,
            f"spanscope: spooled traces for {destination} cannot be replayed from this process "
            f"({type(exc).__name__}: {exc}); they stay in the spool",
        )
    return None
