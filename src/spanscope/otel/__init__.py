"""The OpenTelemetry bridge: decode OTLP/HTTP trace requests, map them to spanscope spans
(OpenTelemetry GenAI and OpenInference conventions included), and export spanscope traces
as OTLP. Needs `opentelemetry-proto` (and `httpx` for OtlpTraceExporter).
"""

from spanscope.otel.decode import DEFAULT_MAX_BODY_BYTES, decode_request
from spanscope.otel.errors import OtlpDecodeError, OtlpExportError
from spanscope.otel.export import (
    OtlpTraceExporter,
    request_from_traces,
    resolve_endpoint,
    resolve_headers,
)
from spanscope.otel.ingest import IngestedSpan, span_from_proto, spans_from_request
from spanscope.otel.otlp_json import request_from_json, request_to_json

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "IngestedSpan",
    "OtlpDecodeError",
    "OtlpExportError",
    "OtlpTraceExporter",
    "decode_request",
    "request_from_json",
    "request_from_traces",
    "request_to_json",
    "resolve_endpoint",
    "resolve_headers",
    "span_from_proto",
    "spans_from_request",
]
