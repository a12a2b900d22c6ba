"""The SDK logging to a server over HTTP: results identical to the direct store; failures safe."""

from __future__ import annotations

import http.server
import logging
import threading
from collections.abc import Iterator
from typing import ClassVar

import pytest

import spanscope
from spanscope.exceptions import StorageUnavailableError
from spanscope.store.rest import RestTraceStore
from spanscope.store.sql.store import SqlTraceStore
from spanscope.testing import strict_mode
from tests.live_server import free_port


@spanscope.trace(span_type="TOOL")
def lookup(order_id: str) -> dict[str, str]:
    return {"order_id": order_id, "status": "refunded"}


@spanscope.trace(span_type="AGENT")
def bot(question: str, env: str = "prod", session: str = "s-1") -> str:
    spanscope.update_current_trace(tags={"env": env}, session_id=session)
    return f"{question} -> {lookup('A-1')['status']}"


def test_remote_results_equal_the_direct_store(server_url: str, backend: SqlTraceStore) -> None:
    spanscope.set_tracking_uri(server_url)
    experiment = spanscope.set_experiment("remote")
    for i in range(5):
        bot(f"question {i}", env="prod" if i % 2 else "dev", session=f"s-{i % 2}")
    spanscope.flush()
    remote = RestTraceStore(server_url)
    ids = [experiment.experiment_id]
    for filter_string in (None, "tags.env = 'prod'", "span.type = 'TOOL' AND text ILIKE '%q%'"):
        for include_spans in (False, True):
            got = remote.search_traces(ids, filter_string, include_spans=include_spans)
            want = backend.search_traces(ids, filter_string, include_spans=include_spans)
            assert [t.to_dict() for t in got] == [t.to_dict() for t in want]
            assert got, filter_string
    page = remote.search_traces(ids, max_results=2)
    rest = remote.search_traces(ids, max_results=10, page_token=page.next_page_token)
    assert [t.info.trace_id for t in [*page, *rest]] == [
        t.info.trace_id for t in backend.search_traces(ids)
    ]
    trace_id = page[0].info.trace_id
    assert spanscope.get_trace(trace_id) == backend.get_trace(trace_id)
    assert remote.search_sessions(ids) == backend.search_sessions(ids)
    assert remote.search_experiments() == backend.search_experiments()
    assert remote.get_experiment_by_name("nope") is None
    with pytest.raises(spanscope.InvalidFilterError) as caught:
        remote.search_traces(ids, "tags.env = ")
    assert caught.value.position == 11
    with pytest.raises(spanscope.NotFoundError):
        remote.get_trace("b" * 32)
    with pytest.raises(spanscope.InvalidArgumentError):
        remote.create_experiment("remote")
    remote.close()


@pytest.mark.internal_errors
def test_server_down_never_breaks_traced_calls(caplog: pytest.LogCaptureFixture) -> None:
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    spanscope.set_tracking_uri(url)
    spanscope.tracing.set_exporters([_FastFailingStore(url)])
    with strict_mode(False), caplog.at_level(logging.WARNING, logger="spanscope"):
        assert bot("hi").endswith("refunded")
        assert spanscope.flush(timeout=30)
    assert spanscope.tracing.stats().traces_dropped_export_error == 1
    assert any("unreachable" in r.getMessage() for r in caplog.records)


class _FastFailingStore(spanscope.tracing.TraceExporter):
    """The store exporter's REST path with a short retry budget, to keep the test quick."""

    def __init__(self, url: str) -> None:
        self.store = RestTraceStore(url, max_retries=2, backoff_s=0.01)

    def export(self, traces):  # type: ignore[no-untyped-def]
        self.store.write_traces(traces)


class _Flaky(http.server.BaseHTTPRequestHandler):
    statuses: ClassVar[list[int]] = []
    seen: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        status = self.statuses.pop(0) if self.statuses else 200
        self.seen.append(self.path)
        body = b'{"experiments": [], "next_page_token": null}' if status == 200 else b"{}"
        self.send_response(status)
        if status in (429, 503):
            self.send_header("retry-after", "0")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def flaky() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Flaky)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_retries_honour_retry_after_then_succeed(flaky: str) -> None:
    _Flaky.statuses = [503, 429, 502]
    _Flaky.seen = []
    delays: list[float] = []
    store = RestTraceStore(flaky, backoff_s=5.0, sleep=delays.append)
    assert store.search_experiments() == []
    assert len(_Flaky.seen) == 4
    # Retry-After: 0 on the 503 and 429 overrides the backoff; the 502 (third try) has none:
    # 5 s doubled twice, jittered down by up to half.
    assert delays[:2] == [0.0, 0.0]
    assert 10.0 <= delays[2] <= 20.0
    store.close()
    _Flaky.statuses = [503] * 10
    delays.clear()
    store = RestTraceStore(flaky, max_retries=2, sleep=delays.append)
    with pytest.raises(StorageUnavailableError, match=r"answered HTTP 503 after 3 attempt\(s\)"):
        store.search_experiments()
    assert len(delays) == 2
    store.close()
