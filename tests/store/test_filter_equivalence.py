"""Property: for random filters over random traces, the SQL store returns exactly the traces
the Python evaluator of the same AST accepts, on SQLite and on PostgreSQL; span(...) groups
included, and likewise search_spans returns exactly the spans `span_matches` accepts; and for
random order_by lists, search_traces orders traces as `sort_traces` does."""

from __future__ import annotations

from typing import Any

from hypothesis import event, given
from hypothesis import strategies as st
from sqlalchemy import select, text

from spanscope import Span, Trace, TraceData
from spanscope.entities import Expectation, Feedback
from spanscope.search import (
    Expr,
    matches,
    sort_traces,
    span_matches,
    to_filter_string,
    to_span_filter_string,
)
from spanscope.search.stored_text import replace_unstorable_deep
from spanscope.store import merge
from spanscope.store.sql.filters import compile_filter
from spanscope.store.sql.fulltext import clear_index
from spanscope.store.sql.schema import traces as trace_rows
from spanscope.store.sql.store import SqlTraceStore
from spanscope.testing.conformance.store_filters import order_bys
from tests.search.search_helpers import (
    KEYS,
    SETTINGS,
    SMALL_TEXT,
    small_expressions,
    small_span_expressions,
    traces,
)

_FEEDBACK_VALUES = st.one_of(
    st.booleans(), st.integers(-2, 2), st.sampled_from([0.5, -1.5]), SMALL_TEXT,
    st.lists(SMALL_TEXT, max_size=2),
)  # fmt: skip
_EXPECTATION_VALUES = st.one_of(_FEEDBACK_VALUES, st.dictionaries(KEYS, SMALL_TEXT, max_size=1))
# (trace index, kind, name, value, replacement value when overridden)
_JUDGEMENTS = st.lists(
    st.one_of(
        st.tuples(
            st.integers(0, 3),
            st.just("feedback"),
            KEYS,
            _FEEDBACK_VALUES,
            st.none() | _FEEDBACK_VALUES,
        ),
        st.tuples(st.integers(0, 3), st.just("expectation"), KEYS, _EXPECTATION_VALUES, st.none()),
    ),
    max_size=4,
)


def _renumber(trace: Trace, index: int) -> Trace:
    trace_id = f"{index + 1:032x}"
    spans = [Span.from_dict({**s.to_dict(), "trace_id": trace_id}) for s in trace.data.spans]
    trace.info.trace_id = trace_id
    return Trace(trace.info, TraceData(spans))


def _clear(store: SqlTraceStore) -> None:
    with store.engine.begin() as conn:
        clear_index(conn)
        for table in ("spans", "trace_tags", "trace_metadata", "assessments"):
            conn.execute(text(f"DELETE FROM {table}"))
        conn.execute(text("DELETE FROM traces"))


def _judge(
    store: SqlTraceStore, batch: list[Trace], judgements: list[tuple[Any, ...]]
) -> list[tuple[Any, ...]]:
    """Log the judgements (overriding where a replacement is given); the intended
    (trace id, kind, name, value, valid) of every stored assessment."""
    intended = []
    for index, kind, name, value, replacement in judgements:
        trace_id = batch[index % len(batch)].info.trace_id
        made = Feedback if kind == "feedback" else Expectation
        stored = store.log_assessment(made(trace_id=trace_id, name=name, value=value))
        assert stored.assessment_id is not None
        if replacement is None:
            intended.append((trace_id, kind, name, value, True))
            continue
        store.override_feedback(
            trace_id, stored.assessment_id, stored.overridden_by(replacement, None, None, {})
        )
        intended += [
            (trace_id, kind, name, value, False),
            (trace_id, kind, name, replacement, True),
        ]
    return intended


@SETTINGS
@given(
    batch=st.lists(traces(), min_size=1, max_size=4),
    judgements=_JUDGEMENTS,
    expr=small_expressions(),
)
def test_sql_results_equal_python_evaluation(
    store: SqlTraceStore, batch: list[Trace], judgements: list[tuple[Any, ...]], expr: Expr
) -> None:
    batch = _stored(store, batch, judgements)
    expected = sorted(t.info.trace_id for t in batch if matches(expr, t))
    event("some match" if expected else "no match")
    found = store.search_traces(["0"], to_filter_string(expr), max_results=100)
    assert sorted(t.info.trace_id for t in found) == expected, to_filter_string(expr)
    # The other plan for assessment filters (probing each trace's judgements, which SQLite
    # takes when a judgement is common) gives the same answer.
    probing = compile_filter(expr, store.dialect, many_judged=lambda ids: True)
    with store.engine.connect() as conn:
        probed = sorted(conn.scalars(select(trace_rows.c.trace_id).where(probing)))
    assert probed == expected, to_filter_string(expr)


@SETTINGS
@given(
    batch=st.lists(traces(), min_size=1, max_size=4),
    judgements=_JUDGEMENTS,
    expr=small_span_expressions(),
)
def test_search_spans_equals_python_evaluation(
    store: SqlTraceStore, batch: list[Trace], judgements: list[tuple[Any, ...]], expr: Expr
) -> None:
    batch = _stored(store, batch, judgements)
    expected = sorted(
        (s.trace_id, s.span_id)
        for t in batch
        for s in t.data.spans
        if span_matches(expr, s, t.info)
    )
    event("some match" if expected else "no match")
    found = store.search_spans(["0"], to_span_filter_string(expr), max_results=100)
    assert sorted((s.trace_id, s.span_id) for s in found) == expected, to_span_filter_string(expr)


@SETTINGS
@given(
    batch=st.lists(traces(), min_size=1, max_size=4),
    judgements=_JUDGEMENTS,
    order_by=order_bys(KEYS),
    expr=st.none() | small_expressions(),
)
def test_sql_order_equals_reference_order(
    store: SqlTraceStore,
    batch: list[Trace],
    judgements: list[tuple[Any, ...]],
    order_by: list[str],
    expr: Expr | None,
) -> None:
    batch = _stored(store, batch, judgements)
    chosen = batch if expr is None else [t for t in batch if matches(expr, t)]
    expected = [t.info.trace_id for t in sort_traces(chosen, order_by)]
    filter_string = None if expr is None else to_filter_string(expr)
    found = store.search_traces(["0"], filter_string, order_by=order_by, max_results=100)
    assert [t.info.trace_id for t in found] == expected, (order_by, filter_string)
    paged: list[str] = []
    token: str | None = None
    while True:  # pages of one settle ties by the page token alone
        page = store.search_traces(
            ["0"], filter_string, order_by=order_by, max_results=1, page_token=token
        )
        paged += [t.info.trace_id for t in page]
        token = page.next_page_token
        if token is None or len(paged) > len(batch):
            break
    assert paged == expected, (order_by, filter_string)


def _stored(
    store: SqlTraceStore, batch: list[Trace], judgements: list[tuple[Any, ...]]
) -> list[Trace]:
    """Store the batch (renumbered) with its judgements; the traces as the evaluator sees them."""
    _clear(store)
    batch = [_renumber(trace, i) for i, trace in enumerate(batch)]
    store.write_traces(batch)
    batch = [merge.priced(t) for t in batch]  # as stored: the LLM calls priced (docs/cost.md)
    intended = _judge(store, batch, judgements)
    for trace in batch:  # the assessments as the evaluator sees them: read back, as intended
        trace.info.assessments = store.get_trace(trace.info.trace_id).info.assessments
    stored = [
        [t.info.trace_id, a.kind, a.name, a.value, a.valid]
        for t in batch
        for a in t.info.assessments
    ]
    as_stored = [replace_unstorable_deep(list(x)) for x in intended]  # NUL is kept as U+FFFD
    assert sorted(stored, key=repr) == sorted(as_stored, key=repr)
    return batch
