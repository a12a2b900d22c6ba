"""Two server processes on one PostgreSQL behave as one: concurrent writes, nothing lost."""

from __future__ import annotations

import threading

import httpx
import orjson

from spanscope.store.rest import RestTraceStore
from spanscope.store.sql.store import SqlTraceStore
from tests.live_server import server_process
from tests.store.factory import emptied, make_trace


def test_two_servers_on_one_postgresql(postgres_uri: str) -> None:
    store = SqlTraceStore(postgres_uri)
    emptied(store)
    batches = [[make_trace("0", f"q{w}-{i}") for i in range(100)] for w in range(4)]
    with (
        server_process(postgres_uri) as first,
        server_process(postgres_uri, "--workers", "2") as second,
    ):
        errors: list[BaseException] = []

        def write(url: str, traces: list) -> None:  # type: ignore[type-arg]
            try:
                client = RestTraceStore(url)
                for start in range(0, len(traces), 10):
                    client.write_traces(traces[start : start + 10])
                client.close()
            except BaseException as exc:  # surfaced below
                errors.append(exc)

        threads = [
            threading.Thread(target=write, args=(url, batch))
            for url, batch in zip([first, second, first, second], batches, strict=True)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        # Both servers see everything, whichever wrote it.
        for url in (first, second):
            body = {"experiment_ids": ["0"], "max_results": 1000}
            found = orjson.loads(httpx.post(f"{url}/api/v1/traces/search", json=body).content)
            assert len(found["traces"]) == 400
        created = httpx.post(f"{first}/api/v1/experiments", json={"name": "shared"})
        assert created.status_code == 201
        seen = httpx.get(f"{second}/api/v1/experiments/by-name", params={"name": "shared"})
        assert seen.json()["experiment_id"] == created.json()["experiment_id"]
    assert store.search_experiments()[0].trace_count == 400
    store.close()
