"""The merging half of StoreConformance: traces completed by their local roots, spans arriving
in any order, and a trace staying in the experiment it was first stored in."""

from __future__ import annotations

import pytest

from spanscope.entities import Span, Trace, TraceInfo, TraceState
from spanscope.exceptions import AlreadyExistsError, NotFoundError
from spanscope.store.base import TraceStore
from spanscope.store.merge import TraceExperimentConflictError
from spanscope.testing.conformance.store_traces import (
    DEFAULT,
    continued_trace,
    ids_of,
    make_trace,
    service_called_twice,
    spans_by_id,
)

__all__ = ["MergeConformance"]


class MergeConformance:
    """Local roots, arrival order and experiment ownership; `StoreConformance` sets the knobs."""

    supports_log_spans: bool

    # -- a trace completed by its local roots ---------------------------------------------

    def test_a_continued_trace_alone_completes_from_its_local_root(self, store: TraceStore) -> None:
        # A downstream service's part of a distributed trace: its top span's parent lives in
        # another process, which may never send it here.
        _, continuation = continued_trace()
        store.write_traces([continuation])
        _check_completed_by(store, continuation)
        if self.supports_log_spans:
            _, piecemeal = continued_trace()
            for span in reversed(piecemeal.data.spans):  # children first, the local root last
                store.log_spans(DEFAULT, [span])
            _check_completed_by(store, piecemeal)

    def test_several_local_roots_make_one_trace(self, store: TraceStore) -> None:
        origin, first, second = service_called_twice()
        store.write_traces([second])
        store.write_traces([first])
        _check_two_calls(store, first, second)
        # The true root arriving last takes over.
        store.write_traces([origin])
        _check_whole(store, origin, [origin, first, second])

    def test_local_roots_from_spans_in_any_order(self, store: TraceStore) -> None:
        if not self.supports_log_spans:
            return
        origin, first, second = service_called_twice()
        calls = sorted(
            [*first.data.spans, *second.data.spans], key=lambda s: s.start_time_ns, reverse=True
        )
        for span in calls:  # one span per call, the latest first
            store.log_spans(DEFAULT, [span])
        _check_two_calls(store, first, second)
        store.log_spans(DEFAULT, origin.data.spans)
        _check_whole(store, origin, [origin, first, second])
        store.log_spans(DEFAULT, calls)  # again, after the root: nothing changes
        _check_whole(store, origin, [origin, first, second])

    def test_a_local_root_not_ended_keeps_the_trace_in_progress(self, store: TraceStore) -> None:
        if not self.supports_log_spans:
            return
        _, continuation = continued_trace()
        local_root, *children = continuation.data.spans
        running = Span.from_dict({**local_root.to_dict(), "end_time_ns": None})
        store.log_spans(DEFAULT, [running, *children])
        info = store.get_trace(continuation.info.trace_id).info
        assert (info.state, info.name) == (TraceState.IN_PROGRESS, "server_handler")
        assert info.execution_duration is None
        assert info.request_time == continuation.info.request_time
        store.log_spans(DEFAULT, [local_root])  # it ends
        _check_completed_by(store, continuation)

    # -- a trace stays in its experiment --------------------------------------------------

    def test_a_trace_is_not_moved_to_another_experiment(self, store: TraceStore) -> None:
        other = store.create_experiment("other")
        kept = make_trace(DEFAULT, tags={"env": "prod"})
        store.write_traces([kept])
        moved = _in_experiment(kept, other)
        bystander = make_trace(other)
        with pytest.raises(AlreadyExistsError) as raised:
            store.write_traces([bystander, moved])
        message = str(raised.value)
        assert kept.info.trace_id in message
        assert repr(DEFAULT) in message and repr(other) in message, message
        # Nothing of the batch was stored, and the trace is as it was.
        assert store.search_traces([other]) == []
        with pytest.raises(NotFoundError):
            store.get_trace(bystander.info.trace_id)
        found = store.get_trace(kept.info.trace_id)
        assert found.info == kept.info
        assert spans_by_id(found) == spans_by_id(kept)
        store.write_traces([bystander])  # on its own, it is fine
        assert ids_of(store.search_traces([other])) == [bystander.info.trace_id]

    def test_a_trace_continued_in_another_experiment_is_refused(self, store: TraceStore) -> None:
        other = store.create_experiment("other")
        origin, continuation = continued_trace()
        store.write_traces([origin])
        elsewhere = _in_experiment(continuation, other)
        with pytest.raises(AlreadyExistsError, match=origin.info.trace_id):
            store.write_traces([elsewhere])
        found = store.get_trace(origin.info.trace_id)
        assert spans_by_id(found) == spans_by_id(origin)
        assert (found.info.experiment_id, found.info.tags) == (DEFAULT, origin.info.tags)
        # Both parts in one batch, for two experiments: refused as a whole.
        origin2, continuation2 = continued_trace()
        with pytest.raises(AlreadyExistsError, match=origin2.info.trace_id):
            store.write_traces([origin2, _in_experiment(continuation2, other)])
        with pytest.raises(NotFoundError):
            store.get_trace(origin2.info.trace_id)

    def test_log_spans_of_a_trace_in_another_experiment_are_refused(
        self, store: TraceStore
    ) -> None:
        if not self.supports_log_spans:
            return
        other = store.create_experiment("other")
        kept, bystander = make_trace(DEFAULT), make_trace(other)
        store.log_spans(DEFAULT, kept.data.spans)
        before = store.get_trace(kept.info.trace_id)
        with pytest.raises(TraceExperimentConflictError) as raised:
            store.log_spans(other, [*bystander.data.spans, *kept.data.spans[:2]])
        # Which traces, and both experiments: what a server reports to the sender.
        assert raised.value.conflicts == {kept.info.trace_id: (DEFAULT, other)}
        with pytest.raises(NotFoundError):
            store.get_trace(bystander.info.trace_id)
        after = store.get_trace(kept.info.trace_id)
        assert after.info == before.info and spans_by_id(after) == spans_by_id(before)
        store.log_spans(other, bystander.data.spans)
        assert ids_of(store.search_traces([other])) == [bystander.info.trace_id]


def _in_experiment(trace: Trace, experiment_id: str) -> Trace:
    info = TraceInfo.from_dict({**trace.info.to_dict(), "experiment_id": experiment_id})
    return Trace(info, trace.data)


def _check_completed_by(store: TraceStore, part: Trace) -> None:
    """The stored trace is complete, its info from `part`'s local root (as the SDK derived
    it for that part)."""
    info = store.get_trace(part.info.trace_id).info
    expected = part.info
    assert (
        (info.state, info.name)
        == (expected.state, expected.name)
        == (
            TraceState.OK,
            "server_handler",
        )
    )
    assert info.request_time == expected.request_time
    assert info.execution_duration == expected.execution_duration is not None
    assert info.request_preview == expected.request_preview
    assert info.response_preview == expected.response_preview
    tid = part.info.trace_id
    assert tid in ids_of(store.search_traces([DEFAULT], "status = 'OK'"))
    assert tid in ids_of(store.search_traces([DEFAULT], "name = 'server_handler'"))
    assert tid not in ids_of(store.search_traces([DEFAULT], "status = 'IN_PROGRESS'"))


def _check_two_calls(store: TraceStore, first: Trace, second: Trace) -> None:
    """Two local roots: the earliest names the trace, which lasts from its start to the end of
    the latest, and fails because the second one failed."""
    found = store.get_trace(first.info.trace_id)
    assert spans_by_id(found) == {**spans_by_id(first), **spans_by_id(second)}
    start = _local_root(first).start_time_ns
    end = _local_root(second).end_time_ns
    assert end is not None
    info = found.info
    assert (info.name, info.state) == ("handle_first", TraceState.ERROR)
    assert info.request_time == start // 1_000_000 == first.info.request_time
    assert info.execution_duration == (end - start) // 1_000_000
    assert info.request_preview == first.info.request_preview
    assert info.response_preview == first.info.response_preview
    assert ids_of(store.search_traces([DEFAULT], "status = 'ERROR'")) == [first.info.trace_id]


def _check_whole(store: TraceStore, origin: Trace, parts: list[Trace]) -> None:
    found = store.get_trace(origin.info.trace_id)
    expected = {}
    for part in parts:
        expected.update(spans_by_id(part))
    assert spans_by_id(found) == expected
    info = found.info
    assert (info.name, info.state) == ("client_request", TraceState.OK)
    assert info.request_time == origin.info.request_time
    assert info.execution_duration == origin.info.execution_duration
    assert info.request_preview == origin.info.request_preview
    assert info.response_preview == origin.info.response_preview
    assert len(store.search_traces([DEFAULT])) == 1


def _local_root(part: Trace) -> Span:
    root = part.data.root
    assert root is not None
    return root
