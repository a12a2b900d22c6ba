"""The public surface is pinned: adding or removing a name is a deliberate change."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import types
from pathlib import Path

import spanscope
import spanscope.constants
import spanscope.testing
import spanscope.tracing
from spanscope.integrations import registered

ROOT = Path(__file__).resolve().parent.parent

EXPECTED = [
    "Assessment",
    "AssessmentError",
    "AssessmentSource",
    "AssessmentSourceType",
    "Expectation",
    "Feedback",
    "delete_assessment",
    "get_assessment",
    "log_expectation",
    "log_feedback",
    "override_feedback",
    "update_assessment",
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
    "get_metrics",
    "get_tracking_uri",
    "search_experiments",
    "search_sessions",
    "search_spans",
    "scorer",
    "scorers",
    "search_traces",
    "datasets",
    "evaluate",
    "EvaluationResult",
    "EvaluationRun",
    "get_evaluation_run",
    "search_evaluation_runs",
    "judges",
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
    "Scorer",
    "SpanscopeError",
    "StorageUnavailableError",
    "Trace",
    "TraceData",
    "TraceInfo",
    "TraceState",
    "TracingClient",
    "__version__",
    "autolog",
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
# Every registered integration's module is public: spanscope.openai, spanscope.anthropic, ...
INTEGRATIONS = [integration.name for integration in registered()]

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
    assert sorted(spanscope.__all__) == sorted(EXPECTED + INTEGRATIONS)
    assert len(set(spanscope.__all__)) == len(spanscope.__all__)
    for name in spanscope.__all__:
        assert hasattr(spanscope, name), name


def test_every_public_name_bound_at_the_top_level_is_in_all() -> None:
    # As httpx's exported-members test: a name users can reach as spanscope.<name> is public
    # only if listed. Subpackages are bound by being imported; those in __all__ are the API.
    bound = {
        name
        for name, value in vars(spanscope).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    listed = {n for n in spanscope.__all__ if not n.startswith("_")}
    assert bound == {n for n in listed if not _is_module(spanscope, n)}
    for name in spanscope.__all__:
        value = getattr(spanscope, name)
        if isinstance(value, types.ModuleType):
            assert value.__name__ == f"spanscope.{name}", name


def test_the_tracing_package_binds_nothing_public_beyond_all() -> None:
    bound = {
        name
        for name, value in vars(spanscope.tracing).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert bound == set(spanscope.tracing.__all__)


def test_the_integrations_registry_agrees_with_its_all() -> None:
    import spanscope.integrations as registry

    assert sorted(registry.__all__) == sorted(INTEGRATIONS)
    for integration in registered():
        module = getattr(spanscope, integration.name)
        assert module.INTEGRATION is integration
        assert callable(module.autolog)


# `spanscope.<name>` as the docs write it (a call, an attribute, an import), with what follows;
# not a file name such as ~/.spanscope/spanscope.db.
_DOC_NAME = re.compile(r"(?<![\w/.-])spanscope\.([A-Za-z_]\w*)((?:\.\w+)*)")


def _reserved_keys() -> set[str]:
    """Every string value of spanscope.constants (attribute keys like spanscope.span.type)."""
    values: set[str] = set()
    for value in vars(spanscope.constants).values():
        if isinstance(value, str):
            values.add(value)
        elif isinstance(value, type):
            values.update(v for v in vars(value).values() if isinstance(v, str))
    return values


def test_every_top_level_name_the_docs_use_is_exported() -> None:
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    reserved = _reserved_keys()
    missing: dict[str, list[str]] = {}
    for page in pages:
        for name, rest in set(_DOC_NAME.findall(page.read_text())):
            if name in spanscope.__all__ or _is_submodule(name) or name == "__all__":
                continue
            if name.startswith("__") and hasattr(spanscope, name):
                continue  # a module attribute such as spanscope.__all__, not an API name
            if any(key.startswith(f"spanscope.{name}{rest}") for key in reserved):
                continue  # a reserved key, or the prefix of some (spanscope.trace.*)
            missing.setdefault(name, []).append(str(page.relative_to(ROOT)))
    assert not missing, f"documented as spanscope.<name> but not exported: {missing}"


def _is_module(package: types.ModuleType, name: str) -> bool:
    return isinstance(getattr(package, name, None), types.ModuleType)


def _is_submodule(name: str) -> bool:
    base = ROOT / "src" / "spanscope" / name
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


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
    "boto3",
    "autogen_agentchat",
    # google-genai only: `google` itself is a namespace some installed packages import at startup.
    "google.genai",
    "google.adk",
    "cohere",
    "ollama",
    "mistralai",
    "groq",
    "litellm",
    "langchain_core",
    "langgraph",
    "llama_index",
    "dspy",
    "strands",
    "haystack",
    "pydantic_ai",
    "mcp",
    "agents",
    "semantic_kernel",
    "smolagents",
    "crewai",
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
    loaded = [
        name
        for name in modules
        if any(name == lib or name.startswith(f"{lib}.") for lib in INTEGRATION_LIBRARIES)
    ]
    assert loaded == []
