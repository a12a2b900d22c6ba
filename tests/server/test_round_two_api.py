"""The REST additions behind the traces and sessions pages: a capped total count of a search's
matches."""

from __future__ import annotations

from collections.abc import Sequence

import httpx
import pytest

from spanscope.entities import Trace
from spanscope.server.routers import traces as traces_router
from spanscope.store.base import TraceStore
from spanscope.store.sql.store import SqlTraceStore
from tests.store.factory import make_trace


def _write(http: httpx.Client, traces: Sequence[Trace]) -> None:
    body = {"traces": [t.to_dict() for t in traces]}
    assert http.post("/api/v1/traces", json=body).is_success


def test_search_counts_the_matches_of_its_filter(server_url: str) -> None:
    made = [make_trace("0", f"q{i}", tags={"group": "a" if i < 5 else "b"}) for i in range(7)]
    with httpx.Client(base_url=server_url) as http:
        _write(http, made)
        body = {"filter": "tags.group = 'a'", "max_results": 2, "include_total": True}
        found = http.post("/api/v1/traces/search", json=body).json()
        assert len(found["traces"]) == 2
        assert (found["total_count"], found["total_count_capped"]) == (5, False)
        # The next page counts the same matches.
        body["page_token"] = found["next_page_token"]
        found = http.post("/api/v1/traces/search", json=body).json()
        assert (found["total_count"], found["total_count_capped"]) == (5, False)
        # Without include_total nothing is counted.
        plain = http.post("/api/v1/traces/search", json={"max_results": 2}).json()
        assert plain.get("total_count") is None


def test_the_count_stops_at_its_cap(server_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(traces_router, "TOTAL_COUNT_CAP", 3)
    with httpx.Client(base_url=server_url) as http:
        _write(http, [make_trace("0", f"q{i}") for i in range(5)])
        found = http.post("/api/v1/traces/search", json={"include_total": True}).json()
        assert (found["total_count"], found["total_count_capped"]) == (3, True)
        assert len(found["traces"]) == 5


def test_sql_count_agrees_with_the_paging_count(backend: SqlTraceStore) -> None:
    backend.write_traces([make_trace("0", f"q{i}", fail=i % 2 == 0) for i in range(9)])
    for filter_string in (None, "status = 'ERROR'", "status = 'OK'", "name = 'nothing'"):
        for limit in (0, 2, 100):
            expected = TraceStore.count_traces(backend, ["0"], filter_string, limit)
            assert backend.count_traces(["0"], filter_string, limit) == expected
    assert backend.count_traces(["0"], "status = 'ERROR'") == 5
    assert backend.count_traces(["0"], None, 2) == 3  # more than 2: counted to 3


def test_sessions_carry_tokens_durations_failures_and_can_be_searched(server_url: str) -> None:
    made = [
        make_trace("0", "a1", session_id="Alpha-1", tokens=(10, 5), duration=100),
        make_trace("0", "a2", session_id="Alpha-1", tokens=(20, 5), duration=50, fail=True),
        make_trace("0", "b1", session_id="beta_%", tokens=None, duration=7),
        make_trace("0", "c1", session_id="gamma", duration=1),
    ]
    with httpx.Client(base_url=server_url) as http:
        _write(http, made)
        sessions = http.post("/api/v1/sessions/search", json={}).json()["sessions"]
        by_id = {s["session_id"]: s for s in sessions}
        alpha = by_id["Alpha-1"]
        assert (alpha["trace_count"], alpha["total_tokens"], alpha["total_duration_ms"]) == (
            2,
            40,
            150,
        )
        assert alpha["error_count"] == 1
        assert (by_id["beta_%"]["total_tokens"], by_id["beta_%"]["error_count"]) == (None, 0)

        def search(query: str) -> list[str]:
            body = {"query": query}
            found = http.post("/api/v1/sessions/search", json=body).json()["sessions"]
            return sorted(s["session_id"] for s in found)

        assert search("alpha") == ["Alpha-1"]  # any case
        assert search("a") == ["Alpha-1", "beta_%", "gamma"]
        assert search("_%") == ["beta_%"]  # wildcards are text
        assert search("zzz") == []
