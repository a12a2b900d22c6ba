"""Property: for random filters over random traces, the SQL store returns exactly the traces
the Python evaluator of the same AST accepts, on SQLite and on PostgreSQL."""

from __future__ import annotations

from hypothesis import event, given
from hypothesis import strategies as st
from sqlalchemy import text

from spanscope import Span, Trace, TraceData
from spanscope.search import Expr, matches, to_filter_string
from spanscope.store.sql.store import SqlTraceStore
from tests.search.search_helpers import SETTINGS, small_expressions, traces


def _renumber(trace: Trace, index: int) -> Trace:
    trace_id = f"{index + 1:032x}"
    spans = [Span.from_dict({**s.to_dict(), "trace_id": trace_id}) for s in trace.data.spans]
    trace.info.trace_id = trace_id
    return Trace(trace.info, TraceData(spans))


def _clear(store: SqlTraceStore) -> None:
    with store.engine.begin() as conn:
        for table in ("trace_text", "spans", "trace_tags", "trace_metadata", "traces"):
            conn.execute(text(f"DELETE FROM {table}"))


@SETTINGS
@given(batch=st.lists(traces(), min_size=1, max_size=4), expr=small_expressions())
def test_sql_results_equal_python_evaluation(
    store: SqlTraceStore, batch: list[Trace], expr: Expr
) -> None:
    _clear(store)
    batch = [_renumber(trace, i) for i, trace in enumerate(batch)]
    store.write_traces(batch)
    expected = sorted(t.info.trace_id for t in batch if matches(expr, t))
    event("some match" if expected else "no match")
    found = store.search_traces(["0"], to_filter_string(expr), max_results=100)
    assert sorted(t.info.trace_id for t in found) == expected, to_filter_string(expr)
