"""PostgreSQL locks each trace a transaction writes, and its shared lock table is bounded (by
max_locks_per_transaction x its connections): a batch of more traces than that is written in
parts, a transaction each, and all of it is stored."""

from __future__ import annotations

import pytest

from spanscope.store.sql import store as store_module
from spanscope.store.sql.store import SqlTraceStore
from tests.postgres_server import PostgresServer, postgres_binaries

from .factory import make_trace

TRACES = 1_500


def _count(store: SqlTraceStore, experiment_id: str) -> int:
    total, token = 0, None
    while True:
        page = store.search_traces([experiment_id], max_results=1000, page_token=token)
        total += len(page)
        token = page.next_page_token
        if token is None:
            return total


def test_a_batch_past_the_lock_table_is_written_in_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    if postgres_binaries() is None:
        pytest.skip("PostgreSQL is not installed here; apt-get install postgresql")
    # Room for about 20 locks per backend, some 600 in all: fewer than the batch has traces.
    database = PostgresServer("-c max_connections=10 -c max_locks_per_transaction=20")
    store = SqlTraceStore(database.uri)
    try:
        first, second = store.create_experiment("whole"), store.create_experiment("spans")
        batch = [make_trace(first, f"question {n}") for n in range(TRACES)]
        # One transaction for the whole batch runs out of lock slots (what the parts avoid).
        monkeypatch.setattr(store_module, "PG_TRACES_PER_TRANSACTION", 1_000_000)
        with pytest.raises(Exception, match=r"shared memory|max_locks_per_transaction"):
            store.write_traces(batch)
        assert _count(store, first) == 0  # refused whole: nothing half-written
        monkeypatch.setattr(store_module, "PG_TRACES_PER_TRANSACTION", 200)
        store.write_traces(batch)
        assert _count(store, first) == TRACES
        spans = [s for n in range(TRACES) for s in make_trace(second, f"q {n}").data.spans]
        store.log_spans(second, spans)
        assert _count(store, second) == TRACES
        stored = store.search_traces([second], max_results=5, include_spans=True)
        assert all(len(t.data.spans) == 4 for t in stored)
    finally:
        store.close()
        database.remove()
