"""The OTLP exporter the environment asks for, built on first use (keeps imports light)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from spanscope.constants import ENV_OTLP_ENDPOINT
from spanscope.entities.trace import Trace
from spanscope.tracing.export.base import TraceExporter

if TYPE_CHECKING:
    from spanscope.otel.export import OtlpTraceExporter

__all__ = ["OTEL_ENDPOINT_VARIABLES", "EnvOtlpExporter", "otlp_endpoint_configured"]

OTEL_ENDPOINT_VARIABLES = (
    ENV_OTLP_ENDPOINT,
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
)


def otlp_endpoint_configured() -> bool:
    return any(os.environ.get(name) for name in OTEL_ENDPOINT_VARIABLES)


class EnvOtlpExporter(TraceExporter):
    """Sends traces to the OTLP endpoint of SPANSCOPE_OTLP_ENDPOINT or the OTEL_* variables.

    `spanscope.otel` (protobuf, httpx) is imported at the first export, not at start-up.
    """

    def __init__(self) -> None:
        self._exporter: OtlpTraceExporter | None = None

    def export(self, traces: Sequence[Trace]) -> None:
        self._otlp().export(traces)

    # SpoolingExporter, by delegation

    def destination(self) -> str:
        return self._otlp().destination()

    def write_ahead(self) -> bool:
        return True

    def encode(self, traces: Sequence[Trace]) -> bytes:
        return self._otlp().encode(traces)

    def deliver(
        self,
        destination: str,
        payload: bytes,
        timeout_s: float,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self._otlp().deliver(destination, payload, timeout_s, headers)

    def shutdown(self) -> None:
        if self._exporter is not None:
            self._exporter.shutdown()

    def _otlp(self) -> OtlpTraceExporter:
        if self._exporter is None:
            from spanscope.otel.export import OtlpTraceExporter

            self._exporter = OtlpTraceExporter()
        return self._exporter

    def __repr__(self) -> str:
        return "EnvOtlpExporter()"
