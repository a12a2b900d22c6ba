"""Cost through the server: OTLP-ingested GenAI spans (any SDK's, the TypeScript one's too) are
priced by the server's price book, the REST JSON carries the costs, and prices changed later
are applied by the recompute endpoint, the remote store and the CLI."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

from spanscope import pricing
from spanscope.cli.main import cli
from spanscope.constants import ENV_PRICE_BOOK
from spanscope.constants import SpanAttributeKey as K
from spanscope.store.rest import RestTraceStore
from spanscope.store.sql.store import SqlTraceStore


@pytest.fixture(autouse=True)
def _prices(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv(ENV_PRICE_BOOK, raising=False)
    pricing.reset()
    pricing.set_price("house-model", input=1_000.0, output=2_000.0)  # $0.001 / $0.002 a token
    yield
    pricing.reset()


def _send_genai_trace(url: str) -> None:
    """A chat call as an OpenTelemetry GenAI instrumentation exports it."""
    provider = TracerProvider(resource=Resource.create({"service.name": "otel-app"}))
    exporter = OTLPSpanExporter(
        endpoint=f"{url}/v1/traces", headers={"x-spanscope-experiment-name": "costs"}
    )
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span("agent"), tracer.start_as_current_span("chat") as chat:
        chat.set_attribute("gen_ai.operation.name", "chat")
        chat.set_attribute("gen_ai.provider.name", "acme")
        chat.set_attribute("gen_ai.request.model", "acme/house-model")
        chat.set_attribute("gen_ai.usage.input_tokens", 120)
        chat.set_attribute("gen_ai.usage.output_tokens", 40)
    provider.shutdown()


def test_otlp_ingested_genai_spans_are_priced(server_url: str, backend: SqlTraceStore) -> None:
    _send_genai_trace(server_url)
    experiment = backend.get_experiment_by_name("costs")
    assert experiment is not None
    (trace,) = backend.search_traces([experiment.experiment_id], include_spans=True)
    expected = {"input": 0.12, "output": 0.08, "total": 0.2, "currency": "USD"}
    assert trace.info.cost == pytest.approx(expected)
    chat = next(s for s in trace.data.spans if s.name == "chat")
    assert pricing.span_cost(chat) == pytest.approx({**expected, "model": "house-model"})
    # The REST JSON: the trace's cost, and the span's as its attribute.
    body = httpx.get(f"{server_url}/api/v1/traces/{trace.info.trace_id}").json()
    assert body["info"]["cost"] == pytest.approx(expected)
    (chat_json,) = [s for s in body["data"]["spans"] if s["name"] == "chat"]
    assert chat_json["attributes"][K.COST]["total"] == pytest.approx(0.2)
    found = httpx.post(
        f"{server_url}/api/v1/traces/search",
        json={"experiment_ids": [experiment.experiment_id], "filter": "cost > 0.1"},
    )
    assert found.status_code == 200, found.text
    assert [t["info"]["trace_id"] for t in found.json()["traces"]] == [trace.info.trace_id]


def test_recompute_through_the_api_and_the_remote_store(
    server_url: str, backend: SqlTraceStore
) -> None:
    _send_genai_trace(server_url)
    experiment = backend.get_experiment_by_name("costs")
    assert experiment is not None
    pricing.set_price("house-model", input=2_000.0, output=2_000.0)  # the operator's new price
    response = httpx.post(
        f"{server_url}/api/v1/experiments/{experiment.experiment_id}/costs/recompute", json={}
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"changed_traces": 1}
    (trace,) = backend.search_traces([experiment.experiment_id])
    assert (trace.info.cost or {})["total"] == pytest.approx(0.32)
    unknown = httpx.post(f"{server_url}/api/v1/experiments/999/costs/recompute", json={})
    assert unknown.status_code == 404
    remote = RestTraceStore(server_url)
    try:
        assert remote.recompute_costs() == 0  # priced already
        pricing.reset()  # no price any more: the cost is gone, not zero
        assert remote.recompute_costs([experiment.experiment_id]) == 1
    finally:
        remote.close()
    (trace,) = backend.search_traces([experiment.experiment_id])
    assert trace.info.cost is None


def test_the_cli_recomputes(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path}/cli.db"
    store = SqlTraceStore(uri)
    try:
        from tests.store.test_cost import _calls

        pricing.set_price("model-a", input=1.0, output=2.0)
        store.write_traces([_calls("a" * 32, 1_000_000)])
        pricing.set_price("model-a", input=2.0, output=2.0)
        result = CliRunner().invoke(
            cli,
            ["--tracking-uri", uri, "pricing", "recompute", "--experiment", "Default"],
            catch_exceptions=False,
        )
        assert result.exit_code == 0, result.output
        assert "1 trace(s) changed" in result.output
        assert (store.get_trace("a" * 32).info.cost or {})["total"] == pytest.approx(3.0)
    finally:
        store.close()
