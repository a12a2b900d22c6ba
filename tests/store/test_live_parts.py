"""Parts of running traces (live traces) in a store: merged as they come, never undoing what is
stored ended, replaced by the whole trace; in whatever order they arrive."""

from __future__ import annotations

from spanscope.entities.derivation import compute_trace_info
from spanscope.entities.span import Span
from spanscope.entities.span_status import SpanStatus, SpanStatusCode
from spanscope.entities.trace import Trace, TraceData
from spanscope.entities.trace_info import TraceState
from spanscope.store.sql.store import SqlTraceStore

TRACE = "a1" * 16
ROOT, PLAN, SEARCH = "1" * 16, "2" * 16, "3" * 16
T0 = 1_700_000_000_000_000_000


def _span(span_id: str, name: str, parent: str | None, end: int | None) -> Span:
    status = SpanStatus(SpanStatusCode.UNSET if end is None else SpanStatusCode.OK)
    return Span(
        trace_id=TRACE,
        span_id=span_id,
        parent_id=parent,
        name=name,
        start_time_ns=T0 + int(span_id[0]) * 1000,
        end_time_ns=end,
        status=status,
        attributes_json={"spanscope.spanInputs": f'"{name} in"'},
        events=[],
    )


def _trace(*spans: Span, tags: dict[str, str] | None = None) -> Trace:
    info = compute_trace_info(TRACE, "0", list(spans), root_id=ROOT, tags=tags)
    return Trace(info, TraceData(list(spans)))


def _ends(store: SqlTraceStore) -> dict[str, int | None]:
    return {s.name: s.end_time_ns for s in store.get_trace(TRACE).data.spans}


FIRST = _trace(
    _span(ROOT, "agent", None, None),
    _span(PLAN, "plan", ROOT, T0 + 5_000),
    _span(SEARCH, "search", ROOT, None),
    tags={"team": "care"},
)
SECOND = _trace(_span(ROOT, "agent", None, None), _span(SEARCH, "search", ROOT, T0 + 8_000))
WHOLE = _trace(
    _span(ROOT, "agent", None, T0 + 9_000),
    _span(PLAN, "plan", ROOT, T0 + 5_000),
    _span(SEARCH, "search", ROOT, T0 + 8_000),
    tags={"team": "care"},
)


def test_parts_merge_and_the_whole_trace_completes_them(store: SqlTraceStore) -> None:
    store.write_traces([FIRST])
    stored = store.get_trace(TRACE)
    assert stored.info.state is TraceState.IN_PROGRESS
    assert _ends(store) == {"agent": None, "plan": T0 + 5_000, "search": None}

    store.write_traces([SECOND])  # lacks "plan": merged, not replacing
    assert _ends(store) == {"agent": None, "plan": T0 + 5_000, "search": T0 + 8_000}
    assert store.get_trace(TRACE).info.state is TraceState.IN_PROGRESS
    assert store.get_trace(TRACE).info.tags["team"] == "care"

    store.write_traces([WHOLE])
    final = store.get_trace(TRACE)
    assert final.info.state is TraceState.OK
    assert final.info.execution_duration is not None
    assert _ends(store) == {"agent": T0 + 9_000, "plan": T0 + 5_000, "search": T0 + 8_000}


def test_a_part_arriving_after_the_whole_trace_undoes_nothing(store: SqlTraceStore) -> None:
    store.write_traces([WHOLE])
    # A late part (a retry, a replay): every span of it open, one of them covering all.
    late = _trace(
        _span(ROOT, "agent", None, None),
        _span(PLAN, "plan", ROOT, None),
        _span(SEARCH, "search", ROOT, None),
    )
    store.write_traces([late])
    store.write_traces([FIRST])
    final = store.get_trace(TRACE)
    assert final.info.state is TraceState.OK
    assert _ends(store) == {"agent": T0 + 9_000, "plan": T0 + 5_000, "search": T0 + 8_000}
    assert [t.info.trace_id for t in store.search_traces(["0"], filter_string="status = 'OK'")] == [
        TRACE
    ]


def test_a_part_and_the_whole_trace_in_one_batch(store: SqlTraceStore) -> None:
    store.write_traces([FIRST, WHOLE])
    assert store.get_trace(TRACE).info.state is TraceState.OK
    assert _ends(store) == {"agent": T0 + 9_000, "plan": T0 + 5_000, "search": T0 + 8_000}
