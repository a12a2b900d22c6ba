"""OTLP/HTTP ingest: real OpenTelemetry exporters and instrumentors send spans to the server."""

from __future__ import annotations

import gzip

import httpx
import pytest
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import Status, StatusCode

from spanscope.otel import request_from_traces, request_to_json
from spanscope.server.settings import ServerSettings
from spanscope.store.sql.store import SqlTraceStore
from spanscope.testing import capture_traces
from tests.live_server import server_thread
from tests.otel.otlp_helpers import proto_request


def _provider(url: str, headers: dict[str, str] | None = None, **resource: str) -> TracerProvider:
    provider = TracerProvider(resource=Resource.create({"service.name": "otel-app", **resource}))
    exporter = OTLPSpanExporter(endpoint=f"{url}/v1/traces", headers=headers or {})
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider


def test_real_otlp_exporter_spans_come_back_through_search(
    server_url: str, backend: SqlTraceStore
) -> None:
    provider = _provider(server_url, {"x-spanscope-experiment-name": "otel-app"})
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span("handle_request") as root:
        root.set_attribute("session.id", "sess-9")
        with tracer.start_as_current_span("chat gpt-test") as chat:
            chat.set_attribute("gen_ai.operation.name", "chat")
            chat.set_attribute("gen_ai.request.model", "gpt-test")
            chat.set_attribute("gen_ai.usage.input_tokens", 12)
            chat.set_attribute("gen_ai.usage.output_tokens", 4)
        # The child is exported (one request) before the root (another request).
        try:
            with tracer.start_as_current_span("tool"):
                raise ValueError("no such order")
        except ValueError:
            root.set_status(Status(StatusCode.ERROR, "failed"))
    provider.shutdown()
    experiment = backend.get_experiment_by_name("otel-app")
    assert experiment is not None
    (trace,) = backend.search_traces([experiment.experiment_id], include_spans=True)
    assert trace.info.name == "handle_request"
    assert trace.info.state.value == "ERROR"
    assert trace.info.session_id == "sess-9"
    assert trace.info.token_usage == {"input_tokens": 12, "output_tokens": 4, "total_tokens": 16}
    by_name = {span.name: span for span in trace.data.spans}
    assert by_name["chat gpt-test"].span_type == "CHAT_MODEL"
    assert by_name["chat gpt-test"].parent_id == by_name["handle_request"].span_id
    tool = by_name["tool"]
    assert tool.status.status_code.value == "ERROR"
    assert tool.status.description == "ValueError: no such order"
    assert tool.events[0].attributes["exception.type"] == "ValueError"
    found = backend.search_traces([experiment.experiment_id], "span.type = 'CHAT_MODEL'")
    assert len(found) == 1


def test_otlp_json_and_gzip_and_idempotent_resend(server_url: str, backend: SqlTraceStore) -> None:
    with capture_traces() as captured:
        from spanscope import start_span

        with start_span("job", span_type="CHAIN", inputs={"q": "x"}) as span:
            span.set_outputs("y")
    (trace,) = captured.traces
    request = request_from_traces([trace])
    body = request_to_json(request).encode()
    for _ in range(2):  # the same spans twice: stored once
        response = httpx.post(
            f"{server_url}/v1/traces",
            content=gzip.compress(body),
            headers={"content-type": "application/json", "content-encoding": "gzip"},
        )
        assert response.status_code == 200
        assert response.json() == {}
    stored = backend.get_trace(trace.info.trace_id)
    assert [s.to_dict() for s in stored.data.spans] == [s.to_dict() for s in trace.data.spans]
    protobuf = httpx.post(
        f"{server_url}/v1/traces",
        content=request.SerializeToString(),
        headers={"content-type": "application/x-protobuf"},
    )
    assert protobuf.status_code == 200
    assert protobuf.headers["content-type"] == "application/x-protobuf"


def test_malformed_bodies_are_4xx(server_url: str, backend: SqlTraceStore) -> None:
    post = httpx.post
    url = f"{server_url}/v1/traces"
    assert (
        post(
            url, content=b"\x00garbage", headers={"content-type": "application/x-protobuf"}
        ).status_code
        == 400
    )
    assert (
        post(url, content=b"{not json", headers={"content-type": "application/json"}).status_code
        == 400
    )
    assert post(url, content=b"x", headers={"content-type": "text/plain"}).status_code == 415
    bad_gzip = {"content-type": "application/json", "content-encoding": "gzip"}
    assert post(url, content=b"nope", headers=bad_gzip).status_code == 400
    unknown = {"content-type": "application/json", "x-spanscope-experiment-id": "77"}
    assert post(url, content=b"{}", headers=unknown).status_code == 404
    with server_thread(ServerSettings(backend.uri, max_body_bytes=2000), backend) as small:
        bomb = gzip.compress(b'{"resourceSpans": [' + b" " * 100_000 + b"]}")
        headers = {"content-type": "application/json", "content-encoding": "gzip"}
        assert post(f"{small}/v1/traces", content=bomb, headers=headers).status_code == 413


@pytest.mark.usefixtures("backend")
def test_resource_attribute_picks_the_experiment(server_url: str, backend: SqlTraceStore) -> None:
    resource = {"spanscope.experiment.name": "from-resource"}
    provider = _provider(server_url, None, **resource)
    with provider.get_tracer("t").start_as_current_span("op"):
        pass
    provider.shutdown()
    experiment = backend.get_experiment_by_name("from-resource")
    assert experiment is not None
    assert len(backend.search_traces([experiment.experiment_id])) == 1


def test_experiments_named_in_requests_are_resolved_once_and_again_when_deleted(
    server_url: str, backend: SqlTraceStore
) -> None:
    # The id found for a name is kept a while (reading an experiment counts its traces, too
    # slow for every request); a write to an experiment deleted meanwhile resolves it afresh.
    headers = {"content-type": "application/x-protobuf", "x-spanscope-experiment-name": "app"}

    def send(trace_id: str) -> None:
        body = proto_request({"trace_id": trace_id}).SerializeToString()
        response = httpx.post(f"{server_url}/v1/traces", content=body, headers=headers)
        assert response.status_code == 200

    send("1" * 32)
    first = backend.get_experiment_by_name("app")
    assert first is not None
    send("2" * 32)
    assert [e.trace_count for e in backend.search_experiments() if e.name == "app"] == [2]
    backend.delete_experiment(first.experiment_id)
    send("3" * 32)
    again = backend.get_experiment_by_name("app")
    assert again is not None
    assert [t.info.trace_id for t in backend.search_traces([again.experiment_id])] == ["3" * 32]
    # Renamed through the API: the name is free again, and the next request takes it.
    renamed = httpx.patch(
        f"{server_url}/api/v1/experiments/{again.experiment_id}", json={"name": "app-old"}
    )
    assert renamed.status_code == 200
    send("4" * 32)
    newest = backend.get_experiment_by_name("app")
    assert newest is not None and newest.experiment_id != again.experiment_id
    assert [t.info.trace_id for t in backend.search_traces([newest.experiment_id])] == ["4" * 32]
    assert [t.info.trace_id for t in backend.search_traces([again.experiment_id])] == ["3" * 32]


def test_an_unknown_experiment_id_in_a_resource_is_ignored(
    server_url: str, backend: SqlTraceStore
) -> None:
    known = backend.create_experiment("known")
    request = proto_request({"trace_id": "1" * 32}, resource={"spanscope.experiment.id": "77"})
    request.resource_spans.extend(
        proto_request(
            {"trace_id": "2" * 32}, resource={"spanscope.experiment.id": known}
        ).resource_spans
    )
    response = httpx.post(
        f"{server_url}/v1/traces",
        content=request.SerializeToString(),
        headers={"content-type": "application/x-protobuf"},
    )
    assert response.status_code == 200
    assert [t.info.trace_id for t in backend.search_traces(["0"])] == ["1" * 32]
    assert [t.info.trace_id for t in backend.search_traces([known])] == ["2" * 32]
