"""The OTLP exporter the environment asks for, built on first use (keeps imports light)."""

from __future__ import annotations

import os
from collections.abc import Sequence

from spanscope.constants import ENV_OTLP_ENDPOINT
from spanscope.entities.trace import Trace
from spanscope.tracing.export.base import TraceExporter

__all__ = ["OTEL_ENDPOINT_VARIABLES", "EnvOtlpExporter", "otlp_endpoint_configured"]

OTEL_ENDPOINT_VARIABLES = (
    ENV_OTLP_ENDPOINT,
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
)


def otlp_endpoint_configured() -> bool:
    return any(os.environ.get(name) for name in OTEL_ENDPOINT_VARIABLES)


class EnvOtlpExporter(TraceExporter):
    """Sends traces to the OTLP endpoint of SPANSCOPE_OTLP_ENDPOINT or the OTEL_* variables."""

    def __init__(self) -> None:
        self._exporter: TraceExporter | None = None

    def export(self, traces: Sequence[Trace]) -> None:
        if self._exporter is None:
            from spanscope.otel.export import OtlpTraceExporter

            self._exporter = OtlpTraceExporter()
        self._exporter.export(traces)

    def shutdown(self) -> None:
        if self._exporter is not None:
            self._exporter.shutdown()

    def __repr__(self) -> str:
        return "EnvOtlpExporter()"
