"""The tracing runtime: spans, context, export, and the switches that control them."""

from spanscope.tracing.client import TracingClient
from spanscope.tracing.config import TracingConfig
from spanscope.tracing.context import ContextThreadPoolExecutor, use_span, with_context
from spanscope.tracing.export.base import TraceExporter
from spanscope.tracing.export.file import JsonLinesTraceExporter, read_json_lines
from spanscope.tracing.export.memory import InMemoryTraceExporter
from spanscope.tracing.propagation import continue_trace, inject_trace_headers
from spanscope.tracing.runtime import (
    add_exporter,
    add_span_processor,
    configure,
    disable,
    enable,
    flush,
    get_exporters,
    is_enabled,
    remove_exporter,
    reset,
    set_exporters,
    stats,
)
from spanscope.tracing.state import TracingStats

__all__ = [
    "ContextThreadPoolExecutor",
    "InMemoryTraceExporter",
    "JsonLinesTraceExporter",
    "TraceExporter",
    "TracingClient",
    "TracingConfig",
    "TracingStats",
    "add_exporter",
    "add_span_processor",
    "configure",
    "continue_trace",
    "disable",
    "enable",
    "flush",
    "get_exporters",
    "inject_trace_headers",
    "is_enabled",
    "read_json_lines",
    "remove_exporter",
    "reset",
    "set_exporters",
    "stats",
    "use_span",
    "with_context",
]
