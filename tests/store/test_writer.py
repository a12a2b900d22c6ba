"""The write path: bulk paths fall back to keyed writes when rows appeared meanwhile; racing
writers cannot store one trace in two experiments."""

from __future__ import annotations

import threading

from sqlalchemy import text

from spanscope.entities import Trace, TraceInfo
from spanscope.exceptions import AlreadyExistsError
from spanscope.store.sql import rows
from spanscope.store.sql.store import SqlTraceStore
from spanscope.testing.conformance.store_traces import spans_by_id
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


def test_one_trace_sent_for_two_experiments_at_once_stays_in_one(store: SqlTraceStore) -> None:
    # Writers racing to store one new trace for two experiments: whichever is first, the trace
    # ends up whole in one of them and every writer for the other is refused. (PostgreSQL: a
    # lock per trace, taken before the writer looks for it; SQLite writers take turns.)
    other = store.create_experiment("other")
    writers = [(experiment, way) for experiment in ("0", other) for way in ("traces", "spans") * 2]
    for round_ in range(5):
        trace = make_trace("0", f"raced {round_}")
        outcomes = _race(store, trace, writers)
        owner = store.get_trace(trace.trace_id).info.experiment_id
        assert {e for e, error in outcomes if error is None} == {owner}
        refused = [error for e, error in outcomes if e != owner]
        assert len(refused) == len(writers) // 2
        assert all(isinstance(error, AlreadyExistsError) for error in refused), refused
        assert spans_by_id(store.get_trace(trace.trace_id)) == spans_by_id(trace)
        assert len(store.search_traces([owner], f"text LIKE '%raced {round_}%'")) == 1


def _race(
    store: SqlTraceStore, trace: Trace, writers: list[tuple[str, str]]
) -> list[tuple[str, BaseException | None]]:
    """Each writer (experiment, "traces" or "spans") stores `trace` at once, in its thread."""
    start = threading.Barrier(len(writers))
    outcomes: list[tuple[str, BaseException | None]] = []
    lock = threading.Lock()

    def write(experiment: str, way: str) -> None:
        start.wait()
        error: BaseException | None = None
        try:
            if way == "traces":
                store.write_traces([_in_experiment(trace, experiment)])
            else:
                store.log_spans(experiment, trace.data.spans)
        except BaseException as exc:
            error = exc
        with lock:
            outcomes.append((experiment, error))

    threads = [threading.Thread(target=write, args=writer) for writer in writers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(outcomes) == len(writers)
    return outcomes


def _in_experiment(trace: Trace, experiment_id: str) -> Trace:
    info = TraceInfo.from_dict({**trace.info.to_dict(), "experiment_id": experiment_id})
    return Trace(info, trace.data)
