"""OtlpTraceExporter against a capture server on 127.0.0.1: body, headers, retries, limits."""

from __future__ import annotations

import gzip
import logging
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

import spanscope
from spanscope import Trace
from spanscope.exceptions import InvalidArgumentError
from spanscope.otel import (
    OtlpExportError,
    OtlpTraceExporter,
    decode_request,
    resolve_endpoint,
    spans_from_request,
)
from spanscope.otel.values import ExportTraceServiceResponse
from spanscope.testing import TraceCapture, strict_mode
from tests.otel.otlp_helpers import capture_server

_ENV = (
    "SPANSCOPE_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_HEADERS",
    "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
    "OTEL_SERVICE_NAME",
    "OTEL_RESOURCE_ATTRIBUTES",
)


def fast_exporter(endpoint: str | None = None, **options: Any) -> OtlpTraceExporter:
    """An exporter whose backoff waits are tiny, so retry tests run in milliseconds."""
    return OtlpTraceExporter(endpoint, **{"initial_backoff": 0.01, "max_backoff": 0.05, **options})


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _ENV:
        monkeypatch.delenv(name, raising=False)


@spanscope.trace
def greet(name: str) -> str:
    return f"hello {name}"


@pytest.fixture
def trace(spanscope_traces: TraceCapture) -> Trace:
    greet("ada")
    return spanscope_traces.single()


def test_posts_gzip_protobuf_with_headers(monkeypatch: pytest.MonkeyPatch, trace: Trace) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_HEADERS", "x-api-key=a%20b,x-team=search")
    monkeypatch.setenv("OTEL_SERVICE_NAME", "greeter")
    with capture_server() as server:
        exporter = fast_exporter(server.url, headers={"x-team": "core"})
        exporter.export([trace])
        exporter.shutdown()
    [sent] = server.requests
    assert sent.path == "/v1/traces"
    assert sent.headers["content-type"] == "application/x-protobuf"
    assert sent.headers["content-encoding"] == "gzip"
    assert sent.headers["x-api-key"] == "a b"  # percent-decoded, as the OTel spec says
    assert sent.headers["x-team"] == "core"  # the explicit argument wins
    assert sent.body[:2] == b"\x1f\x8b"
    ingested = spans_from_request(
        decode_request(gzip.decompress(sent.body), "application/x-protobuf", None)
    )
    assert [item.span.to_dict() for item in ingested] == [s.to_dict() for s in trace.spans]
    assert ingested[0].resource["service.name"] == "greeter"


def test_endpoint_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(InvalidArgumentError, match="no OTLP endpoint: pass endpoint= or set"):
        resolve_endpoint()
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/")
    assert resolve_endpoint() == "http://collector:4318/v1/traces"
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://collector:4318/custom")
    assert resolve_endpoint() == "http://collector:4318/custom"
    monkeypatch.setenv("SPANSCOPE_OTLP_ENDPOINT", "https://spanscope.local/v1/traces")
    assert resolve_endpoint() == "https://spanscope.local/v1/traces"
    assert resolve_endpoint("http://explicit/v1/traces") == "http://explicit/v1/traces"
    with pytest.raises(InvalidArgumentError, match="is not an http:// or https:// URL"):
        resolve_endpoint("collector:4317")


def test_registered_exporter_receives_traces(monkeypatch: pytest.MonkeyPatch) -> None:
    with capture_server() as server:
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", server.url.removesuffix("/v1/traces"))
        exporter = fast_exporter(compression=False)
        spanscope.tracing.add_exporter(exporter)
        greet("bob")
        assert spanscope.flush(timeout=10)
    [sent] = server.requests
    assert "content-encoding" not in sent.headers
    [item] = spans_from_request(decode_request(sent.body, "application/x-protobuf", None))
    assert (item.span.name, item.span.inputs, item.span.outputs) == (
        "greet",
        {"name": "bob"},
        "hello bob",
    )


def test_retries_503_then_succeeds(trace: Trace) -> None:
    with capture_server([(503, {}), (502, {}), (200, {})]) as server:
        fast_exporter(server.url).export([trace])
    assert len(server.requests) == 3
    assert len({sent.body for sent in server.requests}) == 1  # the same body each time


def test_retry_after_is_honoured(trace: Trace) -> None:
    with capture_server([(429, {"Retry-After": "0.3"}), (200, {})]) as server:
        fast_exporter(server.url).export([trace])
    first, second = server.requests
    assert second.at - first.at >= 0.3


def test_retry_after_as_an_http_date(trace: Trace) -> None:
    past = "Wed, 21 Oct 2015 07:28:00 GMT"  # already passed: retry at once
    with capture_server([(503, {"Retry-After": past}), (200, {})]) as server:
        fast_exporter(server.url, initial_backoff=5.0).export([trace])
    assert len(server.requests) == 2


def test_partial_success_is_logged(trace: Trace, caplog: pytest.LogCaptureFixture) -> None:
    answer = ExportTraceServiceResponse()
    answer.partial_success.rejected_spans = 1
    answer.partial_success.error_message = "span too large"
    reply = (200, {"content-type": "application/x-protobuf"}, answer.SerializeToString())
    with capture_server([reply]) as server, caplog.at_level(logging.WARNING, "spanscope"):
        fast_exporter(server.url).export([trace])
    assert "the OTLP endpoint rejected 1 span(s): span too large" in caplog.text


def test_gives_up_after_the_retry_limit(trace: Trace) -> None:
    with capture_server([(503, {})], repeat_last=True) as server:
        # A budget that allows a retry even on a slow, loaded machine (no timing asserted).
        exporter = fast_exporter(server.url, max_retry_time=3.0)
        with pytest.raises(OtlpExportError, match=r"gave up exporting 1 span\(s\)") as info:
            exporter.export([trace])
    assert info.value.status_code == 503
    assert "HTTP 503" in str(info.value)  # the last error, or the last answer (see below)
    assert len(server.requests) >= 2


def test_an_attempt_cut_by_the_retry_limit_keeps_the_last_answer(trace: Trace) -> None:
    released = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length") or 0))
            if self.server.answered:  # type: ignore[attr-defined]
                released.wait(10)  # past the exporter's limit: its attempt times out
                return
            self.server.answered = True  # type: ignore[attr-defined]
            self.send_response(503)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.answered = False  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/v1/traces"
        with pytest.raises(OtlpExportError) as info:
            fast_exporter(url, max_retry_time=1.0).export([trace])
    finally:
        released.set()
        server.shutdown()
        server.server_close()
    assert info.value.status_code == 503
    assert "last error: ReadTimeout" in str(info.value)
    assert "; last answer: HTTP 503" in str(info.value)


def test_retry_after_beyond_the_limit_gives_up_at_once(trace: Trace) -> None:
    with capture_server([(503, {"Retry-After": "60"})], repeat_last=True) as server:
        exporter = fast_exporter(server.url, max_retry_time=1.0)
        with pytest.raises(OtlpExportError, match=r"after 1 attempt\(s\)"):
            exporter.export([trace])
    assert len(server.requests) == 1


def test_other_statuses_fail_without_retry(trace: Trace) -> None:
    with capture_server([(400, {})]) as server:
        with pytest.raises(OtlpExportError, match="refused 1 span") as info:
            fast_exporter(server.url).export([trace])
    assert info.value.status_code == 400
    assert len(server.requests) == 1


def test_connection_errors_are_retried_then_raised(trace: Trace) -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    exporter = fast_exporter(f"http://127.0.0.1:{port}/v1/traces", max_retry_time=0.2)
    with pytest.raises(OtlpExportError, match=r"ConnectError") as info:
        exporter.export([trace])
    assert info.value.status_code is None


def test_queue_spools_what_the_endpoint_cannot_take_now() -> None:
    with capture_server([(503, {})], repeat_last=True) as server:
        exporter = fast_exporter(server.url, max_retry_time=0.1)
        spanscope.tracing.add_exporter(exporter)
        with strict_mode(False):
            greet("eve")
            assert spanscope.flush(timeout=10)
    stats = spanscope.tracing.stats()
    assert (stats.traces_spooled, stats.traces_dropped_export_error) == (1, 0)


def test_queue_drops_and_counts_what_the_endpoint_refuses() -> None:
    with capture_server([(400, {})], repeat_last=True) as server:
        exporter = fast_exporter(server.url, max_retry_time=0.1)
        spanscope.tracing.add_exporter(exporter)
        with strict_mode(False):
            greet("eve")
            assert spanscope.flush(timeout=10)
    stats = spanscope.tracing.stats()
    assert (stats.traces_spooled, stats.traces_dropped_export_error) == (0, 1)
