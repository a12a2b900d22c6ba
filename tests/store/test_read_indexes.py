"""The read-indexes revision: the traces table's sort indexes, and the sessions page that
walks traces newest first. Sorted pages and session pages equal the reference computed in
Python, on a database created at the newest revision and on one upgraded from 0013."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import text

from spanscope import Trace
from spanscope.search import ORDER_BY_FIELDS
from spanscope.search.trace_order import sort_traces
from spanscope.store.sql.migrate import HEAD_REVISION, current_revision, index_names
from spanscope.store.sql.schema import READ_INDEXES
from spanscope.store.sql.store import SqlTraceStore

from .factory import emptied, make_trace, with_time

# The indexes the read-indexes revision remade on sort expressions, as 0013 left them.
_BARE_0013 = {
    "ix_traces_exp_duration": "experiment_id, execution_duration",
    "ix_traces_exp_tokens": "experiment_id, total_tokens",
    "ix_traces_exp_cost": "experiment_id, cost_total",
}


def _traces(experiment: str) -> list[Trace]:
    """Traces with missing and tied durations, token counts, names and times, in sessions
    whose turns interleave."""
    found = []
    for n in range(23):
        trace = make_trace(
            experiment,
            session_id=f"s{n % 5}" if n % 7 else None,
            user_id=f"u{n % 3}" if n % 4 else None,
            fail=n % 6 == 0,
            tokens=None if n % 5 == 1 else (n % 4, n % 3),
            duration=None if n % 8 == 3 else (n % 4) * 10,
        )
        trace.info.name = None if n % 9 == 2 else f"step{n % 3}"
        # Ties in time: a session's newest turn may share its time with another session's.
        found.append(with_time(trace, 1_000 + (n // 2) * 10))
    return found


def _all_pages(store: SqlTraceStore, experiments: list[str], order: str) -> list[str]:
    ids: list[str] = []
    token = None
    while True:
        page = store.search_traces(experiments, order_by=[order], max_results=4, page_token=token)
        ids += [t.info.trace_id for t in page]
        token = page.next_page_token
        if token is None:
            return ids


def _sessions(store: SqlTraceStore, experiments: list[str]) -> list[tuple[Any, ...]]:
    found: list[tuple[Any, ...]] = []
    token = None
    while True:
        page = store.search_sessions(experiments, max_results=2, page_token=token)
        found += [
            (
                s.experiment_id,
                s.session_id,
                s.trace_count,
                s.first_request_time,
                s.last_request_time,
                s.user_id,
            )
            for s in page
        ]
        token = page.next_page_token
        if token is None:
            return found


def _reference_sessions(traces: list[Trace]) -> list[tuple[Any, ...]]:
    grouped: dict[tuple[str, str], list[Trace]] = defaultdict(list)
    for t in traces:
        if t.info.session_id is not None:
            grouped[t.info.experiment_id, t.info.session_id].append(t)
    rows = []
    for (experiment, session), turns in grouped.items():
        times = [t.info.request_time for t in turns]
        users = [t.info.user_id for t in turns if t.info.user_id is not None]
        rows.append(
            (experiment, session, len(turns), min(times), max(times), max(users, default=None))
        )
    # Newest activity first; ties by session id, then experiment number, both descending.
    return sorted(rows, key=lambda r: (r[4], r[1], int(r[0])), reverse=True)


def _check_reads(store: SqlTraceStore) -> None:
    other = store.create_experiment("other")
    traces = _traces("0") + _traces(other)
    store.write_traces(traces)
    for experiments in (["0"], ["0", other]):
        chosen = [t for t in traces if t.info.experiment_id in experiments]
        for field in ORDER_BY_FIELDS:
            for direction in ("ASC", "DESC"):
                order = f"{field} {direction}"
                expected = [t.info.trace_id for t in sort_traces(chosen, [order])]
                assert _all_pages(store, experiments, order) == expected, order
        assert _sessions(store, experiments) == _reference_sessions(chosen)


def test_sorted_and_session_pages_equal_the_reference(store: SqlTraceStore) -> None:
    _check_reads(emptied(store))


def _traces_indexes(store: SqlTraceStore) -> set[str]:
    return index_names(store.engine, "traces")


def test_upgrading_from_0013_makes_the_sort_indexes(store: SqlTraceStore) -> None:
    store = emptied(store)
    names = {str(i.name) for i in READ_INDEXES}
    with store.engine.begin() as conn:
        for name in names:
            conn.execute(text(f"DROP INDEX {name}"))
        for bare, columns in _BARE_0013.items():
            conn.execute(text(f"CREATE INDEX {bare} ON traces ({columns})"))
        conn.execute(text("UPDATE alembic_version SET version_num = '0013'"))
    assert not (names - set(_BARE_0013)) & _traces_indexes(store)
    upgraded = SqlTraceStore(store.uri)
    try:
        assert current_revision(upgraded.engine) == HEAD_REVISION
        assert _traces_indexes(upgraded) >= names
        # The bare-column indexes of 0013 were remade on the sort expressions, by name.
        with upgraded.engine.connect() as conn:
            if upgraded.dialect == "sqlite":
                sql = "SELECT sql FROM sqlite_master WHERE name = 'ix_traces_exp_duration'"
            else:
                sql = "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_traces_exp_duration'"
            definition = str(conn.execute(text(sql)).scalar_one()).lower()
        assert "coalesce" in definition and "trace_id" in definition
        _check_reads(upgraded)
    finally:
        upgraded.close()
