"""Exporters: where finished traces go, behind one asynchronous, batched queue."""

from spanscope.tracing.export.base import TraceExporter
from spanscope.tracing.export.file import JsonLinesTraceExporter, read_json_lines
from spanscope.tracing.export.memory import InMemoryTraceExporter

__all__ = ["InMemoryTraceExporter", "JsonLinesTraceExporter", "TraceExporter", "read_json_lines"]
