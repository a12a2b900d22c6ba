"""Revision 0013 on a database an older spanscope made: the copy of the text (the full-text
table's content) goes, the index is rebuilt from what the database held, and text searches
find the traces stored before as the evaluator does."""

from __future__ import annotations

from sqlalchemy import text

from spanscope import Trace
from spanscope.search import matches, parse_filter, trace_text_fields
from spanscope.store.sql.fulltext import join_texts
from spanscope.store.sql.migrate import HEAD_REVISION, current_revision
from spanscope.store.sql.store import SqlTraceStore
from tests.store.factory import make_trace


def _as_0012(store: SqlTraceStore, stored: list[Trace]) -> None:
    """Put the full-text table back as revision 0012 left it, filled as its writer did."""
    rows = [(join_texts(trace_text_fields(t)), t.info.trace_id) for t in stored]
    with store.engine.begin() as conn:
        if store.dialect == "sqlite":
            conn.exec_driver_sql("DROP TABLE trace_text")
            conn.exec_driver_sql(
                "CREATE VIRTUAL TABLE trace_text USING fts5("
                "trace_id UNINDEXED, content, tokenize='trigram', detail=column)"
            )
            conn.exec_driver_sql(
                "INSERT INTO trace_text (rowid, trace_id, content) "
                "SELECT rowid, trace_id, ? FROM traces WHERE trace_id = ?",
                rows,
            )
        else:
            for index in ("ix_spans_text_trgm", "ix_traces_text_trgm"):
                conn.exec_driver_sql(f"DROP INDEX {index}")
            conn.exec_driver_sql("DROP FUNCTION spanscope_json_texts")
            conn.exec_driver_sql(
                "CREATE TABLE trace_text (trace_id VARCHAR(32) NOT NULL, content TEXT)"
            )
            conn.exec_driver_sql("CREATE UNIQUE INDEX ix_trace_text_trace ON trace_text (trace_id)")
            conn.exec_driver_sql(
                "CREATE INDEX ix_trace_text_trgm ON trace_text USING gin (content gin_trgm_ops)"
            )
            conn.exec_driver_sql("INSERT INTO trace_text (content, trace_id) VALUES (%s, %s)", rows)
        conn.execute(text("UPDATE alembic_version SET version_num = '0012'"))


def test_upgrading_from_0012_keeps_the_text_once_and_finds_what_was_stored(
    store: SqlTraceStore,
) -> None:
    stored = [
        make_trace("0", "where is my refund?"),
        make_trace("0", "track parcel 7781", tool="track_parcel"),
        make_trace("0", "Straße 12 — when does it open?"),
    ]
    store.write_traces(stored)
    _as_0012(store, stored)
    upgraded = SqlTraceStore(store.uri)
    try:
        assert current_revision(upgraded.engine) == HEAD_REVISION
        with upgraded.engine.connect() as conn:
            if upgraded.dialect == "sqlite":
                ddl = conn.exec_driver_sql(
                    "SELECT sql FROM sqlite_schema WHERE name = 'trace_text'"
                ).scalar_one()
                assert "content=''" in ddl  # contentless: no copy of the text
                shadow = conn.exec_driver_sql(
                    "SELECT name FROM sqlite_schema WHERE name = 'trace_text_content'"
                ).first()
                assert shadow is None
            else:
                left = conn.exec_driver_sql("SELECT to_regclass('trace_text')").scalar_one()
                assert left is None
        for filter_string in (
            "text LIKE '%parcel 7781%'",
            "text ILIKE '%STRASSE%'",
            "text ILIKE '%straße 12%'",
            "text LIKE '%track_parcel%'",
            "text LIKE '%refund?%'",
            "text LIKE 'nothing like this'",
        ):
            parsed = parse_filter(filter_string)
            assert parsed is not None
            expected = sorted(t.info.trace_id for t in stored if matches(parsed, t))
            found = upgraded.search_traces(["0"], filter_string, max_results=10)
            assert sorted(t.info.trace_id for t in found) == expected, filter_string
        # The rebuilt index is kept up to date: a deleted trace is no longer found.
        upgraded.delete_traces("0", trace_ids=[stored[1].info.trace_id])
        assert upgraded.search_traces(["0"], "text LIKE '%parcel 7781%'") == []
    finally:
        upgraded.close()
