"""The SDK exporting over OTLP (to the spanscope server here, as to any collector)."""

from __future__ import annotations

from pathlib import Path

import pytest

import spanscope
from spanscope.store.sql.store import SqlTraceStore


@spanscope.trace(span_type="CHAT_MODEL")
def chat(question: str) -> str:
    span = spanscope.get_current_active_span()
    assert span is not None
    span.set_attributes(
        {
            "gen_ai.request.model": "gpt-test",
            "gen_ai.usage.input_tokens": 5,
            "gen_ai.usage.output_tokens": 2,
            "gen_ai.input.messages": [
                {"role": "user", "parts": [{"type": "text", "content": question}]}
            ],
        }
    )
    return "hello"


@pytest.mark.parametrize("exporters", ["", "otlp"])
def test_otlp_endpoint_from_the_environment(
    exporters: str,
    server_url: str,
    backend: SqlTraceStore,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    local = tmp_path / "local.db"
    monkeypatch.setenv("SPANSCOPE_TRACKING_URI", f"sqlite:///{local}")
    monkeypatch.setenv("SPANSCOPE_OTLP_ENDPOINT", f"{server_url}/v1/traces")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_HEADERS", "x-spanscope-experiment-name=via-otlp")
    monkeypatch.setenv("SPANSCOPE_EXPORTERS", exporters)
    spanscope.tracing.reset()
    names = [type(e).__name__ for e in spanscope.tracing.get_exporters()]
    assert names == (["StoreExporter", "EnvOtlpExporter"] if not exporters else ["EnvOtlpExporter"])
    assert chat("hi") == "hello"
    assert spanscope.flush(timeout=30)
    experiment = backend.get_experiment_by_name("via-otlp")
    assert experiment is not None
    (trace,) = backend.search_traces([experiment.experiment_id], include_spans=True)
    (span,) = trace.data.spans
    assert span.span_type == "CHAT_MODEL"
    assert span.inputs == {"question": "hi"}
    assert span.attributes["gen_ai.input.messages"][0]["parts"][0]["content"] == "hi"
    assert trace.info.token_usage == {"input_tokens": 5, "output_tokens": 2, "total_tokens": 7}
    # Beside the store, or in place of it.
    assert local.exists() == (not exporters)
