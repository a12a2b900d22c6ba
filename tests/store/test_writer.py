"""The write path: bulk paths fall back to keyed writes when rows appeared meanwhile."""

from __future__ import annotations

from sqlalchemy import text

from spanscope.store.sql import rows
from spanscope.store.sql.store import SqlTraceStore
from tests.store.factory import make_trace


def test_a_new_trace_whose_span_was_stored_meanwhile_is_still_written(
    store: SqlTraceStore,
) -> None:
    # PostgreSQL COPYs the rows of traces not stored before; a span stored by another writer
    # between the check and the COPY makes it fail, and the keyed upsert must take over.
    trace = make_trace("0", "raced question")
    columns = ", ".join(rows.SPAN_COLUMNS)
    marks = ", ".join(f":{c}" for c in rows.SPAN_COLUMNS)
    first = dict(zip(rows.SPAN_COLUMNS, rows.span_values(trace.data.spans[1]), strict=True))
    with store.engine.begin() as conn:
        conn.execute(text(f"INSERT INTO spans ({columns}) VALUES ({marks})"), first)
        if store.dialect == "postgresql":  # SQLite writers take turns: no such race there
            conn.execute(
                text("INSERT INTO trace_metadata (trace_id, key, value) VALUES (:t, 'k', 'old')"),
                {"t": trace.trace_id},
            )
    store.write_traces([trace])
    stored = store.get_trace(trace.trace_id)
    assert stored.data.spans == trace.data.spans
    assert stored.info.tags == trace.info.tags
    assert stored.info.metadata == trace.info.metadata
    assert not store.search_traces(["0"], "metadata.k = 'old'")  # replaced, as a rewrite is
    assert len(store.search_traces(["0"], "text LIKE '%raced question%'")) == 1
