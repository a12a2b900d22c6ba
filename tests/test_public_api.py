"""The public surface is pinned: adding or removing a name is a deliberate change."""

from __future__ import annotations

import json
import subprocess
import sys

import spanscope
import spanscope.testing
import spanscope.tracing

EXPECTED = [
    "Document",
    "Experiment",
    "InvalidFilterError",
    "Session",
    "create_experiment",
    "delete_experiment",
    "delete_trace_tag",
    "delete_traces",
    "disable_notebook_display",
    "display_traces",
    "enable_notebook_display",
    "get_experiment",
    "get_experiment_by_name",
    "get_tracking_uri",
    "search_experiments",
    "search_sessions",
    "search_traces",
    "set_experiment",
    "set_trace_tag",
    "set_tracking_uri",
    "InvalidArgumentError",
    "LiveSpan",
    "NoOpSpan",
    "NotFoundError",
    "Span",
    "SpanEvent",
    "SpanStatus",
    "SpanStatusCode",
    "SpanType",
    "SpanscopeError",
    "Trace",
    "TraceData",
    "TraceInfo",
    "TraceState",
    "TracingClient",
    "__version__",
    "anthropic",
    "autolog",
    "dspy",
    "langchain",
    "litellm",
    "llama_index",
    "ollama",
    "openai",
    "flush",
    "get_active_trace_id",
    "get_current_active_span",
    "get_last_active_trace_id",
    "get_trace",
    "start_span",
    "trace",
    "tracing",
    "update_current_trace",
]

TRACING_EXPECTED = [
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


def test_top_level_all_is_pinned() -> None:
    assert sorted(spanscope.__all__) == sorted(EXPECTED)
    for name in spanscope.__all__:
        assert hasattr(spanscope, name), name


def test_tracing_all_is_pinned() -> None:
    assert sorted(spanscope.tracing.__all__) == sorted(TRACING_EXPECTED)
    for name in spanscope.tracing.__all__:
        assert hasattr(spanscope.tracing, name), name


def test_testing_all_is_pinned() -> None:
    assert sorted(spanscope.testing.__all__) == [
        "TraceCapture",
        "capture_traces",
        "span_tree",
        "strict_mode",
    ]


INTEGRATION_LIBRARIES = [
    "openai",
    "anthropic",
    "ollama",
    "litellm",
    "langchain_core",
    "langgraph",
    "llama_index",
    "dspy",
    "numpy",
    "pydantic",
    "pandas",
    "sqlalchemy",
    "alembic",
    "psycopg",
    "rich",
    "fastapi",
    "opentelemetry",
    "mlflow",
]

_PROBE = """
import json, sys
import spanscope
print(json.dumps({"modules": sorted(sys.modules)}))
"""


def _import_probe() -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True, timeout=60
    )
    result: dict[str, object] = json.loads(out.stdout)
    return result


def test_import_imports_no_integration_library() -> None:
    modules = _import_probe()["modules"]
    assert isinstance(modules, list)
    loaded = {name.split(".")[0] for name in modules}
    assert not loaded & set(INTEGRATION_LIBRARIES)
