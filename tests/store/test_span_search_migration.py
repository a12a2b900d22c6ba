"""Revision 0010 on a database an older spanscope made: search_spans's indexes are created, and
the spans the database held are found by them."""

from __future__ import annotations

from sqlalchemy import inspect, text

from spanscope.store.sql.migrate import HEAD_REVISION, current_revision
from spanscope.store.sql.store import SqlTraceStore
from tests.store.factory import make_trace

_INDEXES = {"ix_spans_start", "ix_spans_type_start", "ix_spans_type_status_start"}


def _span_indexes(store: SqlTraceStore) -> set[str]:
    return {i["name"] or "" for i in inspect(store.engine).get_indexes("spans")}


def test_upgrading_from_0008_creates_the_span_search_indexes(store: SqlTraceStore) -> None:
    trace = make_trace("0")
    store.write_traces([trace])
    with store.engine.begin() as conn:
        for name in _INDEXES:
            conn.execute(text(f"DROP INDEX {name}"))
        conn.execute(text("UPDATE alembic_version SET version_num = '0008'"))
    assert not _INDEXES & _span_indexes(store)
    upgraded = SqlTraceStore(store.uri)
    try:
        assert current_revision(upgraded.engine) == HEAD_REVISION
        assert _span_indexes(upgraded) >= _INDEXES
        found = upgraded.search_spans(["0"], f"trace.trace_id = '{trace.info.trace_id}'")
        assert sorted(s.span_id for s in found) == sorted(s.span_id for s in trace.data.spans)
    finally:
        upgraded.close()
