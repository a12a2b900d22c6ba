"""Real instrumentation packages, exporting over OTLP/HTTP to a real spanscope server.

Every test here runs an instrumented program against the fake LLM server (127.0.0.1) and the
OpenTelemetry OTLP/HTTP exporter sending to a spanscope server in a thread (127.0.0.1), then
reads the stored traces back. Programs whose package keeps process-wide state (traceloop-sdk's
tracer, Logfire's global provider) run in a process of their own (`run_app`).

Nothing leaves the machine: the packages' own telemetry and cloud exporters are switched off
(`OFFLINE_ENV`), and name lookups and connections to anything but this machine are refused and
recorded, in this process and in the apps' (`apps/offline.py`); each test checks none happened.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

from spanscope.constants import ExperimentHeader
from spanscope.entities import Span, Trace
from spanscope.store.sql.store import SqlTraceStore
from spanscope.testing.fake_llm import FakeLLMServer
from spanscope.testing.server import serve_in_thread
from tests.otel.instrumentations.apps import offline

ROOT = Path(__file__).resolve().parents[3]

# Switches of the packages under test that would otherwise reach the internet.
OFFLINE_ENV = {
    "TRACELOOP_TELEMETRY": "false",  # OpenLLMetry's anonymous usage telemetry
    "TRACELOOP_METRICS_ENABLED": "false",
    "TRACELOOP_LOGGING_ENABLED": "false",
    "TRACELOOP_TRACE_CONTENT": "true",  # record prompts and completions (the default)
    "LOGFIRE_SEND_TO_LOGFIRE": "false",
    "LOGFIRE_CONSOLE": "false",
    "LANGSMITH_TRACING": "false",
    "LANGCHAIN_TRACING_V2": "false",
    "OTEL_SDK_DISABLED": "false",
}
# Where a package would find a real provider or collector: never used, tests pass their own.
_FOREIGN_ENV = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "TRACELOOP_API_KEY",
    "TRACELOOP_BASE_URL",
    "LOGFIRE_TOKEN",
    "LANGSMITH_API_KEY",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "OTEL_EXPORTER_OTLP_HEADERS",
)


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for key, value in OFFLINE_ENV.items():
        monkeypatch.setenv(key, value)
    for key in _FOREIGN_ENV:
        monkeypatch.delenv(key, raising=False)
    refused = offline.guard(monkeypatch.setattr)
    yield
    assert refused == [], "a package tried to reach the network"


@dataclass
class Spanscope:
    """A spanscope server in a thread over its own SQLite store."""

    url: str
    store: SqlTraceStore

    @property
    def traces_endpoint(self) -> str:
        return f"{self.url}/v1/traces"

    def provider(self, experiment: str, service: str = "app") -> TracerProvider:
        """A tracer provider exporting every span as it ends to this server's experiment."""
        provider = TracerProvider(resource=Resource.create({"service.name": service}))
        exporter = OTLPSpanExporter(
            endpoint=self.traces_endpoint, headers={ExperimentHeader.NAME: experiment}
        )
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        return provider

    def traces(self, experiment: str) -> list[Trace]:
        """The experiment's traces, oldest first, with their spans."""
        found = self.store.get_experiment_by_name(experiment)
        assert found is not None, f"nothing arrived in experiment {experiment!r}"
        traces = self.store.search_traces(
            [found.experiment_id], include_spans=True, order_by=["timestamp_ms ASC"]
        )
        return list(traces)


@pytest.fixture
def spanscope_server(tmp_path: Path) -> Iterator[Spanscope]:
    store = SqlTraceStore(f"sqlite:///{tmp_path}/server.db")
    try:
        with serve_in_thread(store.uri, store) as url:
            yield Spanscope(url, store)
    finally:
        store.close()


@pytest.fixture
def fake_llm() -> Iterator[FakeLLMServer]:
    with FakeLLMServer() as server:
        yield server


def run_app(
    module: str,
    server: Spanscope,
    experiment: str,
    fake_llm: FakeLLMServer,
    tmp_path: Path,
    env: dict[str, str] | None = None,
) -> list[str]:
    """Run `tests.otel.instrumentations.apps.<module>` against the servers; its output lines.

    The app exits only after its spans are exported; it must have tried no connection off
    this machine.
    """
    report = tmp_path / f"{module}-network.json"
    child_env = {k: v for k, v in os.environ.items() if k not in _FOREIGN_ENV}
    child_env.update(OFFLINE_ENV)
    child_env.update(env or {})
    child_env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(ROOT)])
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            f"tests.otel.instrumentations.apps.{module}",
            server.traces_endpoint,
            experiment,
            fake_llm.openai_base_url,
            str(report),
        ],
        cwd=ROOT,
        env=child_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(report.read_text()) == [], "the app tried to reach the network"
    return done.stdout.splitlines()


def by_name(trace: Trace) -> dict[str, list[Span]]:
    """The trace's spans by name, in start order."""
    spans: dict[str, list[Span]] = {}
    for span in sorted(trace.data.spans, key=lambda s: s.start_time_ns):
        spans.setdefault(span.name, []).append(span)
    return spans


def children(trace: Trace, parent: Span) -> list[Span]:
    """The direct children of `parent`, in start order."""
    found = [span for span in trace.data.spans if span.parent_id == parent.span_id]
    return sorted(found, key=lambda s: s.start_time_ns)


def text(role: str, content: str) -> dict[str, object]:
    """A GenAI message of one text part."""
    return {"role": role, "parts": [{"type": "text", "content": content}]}
