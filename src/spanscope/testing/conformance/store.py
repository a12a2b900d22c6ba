"""StoreConformance: the behaviour every `TraceStore` backend shares, as a pytest test class.

A backend's test module subclasses it in a class named `Test...` and provides one fixture,
`store`: a `TraceStore` emptied of every trace and of every experiment but the default one
(id "0"), for each test (`clear_store` does that through the public methods). The tests use
only the public `TraceStore` methods and entities, with traces made by the real SDK.

Where a backend differs legitimately, a class attribute says so (see `StoreConformance`).
"""

from __future__ import annotations

import pytest

from spanscope.constants import TraceMetadataKey
from spanscope.entities import (
    Experiment,
    Span,
    SpanStatusCode,
    Trace,
    TraceState,
)
from spanscope.exceptions import (
    InvalidArgumentError,
    NotFoundError,
    SpanscopeError,
)
from spanscope.store.base import TraceStore
from spanscope.testing.conformance.store_assessment_search import AssessmentSearchConformance
from spanscope.testing.conformance.store_assessments import AssessmentConformance
from spanscope.testing.conformance.store_datasets import DatasetConformance
from spanscope.testing.conformance.store_evaluation_runs import EvaluationRunConformance
from spanscope.testing.conformance.store_merging import MergeConformance
from spanscope.testing.conformance.store_search import SearchConformance
from spanscope.testing.conformance.store_span_search import SpanSearchConformance
from spanscope.testing.conformance.store_traces import (
    DEFAULT,
    UNKNOWN_TRACE_ID,
    all_pages,
    continued_trace,
    ids_of,
    make_trace,
    spans_by_id,
)

__all__ = ["StoreConformance"]


class StoreConformance(
    SearchConformance,
    SpanSearchConformance,
    MergeConformance,
    AssessmentConformance,
    AssessmentSearchConformance,
    DatasetConformance,
    EvaluationRunConformance,
):
    """The TraceStore contract. Subclass it as `class TestMyStore(StoreConformance)` and
    provide a `store` fixture: an emptied store whose default experiment is "0".

    Knobs (class attributes) for what may legitimately differ between backends:
    """

    #: The store takes spans arriving piecemeal (`log_spans`: OpenTelemetry ingest). False for a
    #: backend that only takes whole traces: its `log_spans` must then raise SpanscopeError and
    #: store nothing, and the piecemeal tests check exactly that.
    supports_log_spans: bool = True
    #: search_experiments, get_experiment and get_experiment_by_name fill
    #: `Experiment.trace_count` and `last_trace_time`. False for a backend that leaves them
    #: None (the entity allows it: "when the store knows").
    experiment_trace_counts: bool = True
    #: Examples hypothesis tries for the filter-equivalence property (each writes a batch of
    #: traces and runs one search).
    filter_examples: int = 40
    #: An experiment id the store never issues (any string the backend would look up).
    unknown_experiment_id: str = "987654321"

    # -- experiments ----------------------------------------------------------------------

    def test_default_experiment_exists_and_stays(self, store: TraceStore) -> None:
        default = store.get_experiment(DEFAULT)
        assert (default.experiment_id, default.name) == (DEFAULT, "Default")
        assert store.get_experiment_by_name("Default") == default
        listed = store.search_experiments()
        assert [e.experiment_id for e in listed] == [DEFAULT]
        with pytest.raises(InvalidArgumentError):
            store.delete_experiment(DEFAULT)
        assert store.get_experiment(DEFAULT).name == "Default"

    def test_create_and_get_experiment(self, store: TraceStore) -> None:
        eid = store.create_experiment("bot", tags={"team": "search"})
        assert isinstance(eid, str) and eid != DEFAULT
        experiment = store.get_experiment(eid)
        assert isinstance(experiment, Experiment)
        assert (experiment.experiment_id, experiment.name) == (eid, "bot")
        assert experiment.tags == {"team": "search"}
        assert store.get_experiment_by_name("bot") == experiment
        assert store.get_experiment_by_name("no such experiment") is None
        other = store.create_experiment("bot-2")
        assert other not in (eid, DEFAULT)
        assert store.get_experiment(other).tags == {}

    def test_experiment_names_are_unique_and_non_blank(self, store: TraceStore) -> None:
        store.create_experiment("bot")
        with pytest.raises(InvalidArgumentError):
            store.create_experiment("bot")
        with pytest.raises(InvalidArgumentError):
            store.create_experiment("   ")
        assert [e.name for e in store.search_experiments()] == ["Default", "bot"]

    def test_rename_experiment(self, store: TraceStore) -> None:
        eid = store.create_experiment("bot")
        store.create_experiment("taken")
        store.rename_experiment(eid, "bot-v2")
        assert store.get_experiment(eid).name == "bot-v2"
        assert store.get_experiment_by_name("bot") is None
        assert store.get_experiment_by_name("bot-v2") == store.get_experiment(eid)
        store.rename_experiment(eid, "bot-v2")  # to its own name: nothing changes
        with pytest.raises(InvalidArgumentError):
            store.rename_experiment(eid, "taken")
        with pytest.raises(InvalidArgumentError):
            store.rename_experiment(eid, "  ")
        assert store.get_experiment(eid).name == "bot-v2"
        with pytest.raises(NotFoundError):
            store.rename_experiment(self.unknown_experiment_id, "anything")

    def test_search_experiments_pages_oldest_first(self, store: TraceStore) -> None:
        names = [f"exp-{i}" for i in range(7)]
        for name in names:
            store.create_experiment(name)
        first = store.search_experiments(max_results=3)
        assert len(first) == 3 and first.next_page_token is not None
        walked = all_pages(lambda token: store.search_experiments(max_results=3, page_token=token))
        assert [e.name for e in walked] == ["Default", *names]
        assert len({e.experiment_id for e in walked}) == len(walked)
        found = store.search_experiments(name_like="exp-%", max_results=1000)
        assert [e.name for e in found] == names and found.next_page_token is None
        assert store.search_experiments(name_like="nothing%") == []
        with pytest.raises(InvalidArgumentError):
            store.search_experiments(max_results=0)
        with pytest.raises(InvalidArgumentError):
            store.search_experiments(page_token="garbage!")

    def test_experiment_trace_counts(self, store: TraceStore) -> None:
        eid = store.create_experiment("counted")
        store.write_traces(
            [make_trace(eid, request_time=5_000), make_trace(eid, request_time=7_000)]
        )
        listed = {e.experiment_id: e for e in store.search_experiments()}
        single = store.get_experiment(eid)
        if not self.experiment_trace_counts:
            assert listed[eid].trace_count in (None, 2)
            assert single.trace_count in (None, 2)
            return
        assert listed[eid].trace_count == 2
        assert listed[eid].last_trace_time == 7_000
        assert listed[DEFAULT].trace_count == 0
        assert listed[DEFAULT].last_trace_time is None
        # A single experiment's reads carry them too.
        assert single == listed[eid] == store.get_experiment_by_name("counted")
        assert (single.trace_count, single.last_trace_time) == (2, 7_000)
        default = store.get_experiment(DEFAULT)
        assert (default.trace_count, default.last_trace_time) == (0, None)
        assert store.get_experiment_by_name("Default") == default == listed[DEFAULT]

    def test_delete_experiment_deletes_its_traces(self, store: TraceStore) -> None:
        eid = store.create_experiment("doomed")
        doomed = [make_trace(eid, "doomed question"), make_trace(eid)]
        kept = make_trace(DEFAULT)
        store.write_traces([*doomed, kept])
        store.delete_experiment(eid)
        with pytest.raises(NotFoundError):
            store.get_experiment(eid)
        assert store.get_experiment_by_name("doomed") is None
        assert [e.experiment_id for e in store.search_experiments()] == [DEFAULT]
        for trace in doomed:
            with pytest.raises(NotFoundError):
                store.get_trace(trace.info.trace_id)
        assert ids_of(store.search_traces([DEFAULT])) == [kept.info.trace_id]
        with pytest.raises(NotFoundError):
            store.delete_experiment(eid)
        # The name is free again, and the new experiment starts empty.
        again = store.create_experiment("doomed")
        assert store.search_traces([again]) == []

    def test_unknown_experiment_id_is_not_found(self, store: TraceStore) -> None:
        unknown = self.unknown_experiment_id
        for call in (
            lambda: store.get_experiment(unknown),
            lambda: store.rename_experiment(unknown, "x"),
            lambda: store.delete_experiment(unknown),
            lambda: store.delete_traces(unknown, max_traces=1),
            lambda: store.write_traces([make_trace(unknown)]),
        ):
            with pytest.raises(NotFoundError):
                call()
        assert store.search_traces([DEFAULT]) == []

    # -- writing whole traces -------------------------------------------------------------

    def test_whole_trace_round_trip(self, store: TraceStore) -> None:
        trace = make_trace(DEFAULT, tags={"env": "prod"}, session_id="s1", user_id="u1", fail=True)
        store.write_traces([trace])
        found = store.get_trace(trace.info.trace_id)
        assert found.info == trace.info
        assert (found.info.session_id, found.info.user_id) == ("s1", "u1")
        assert found.info.token_usage == {
            "input_tokens": 10,
            "output_tokens": 5,
            "total_tokens": 15,
        }
        assert spans_by_id(found) == spans_by_id(trace)  # ids, parents, attributes, events...
        starts = [s.start_time_ns for s in found.data.spans]
        assert starts == sorted(starts), "spans come ordered by start time"
        root = found.data.root
        assert root is not None and root.name == "support_bot" and root.parent_id is None
        assert {s.parent_id for s in found.data.spans if s is not root} == {root.span_id}
        (tool,) = found.search_spans(span_type="TOOL")
        assert tool.status.status_code is SpanStatusCode.ERROR
        assert tool.status.description == "RuntimeError: tool exploded"
        assert tool.events[0].name == "exception"
        assert "tool exploded" in tool.events[0].attributes["exception.stacktrace"]
        (chat,) = found.search_spans(name="chat")
        assert chat.attributes["gen_ai.usage.input_tokens"] == 10
        assert chat.outputs == "Refunds take 5 days"
        assert found.info.state is TraceState.ERROR
        bare = store.get_trace(trace.info.trace_id, include_spans=False)
        assert bare.info == trace.info and bare.data.spans == []

    def test_unknown_trace_id_is_not_found(self, store: TraceStore) -> None:
        with pytest.raises(NotFoundError):
            store.get_trace(UNKNOWN_TRACE_ID)

    def test_writes_are_idempotent(self, store: TraceStore) -> None:
        trace = make_trace(DEFAULT, tags={"a": "1"})
        other = make_trace(DEFAULT, "another question")
        store.write_traces([trace])
        store.write_traces([trace, trace, other])
        store.write_traces([trace])
        found = store.get_trace(trace.info.trace_id)
        assert found.info == trace.info
        assert len(found.data.spans) == len(trace.data.spans)
        assert spans_by_id(found) == spans_by_id(trace)
        assert sorted(ids_of(store.search_traces([DEFAULT]))) == sorted(ids_of([trace, other]))
        assert ids_of(store.search_traces([DEFAULT], "tags.a = '1'")) == [trace.info.trace_id]
        assert len(store.search_traces([DEFAULT], "text ILIKE '%where is my refund%'")) == 1
        store.write_traces([])  # an empty batch is fine

    def test_a_batch_with_an_unknown_experiment_writes_nothing(self, store: TraceStore) -> None:
        good, bad = make_trace(DEFAULT), make_trace(self.unknown_experiment_id)
        with pytest.raises(NotFoundError):
            store.write_traces([good, bad])
        assert store.search_traces([DEFAULT]) == []

    # -- merging spans and traces ---------------------------------------------------------

    def _log_spans_refused(self, store: TraceStore, spans: list[Span]) -> bool:
        """Without log_spans support: check that it is refused loudly, storing nothing."""
        if self.supports_log_spans:
            return False
        with pytest.raises(SpanscopeError):
            store.log_spans(DEFAULT, spans)
        with pytest.raises(NotFoundError):
            store.get_trace(spans[0].trace_id)
        return True

    def test_spans_arriving_piecemeal_make_the_trace(self, store: TraceStore) -> None:
        trace = make_trace(DEFAULT, "piecemeal question")
        spans = trace.data.spans
        root, children = spans[0], spans[1:]
        tid = trace.info.trace_id
        if self._log_spans_refused(store, children):
            return
        store.log_spans(DEFAULT, children[:2])
        # Until their parent arrives, the children are the trace's local roots: the earliest
        # names it, and it lasts until the latest of them ends.
        retrieve, chat, tool = children
        partial = store.get_trace(tid)
        assert len(partial.data.spans) == 2
        assert (partial.info.state, partial.info.name) == (TraceState.OK, "retrieve")
        assert partial.info.request_time == retrieve.start_time_ns // 1_000_000
        assert chat.end_time_ns is not None
        expected = (chat.end_time_ns - retrieve.start_time_ns) // 1_000_000
        assert partial.info.execution_duration == expected
        store.log_spans(DEFAULT, children)  # one already stored, one new
        partial = store.get_trace(tid)
        assert tool.end_time_ns is not None
        expected = (tool.end_time_ns - retrieve.start_time_ns) // 1_000_000
        assert (partial.info.state, partial.info.execution_duration) == (TraceState.OK, expected)
        store.log_spans(DEFAULT, [root])  # the root comes last, and takes over
        store.log_spans(DEFAULT, [root, *children])  # and again: idempotent
        whole = store.get_trace(tid)
        assert spans_by_id(whole) == spans_by_id(trace)
        assert len(whole.data.spans) == len(spans)
        info = whole.info
        assert info.state is TraceState.OK
        assert info.name == "support_bot"
        assert info.request_time == trace.info.request_time
        assert info.execution_duration == trace.info.execution_duration
        assert info.request_preview == trace.info.request_preview
        assert info.response_preview == trace.info.response_preview
        assert info.token_usage == trace.info.token_usage
        assert ids_of(store.search_traces([DEFAULT], "status = 'IN_PROGRESS'")) == []
        assert ids_of(store.search_traces([DEFAULT], "text ILIKE '%refund is on its way%'")) == [
            tid
        ]
        assert ids_of(store.search_traces([DEFAULT], "span.name = 'retrieve'")) == [tid]

    def test_a_failed_root_arriving_last_makes_the_trace_fail(self, store: TraceStore) -> None:
        trace = make_trace(DEFAULT, fail=True)
        spans = trace.data.spans
        if self._log_spans_refused(store, spans):
            return
        store.log_spans(DEFAULT, spans[1:])
        store.log_spans(DEFAULT, spans[:1])
        found = store.get_trace(trace.info.trace_id)
        assert found.info.state is TraceState.ERROR
        assert found.info.name == "support_bot"
        assert found.info.execution_duration == trace.info.execution_duration
        assert ids_of(store.search_traces([DEFAULT], "status = 'ERROR'")) == [trace.info.trace_id]

    def test_log_spans_merges_trace_metadata(self, store: TraceStore) -> None:
        trace = make_trace(DEFAULT)
        spans = trace.data.spans
        tid = trace.info.trace_id
        if self._log_spans_refused(store, spans):
            return
        store.log_spans(DEFAULT, spans[1:], {tid: {TraceMetadataKey.SESSION: "s9", "k": "v"}})
        store.log_spans(DEFAULT, spans[:1], {tid: {TraceMetadataKey.USER: "u9"}})
        store.log_spans(DEFAULT, spans[:1])  # no metadata: what was merged stays
        info = store.get_trace(tid).info
        assert (info.session_id, info.user_id, info.metadata.get("k")) == ("s9", "u9", "v")
        assert info.state is TraceState.OK
        found = store.search_traces([DEFAULT], "session_id = 's9' AND metadata.k = 'v'")
        assert ids_of(found) == [tid]
        (session,) = store.search_sessions([DEFAULT])
        assert (session.session_id, session.trace_count, session.user_id) == ("s9", 1, "u9")

    def test_log_spans_to_an_unknown_experiment_is_not_found(self, store: TraceStore) -> None:
        spans = make_trace(DEFAULT).data.spans
        if self._log_spans_refused(store, spans):
            return
        with pytest.raises(NotFoundError):
            store.log_spans(self.unknown_experiment_id, spans)
        with pytest.raises(NotFoundError):
            store.get_trace(spans[0].trace_id)

    def test_log_spans_of_a_continued_trace(self, store: TraceStore) -> None:
        origin, continuation = continued_trace()
        tid = origin.info.trace_id
        if self._log_spans_refused(store, continuation.data.spans):
            return
        store.log_spans(DEFAULT, continuation.data.spans)
        # The continuation's local root (its parent is in the other process) makes the trace.
        alone = store.get_trace(tid).info
        assert (alone.state, alone.name) == (TraceState.OK, "server_handler")
        assert alone.execution_duration == continuation.info.execution_duration
        store.log_spans(DEFAULT, origin.data.spans)
        found = store.get_trace(tid)
        assert found.info.state is TraceState.OK
        assert found.info.name == "client_request"
        assert found.info.request_time == origin.info.request_time
        assert spans_by_id(found) == {**spans_by_id(origin), **spans_by_id(continuation)}
        assert ids_of(store.search_traces([DEFAULT], "text ILIKE '%zebra payload%'")) == [tid]

    def _check_continued_trace(self, store: TraceStore, origin: Trace, continuation: Trace) -> None:
        tid = origin.info.trace_id
        found = store.get_trace(tid)
        assert spans_by_id(found) == {**spans_by_id(origin), **spans_by_id(continuation)}
        info = found.info
        assert (info.name, info.state) == ("client_request", TraceState.OK)
        assert info.request_time == origin.info.request_time
        assert info.execution_duration == origin.info.execution_duration
        assert info.request_preview == origin.info.request_preview
        assert info.response_preview == origin.info.response_preview
        assert len(store.search_traces([DEFAULT])) == 1
        # Both processes' spans are searchable ...
        for span_filter in ("span.name = 'database'", "span.name = 'client_request'"):
            assert ids_of(store.search_traces([DEFAULT], span_filter)) == [tid], span_filter
        for text in ("alpha question", "zebra payload"):
            found_text = store.search_traces([DEFAULT], f"text ILIKE '%{text}%'")
            assert ids_of(found_text) == [tid], f"text search for {text!r}"
        # ... and what each process set on the trace is kept.
        assert (info.session_id, info.user_id) == ("s-cont", "u-cont")
        assert info.tags == {"side": "client", "served_by": "api"}
        assert ids_of(store.search_traces([DEFAULT], "user_id = 'u-cont'")) == [tid]

    def test_continued_trace_written_after_its_origin(self, store: TraceStore) -> None:
        origin, continuation = continued_trace()
        store.write_traces([origin])
        store.write_traces([continuation])
        self._check_continued_trace(store, origin, continuation)
        store.write_traces([continuation])  # idempotent
        self._check_continued_trace(store, origin, continuation)

    def test_continued_trace_written_before_its_origin(self, store: TraceStore) -> None:
        origin, continuation = continued_trace()
        store.write_traces([continuation])
        alone = store.get_trace(origin.info.trace_id).info
        assert (alone.state, alone.name) == (TraceState.OK, "server_handler")
        store.write_traces([origin])
        self._check_continued_trace(store, origin, continuation)
