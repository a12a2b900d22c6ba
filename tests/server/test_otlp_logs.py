"""POST /v1/logs with hand-made OTLP log bodies: GenAI events join their span's messages
whichever arrives first, other records become span events, bad bodies are 4xx; /v1/metrics is
a clear 404. On SQLite and PostgreSQL."""

from __future__ import annotations

import gzip
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from spanscope.otel.logs import ExportLogsServiceRequest, ExportLogsServiceResponse, logs_to_json
from spanscope.otel.values import ExportTraceServiceRequest
from spanscope.server.routers import otlp_logs
from spanscope.server.settings import ServerSettings
from spanscope.store.sql.fulltext import clear_index
from spanscope.store.sql.store import SqlTraceStore
from tests.live_server import server_thread
from tests.otel.otlp_helpers import CHILD_ID, ROOT_ID, TRACE_ID, proto_request
from tests.otel.test_logs import (
    CONVERSATION_INPUT,
    CONVERSATION_OUTPUT,
    log_request,
    openai_conversation,
)

PROTOBUF = {"content-type": "application/x-protobuf"}
JSON = {"content-type": "application/json"}
_TABLES = ("spans", "trace_tags", "trace_metadata", "traces", "span_log_records")


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlTraceStore]:
    if request.param == "sqlite":
        store = SqlTraceStore(f"sqlite:///{tmp_path}/server.db")
    else:  # one database for the session: emptied before and after
        store = SqlTraceStore(request.getfixturevalue("postgres_uri"))
        _empty(store)
    yield store
    if request.param == "postgresql":
        _empty(store)
    store.close()


def _empty(store: SqlTraceStore) -> None:
    with store.engine.begin() as conn:
        clear_index(conn)
        for table in _TABLES:
            conn.execute(text(f"DELETE FROM {table}"))
        conn.execute(text("DELETE FROM experiments WHERE experiment_id <> 0"))


@pytest.fixture
def server_url(backend: SqlTraceStore) -> Iterator[str]:
    with server_thread(ServerSettings(backend.uri), backend) as url:
        yield url


def chat_span(span_id: str = ROOT_ID, parent_id: str | None = None) -> dict[str, Any]:
    """The chat span opentelemetry-instrumentation-openai-v2 sends without message content."""
    spec: dict[str, Any] = {
        "name": "chat gpt-4o-mini",
        "span_id": span_id,
        "kind": 3,
        "attributes": {
            "gen_ai.operation.name": "chat",
            "gen_ai.system": "openai",
            "gen_ai.request.model": "gpt-4o-mini",
            "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
            "gen_ai.usage.input_tokens": 12,
            "gen_ai.usage.output_tokens": 4,
        },
    }
    if parent_id:
        spec["parent_id"] = parent_id
    return spec


def post_logs(
    url: str,
    request: ExportLogsServiceRequest,
    as_json: bool = False,
    compress: bool = False,
    headers: Mapping[str, str] | None = None,
) -> httpx.Response:
    body = logs_to_json(request).encode() if as_json else request.SerializeToString()
    sent = dict(JSON if as_json else PROTOBUF, **(headers or {}))
    if compress:
        body = gzip.compress(body)
        sent["content-encoding"] = "gzip"
    return httpx.post(f"{url}/v1/logs", content=body, headers=sent)


def post_spans(url: str, request: ExportTraceServiceRequest) -> None:
    response = httpx.post(f"{url}/v1/traces", content=request.SerializeToString(), headers=PROTOBUF)
    assert response.status_code == 200, response.text


def _records(store: SqlTraceStore) -> list[tuple[str, int, int, int]]:
    with store.engine.connect() as conn:
        found = conn.execute(
            text("SELECT span_id, idx, applied, time_ns FROM span_log_records ORDER BY 4, 2")
        )
        return [(row[0], row[1], row[2], row[3]) for row in found]


def _assert_conversation(store: SqlTraceStore, span_id: str = ROOT_ID) -> Any:
    trace = store.get_trace(TRACE_ID)
    [span] = [s for s in trace.data.spans if s.span_id == span_id]
    assert span.span_type == "CHAT_MODEL"
    assert span.attributes["gen_ai.input.messages"] == CONVERSATION_INPUT
    assert span.attributes["gen_ai.output.messages"] == CONVERSATION_OUTPUT
    assert span.inputs == {"messages": CONVERSATION_INPUT}
    assert span.outputs == CONVERSATION_OUTPUT
    assert span.attributes["gen_ai.request.model"] == "gpt-4o-mini"
    return trace


def test_logs_before_their_span_wait_for_it(server_url: str, backend: SqlTraceStore) -> None:
    response = post_logs(server_url, log_request(*openai_conversation()))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/x-protobuf"
    assert response.content == b""  # an empty ExportLogsServiceResponse: nothing dropped
    assert [(idx, applied) for _span, idx, applied, _time in _records(backend)] == [
        (i, 0) for i in range(5)
    ]
    post_spans(server_url, proto_request(chat_span()))
    trace = _assert_conversation(backend)
    assert trace.info.request_preview == "Weather in Paris?"
    assert trace.info.response_preview == "Rainy, 12 C."
    assert trace.info.token_usage == {"input_tokens": 12, "output_tokens": 4, "total_tokens": 16}
    assert [applied for *_, applied, _ in _records(backend)] == [1] * 5
    found = backend.search_traces(["0"], "text LIKE '%Weather in Paris%'")
    assert [t.info.trace_id for t in found] == [TRACE_ID]
    # The span sent again (a retry) replaces the stored one: it gets its messages back.
    post_spans(server_url, proto_request(chat_span()))
    _assert_conversation(backend)


def test_logs_after_their_span_update_it(server_url: str, backend: SqlTraceStore) -> None:
    post_spans(server_url, proto_request({"name": "agent"}, chat_span(CHILD_ID, ROOT_ID)))
    before = backend.get_trace(TRACE_ID)
    assert before.info.request_preview is None
    conversation = openai_conversation(CHILD_ID)
    # In parts, JSON and gzip: the input messages first, then the choice.
    for part in (conversation[:3], conversation[3:]):
        response = post_logs(server_url, log_request(*part), as_json=True, compress=True)
        assert response.status_code == 200
        assert response.json() == {}
    _assert_conversation(backend, CHILD_ID)
    assert [(span_id, applied) for span_id, _, applied, _ in _records(backend)] == [
        (CHILD_ID, 1)
    ] * 5
    found = backend.search_traces(["0"], "text LIKE '%Rainy, 12 C.%'")
    assert [t.info.trace_id for t in found] == [TRACE_ID]
    # The root's previews come from the root: its own inputs, none here.
    assert backend.get_trace(TRACE_ID).info.request_preview is None


def test_the_same_batch_twice_stores_the_messages_once(
    server_url: str, backend: SqlTraceStore
) -> None:
    request = log_request(*openai_conversation(), {"body": "cache miss", "offset": 5})
    for _ in range(2):
        assert post_logs(server_url, request).status_code == 200
    assert len(_records(backend)) == 6
    post_spans(server_url, proto_request(chat_span()))
    for as_json in (False, True):  # after the span too, in either encoding
        assert post_logs(server_url, request, as_json=as_json).status_code == 200
    assert len(_records(backend)) == 6
    _assert_conversation(backend)
    [span] = backend.get_trace(TRACE_ID).data.spans
    assert [(e.name, e.attributes) for e in span.events] == [("log", {"log.body": "cache miss"})]


def test_other_records_become_events_and_records_without_a_trace_are_reported(
    server_url: str,
    backend: SqlTraceStore,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(otlp_logs, "_warned", {"at": float("-inf")})  # none logged lately
    post_spans(server_url, proto_request({"name": "job"}))
    request = log_request(
        {"event": "retry", "body": {"attempt": 2}, "severity": ("WARN", 13), "offset": 7},
        {"body": "no trace", "trace_id": None, "span_id": None},
        {"event": "gen_ai.user.message", "body": {"content": "lost"}, "trace_id": None},
    )
    with caplog.at_level("WARNING", logger="spanscope.server"):
        response = post_logs(server_url, request, as_json=True)
    assert response.status_code == 200
    success = response.json()["partialSuccess"]
    assert success["rejectedLogRecords"] == "2"
    assert success["errorMessage"].startswith("2 log record(s) dropped: 1 log record(s) without")
    # The operator hears of it too: exporters seldom read partial_success.
    assert [r.getMessage() for r in caplog.records if "OTLP logs" in r.getMessage()] == [
        f"OTLP logs: {success['errorMessage']} (logged at most once a minute)"
    ]
    protobuf = post_logs(server_url, request)
    assert protobuf.status_code == 200
    answer = ExportLogsServiceResponse()
    answer.ParseFromString(protobuf.content)
    assert answer.partial_success.rejected_log_records == 2
    [span] = backend.get_trace(TRACE_ID).data.spans
    [event] = span.events
    assert event.name == "retry"
    assert event.attributes == {
        "log.body": {"attempt": 2},
        "log.severity_text": "WARN",
        "log.severity_number": 13,
    }


@pytest.mark.parametrize("spans_first", [False, True], ids=["logs first", "spans first"])
def test_records_with_a_trace_but_no_span_go_to_the_root_span(
    server_url: str, backend: SqlTraceStore, spans_first: bool
) -> None:
    spans = proto_request({"name": "agent"}, chat_span(CHILD_ID, ROOT_ID))
    request = log_request(
        {"body": "of the trace", "span_id": None, "offset": 3},
        {"body": "of the chat", "span_id": CHILD_ID, "offset": 3},
    )
    if spans_first:
        post_spans(server_url, spans)
    assert post_logs(server_url, request).content == b""  # nothing dropped
    if not spans_first:
        pending = sorted((s, applied) for s, _, applied, _ in _records(backend))
        assert pending == [("", 0), (CHILD_ID, 0)]
        post_spans(server_url, spans)
    by_id = {s.span_id: s for s in backend.get_trace(TRACE_ID).data.spans}
    assert [e.attributes for e in by_id[ROOT_ID].events] == [{"log.body": "of the trace"}]
    assert [e.attributes for e in by_id[CHILD_ID].events] == [{"log.body": "of the chat"}]
    assert [applied for *_, applied, _ in _records(backend)] == [1, 1]
    post_spans(server_url, spans)  # sent again: the root keeps its event
    root = backend.get_trace(TRACE_ID).data.spans
    assert [len(s.events) for s in sorted(root, key=lambda s: s.parent_id or "")] == [1, 1]


def test_experiment_routing_as_for_traces(server_url: str, backend: SqlTraceStore) -> None:
    request = log_request({"body": "x"}, resource={"spanscope.experiment.name": "from-logs"})
    assert post_logs(server_url, request).status_code == 200
    assert backend.get_experiment_by_name("from-logs") is not None
    named = {"x-spanscope-experiment-name": "by-header"}
    assert post_logs(server_url, log_request({"body": "y"}), headers=named).status_code == 200
    assert backend.get_experiment_by_name("by-header") is not None
    unknown = post_logs(server_url, log_request(), headers={"x-spanscope-experiment-id": "77"})
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "NOT_FOUND"


def test_pending_records_are_purged_after_an_hour(server_url: str, backend: SqlTraceStore) -> None:
    post_logs(server_url, log_request({"body": "old", "span_id": CHILD_ID}))
    with backend.engine.begin() as conn:  # received two hours ago
        conn.execute(text("UPDATE span_log_records SET received_at = received_at - 7200000"))
    post_spans(server_url, proto_request({"name": "applied"}))
    post_logs(server_url, log_request({"body": "applied", "offset": 1}))
    with backend.engine.begin() as conn:
        conn.execute(text("UPDATE span_log_records SET received_at = received_at - 7200000"))
    post_logs(server_url, log_request({"body": "new", "span_id": CHILD_ID, "offset": 2}))
    # The old pending one is gone; the applied one stays with its span; the new one waits.
    assert [(s, applied) for s, _, applied, _ in _records(backend)] == [(ROOT_ID, 1), (CHILD_ID, 0)]


def test_deleting_a_trace_deletes_its_records(server_url: str, backend: SqlTraceStore) -> None:
    post_spans(server_url, proto_request({"name": "job"}))
    post_logs(server_url, log_request({"body": "x"}))
    assert len(_records(backend)) == 1
    assert backend.delete_traces("0", trace_ids=[TRACE_ID]) == 1
    assert _records(backend) == []


def test_bad_bodies_are_4xx(server_url: str, backend: SqlTraceStore) -> None:
    url = f"{server_url}/v1/logs"
    bad_id = log_request({"body": "x"})
    bad_id.resource_logs[0].scope_logs[0].log_records[0].span_id = b"\x01\x02"
    cases: list[tuple[bytes, dict[str, str], int, str]] = [
        (b"\x0a\xff\xff\xff", PROTOBUF, 400, "not a valid OTLP protobuf"),
        (b"{not json", JSON, 400, "not valid JSON"),
        (b'{"resourceLogs": "x"}', JSON, 400, "OTLP/JSON schema"),
        (bad_id.SerializeToString(), PROTOBUF, 400, "log_records[0].span_id is '0102'"),
        (b"x", {"content-type": "text/plain"}, 415, "this route accepts application/x-protobuf"),
        (b"x", {}, 415, "Content-Type is missing"),
        (b"nope", {**JSON, "content-encoding": "gzip"}, 400, "not valid gzip"),
        (b"{}", {**JSON, "content-encoding": "br"}, 415, "Content-Encoding 'br'"),
        (b'{"x": "\xe9"}', JSON, 400, "not UTF-8"),
        (b"{}", {**JSON, "x-spanscope-experiment-id": "nope"}, 404, "no experiment"),
    ]
    for body, headers, status, message in cases:
        response = httpx.post(url, content=body, headers=headers)
        assert response.status_code == status, (headers, response.text)
        assert message in response.json()["error"]["message"], response.text
    assert _records(backend) == []
    with server_thread(ServerSettings(backend.uri, max_body_bytes=2000), backend) as small:
        bomb = gzip.compress(b'{"resourceLogs": [' + b" " * 100_000 + b"]}")
        headers = {**JSON, "content-encoding": "gzip"}
        too_large = httpx.post(f"{small}/v1/logs", content=bomb, headers=headers)
        assert too_large.status_code == 413
        assert too_large.json()["error"]["code"] == "TOO_LARGE"


def test_metrics_are_refused_with_the_supported_signals(server_url: str) -> None:
    for headers in (PROTOBUF, JSON, {**PROTOBUF, "content-encoding": "gzip"}):
        body = gzip.compress(b"\x0a\x00") if "content-encoding" in headers else b"{}"
        response = httpx.post(f"{server_url}/v1/metrics", content=body, headers=headers)
        assert response.status_code == 404
        assert response.json() == {
            "error": {
                "code": "UNSUPPORTED_SIGNAL",
                "message": "spanscope ingests OTLP traces (/v1/traces) and logs (/v1/logs); "
                "metrics are not stored",
            }
        }


def test_logs_need_the_token(backend: SqlTraceStore) -> None:
    with server_thread(ServerSettings(backend.uri, token="s3cret"), backend) as url:
        request = log_request({"body": "x"})
        assert post_logs(url, request).status_code == 401
        authorised = post_logs(url, request, headers={"authorization": "Bearer s3cret"})
        assert authorised.status_code == 200
        assert httpx.post(f"{url}/v1/metrics", content=b"").status_code == 401
