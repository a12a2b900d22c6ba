"""Sorting traces by session and by user (revision 0015): pages equal the reference order,
an upgrade from 0014 makes the indexes, and SQLite answers a sorted first page from them."""

from __future__ import annotations

from sqlalchemy import text

from spanscope.search.trace_order import sort_traces
from spanscope.store.sql.migrate import HEAD_REVISION, current_revision, index_names
from spanscope.store.sql.schema import SESSION_USER_INDEXES
from spanscope.store.sql.search import SearchQuery
from spanscope.store.sql.store import SqlTraceStore

from .factory import emptied, make_trace, with_time

_NAMES = {str(i.name) for i in SESSION_USER_INDEXES}


def _write(store: SqlTraceStore) -> list[str]:
    traces = []
    for n in range(11):
        trace = make_trace(
            "0",
            session_id=f"s{n % 4}" if n % 5 else None,
            user_id=f"u{n % 3}" if n % 3 else None,
        )
        traces.append(with_time(trace, 1_000 + n))
    store.write_traces(traces)
    return [t.info.trace_id for t in traces]


def _pages(store: SqlTraceStore, order: str) -> list[str]:
    ids: list[str] = []
    token = None
    while True:
        page = store.search_traces(["0"], order_by=[order], max_results=3, page_token=token)
        ids += [t.info.trace_id for t in page]
        token = page.next_page_token
        if token is None:
            return ids


def test_session_and_user_sorts_page_in_the_reference_order(store: SqlTraceStore) -> None:
    _write(store)
    stored = store.search_traces(["0"], max_results=100)
    for field in ("session_id", "user_id"):
        for direction in ("ASC", "DESC"):
            order = f"{field} {direction}"
            expected = [t.info.trace_id for t in sort_traces(stored, [order])]
            assert _pages(store, order) == expected, order
    # Missing ones sort as "": first ascending.
    first = store.search_traces(["0"], order_by=["session_id ASC"], max_results=1)[0]
    assert first.info.session_id is None


def test_upgrading_from_0014_makes_the_indexes(store: SqlTraceStore) -> None:
    store = emptied(store)
    with store.engine.begin() as conn:
        for name in _NAMES:
            conn.execute(text(f"DROP INDEX {name}"))
        conn.execute(text("UPDATE alembic_version SET version_num = '0014'"))
    assert not _NAMES & index_names(store.engine, "traces")
    upgraded = SqlTraceStore(store.uri)
    try:
        assert current_revision(upgraded.engine) == HEAD_REVISION == "0015"
        assert index_names(upgraded.engine, "traces") >= _NAMES
        _write(upgraded)
        assert len(_pages(upgraded, "user_id DESC")) == 11
    finally:
        upgraded.close()


def test_sqlite_reads_a_sorted_page_from_the_index(tmp_path: object) -> None:
    store = SqlTraceStore(f"sqlite:///{tmp_path}/plan.db")
    try:
        for field, index in (
            ("session_id", "ix_traces_exp_session_order"),
            ("user_id", "ix_traces_exp_user_order"),
        ):
            query = SearchQuery([0], None, [f"{field} DESC"], "sqlite")
            stmt = query.statement(51, None)
            sql = str(stmt.compile(store.engine, compile_kwargs={"literal_binds": True}))
            with store.engine.connect() as conn:
                plan = " ".join(str(r[-1]) for r in conn.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
            assert index in plan, plan
            assert "TEMP B-TREE" not in plan, plan
    finally:
        store.close()
