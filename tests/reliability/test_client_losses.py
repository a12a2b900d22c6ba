"""Clients tell the server what they lost; the server keeps it per experiment for 24 h views."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import orjson
import pytest

import spanscope
from spanscope.constants import CLIENT_LOSSES_HEADER
from spanscope.entities.client_losses import LOSS_CAUSES, parse_loss_report
from spanscope.server.settings import ServerSettings
from spanscope.store.rest import RestTraceStore
from spanscope.store.sql.store import SqlTraceStore
from spanscope.testing.server import serve_in_thread
from spanscope.tracing.export.delivery import loss_headers


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SqlTraceStore]:
    if request.param == "sqlite":
        uri = f"sqlite:///{tmp_path_factory.mktemp('losses')}/losses.db"
    else:
        uri = request.getfixturevalue("postgres_uri")
    store = SqlTraceStore(uri)
    yield store
    for experiment in store.search_experiments():
        if experiment.experiment_id != "0":
            store.delete_experiment(experiment.experiment_id)
    store.close()


def test_the_store_keeps_increases_of_cumulative_reports(backend: SqlTraceStore) -> None:
    experiment = backend.create_experiment(f"losses-{time.time_ns()}")
    backend.record_client_losses(experiment, "a", {"queue_full": 3, "evicted": 0}, 1_000)
    backend.record_client_losses(experiment, "a", {"queue_full": 5, "evicted": 2}, 2_000)
    backend.record_client_losses(experiment, "a", {"queue_full": 5, "evicted": 2}, 3_000)
    backend.record_client_losses(experiment, "b", {"export_error": 4}, 3_000)
    backend.record_client_losses(experiment, "b", {"export_error": 1}, 4_000)  # restarted: 1 more
    everything = backend.client_losses(experiment, 0)
    assert everything.by_cause == {"queue_full": 5, "evicted": 2, "export_error": 5}
    assert (everything.traces, everything.clients) == (12, 2)
    recent = backend.client_losses(experiment, 2_500)
    assert recent.by_cause == {"export_error": 5}
    assert recent.clients == 1
    assert backend.client_losses("0", 0).by_cause == {}
    backend.delete_experiment(experiment)
    with pytest.raises(spanscope.NotFoundError):
        backend.client_losses(experiment, 0)


def test_the_sdk_reports_its_losses_with_its_batches(tmp_path: pytest.TempPathFactory) -> None:
    store = SqlTraceStore(f"sqlite:///{tmp_path}/server.db")
    with serve_in_thread(ServerSettings(store.uri), store) as url:
        spanscope.set_tracking_uri(url)
        experiment = spanscope.set_experiment("lossy")
        spanscope.tracing.configure(queue_size=5, export_interval_s=60, batch_size=1000)

        @spanscope.trace
        def work(n: int) -> int:
            return n

        for n in range(25):
            work(n)  # the queue takes 5; 20 are dropped, counted
        assert spanscope.flush(timeout=30)  # the batch carries the counters
        assert spanscope.tracing.stats().traces_dropped_queue_full == 20
        remote = RestTraceStore(url)
        losses = remote.client_losses(experiment.experiment_id, 0)
        assert losses.by_cause == {"queue_full": 20}
        assert (losses.traces, losses.clients) == (20, 1)
        answer = httpx.get(f"{url}/api/v1/experiments/{experiment.experiment_id}/client-losses")
        assert answer.json()["traces"] == 20
        assert httpx.get(f"{url}/api/v1/experiments/999/client-losses").status_code == 404
        assert httpx.get(f"{url}/api/v1/experiments/0/client-losses?hours=0").status_code == 422
        remote.close()
    store.close()


def test_an_otlp_client_reports_too_and_a_bad_report_never_fails_a_batch(
    tmp_path: pytest.TempPathFactory,
) -> None:
    from spanscope.otel import request_from_traces
    from spanscope.testing import capture_traces

    with capture_traces() as captured:
        with spanscope.start_span("op"):
            pass
    body = request_from_traces(captured.traces).SerializeToString()
    store = SqlTraceStore(f"sqlite:///{tmp_path}/otlp.db")
    with serve_in_thread(ServerSettings(store.uri), store) as url:
        headers = {"content-type": "application/x-protobuf"}
        report = orjson.dumps({"client_id": "otel-1", "losses": {"evicted": 7}}).decode()
        for bad in ("not json", "[]", '{"client_id": 5}', "x" * 5000):
            answer = httpx.post(
                f"{url}/v1/traces", content=body, headers={**headers, CLIENT_LOSSES_HEADER: bad}
            )
            assert answer.status_code == 200
        answer = httpx.post(
            f"{url}/v1/traces", content=body, headers={**headers, CLIENT_LOSSES_HEADER: report}
        )
        assert answer.status_code == 200
    assert store.client_losses("0", 0).by_cause == {"evicted": 7}
    assert len(store.search_traces(["0"])) == 1  # the batch was stored every time, once
    store.close()


def test_the_header_carries_every_counted_cause() -> None:
    header = loss_headers()[CLIENT_LOSSES_HEADER]
    parsed = parse_loss_report(header)
    assert parsed is not None
    assert set(parsed[1]) == set(LOSS_CAUSES)
    assert parse_loss_report('{"client_id": "c", "losses": {"queue_full": -1, "x": 3}}') == (
        "c",
        {},
    )
