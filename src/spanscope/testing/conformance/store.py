"""StoreConformance: the behaviour every `TraceStore` backend shares, as a pytest test class.

A backend's test module subclasses it in a class named `Test...` and provides one fixture,
`store`: a `TraceStore` emptied of every trace and of every experiment but the default one
(id "0"), for each test (`clear_store` does that through the public methods). The tests use
only the public `TraceStore` methods and entities, with traces made by the real SDK.

Where a backend differs legitimately, a class attribute says so (see `StoreConformance`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import spanscope
from spanscope.constants import TraceMetadataKey
from spanscope.entities import (
    Experiment,
    Session,
    Span,
    SpanStatusCode,
    Trace,
    TraceData,
    TraceInfo,
    TraceState,
)
from spanscope.exceptions import (
    InvalidArgumentError,
    InvalidFilterError,
    NotFoundError,
    SpanscopeError,
)
from spanscope.search import (
    And,
    Comparison,
    Expr,
    Field,
    FieldKind,
    Not,
    Op,
    Or,
    Scalar,
    Value,
    ValueType,
    field_spec,
    matches,
    to_filter_string,
)
from spanscope.store.base import PagedList, TraceStore
from spanscope.testing import capture_traces

__all__ = ["StoreConformance", "clear_store", "continued_trace", "make_trace"]

DEFAULT = "0"
UNKNOWN_TRACE_ID = "f" * 32
_EVERYTHING = 10**12  # max_traces that deletes every trace of an experiment


# -- traces made by the real SDK ----------------------------------------------------------------


def make_trace(
    experiment_id: str = DEFAULT,
    question: str = "where is my refund?",
    *,
    tags: dict[str, str] | None = None,
    session_id: str | None = None,
    user_id: str | None = None,
    fail: bool = False,
    tokens: tuple[int, int] | None = (10, 5),
    tool: str = "lookup_order",
    request_time: int | None = None,
    duration: int | None = None,
) -> Trace:
    """An AGENT root with a RETRIEVER, a CHAT_MODEL span (token usage) and a TOOL span.

    `fail` makes the tool raise (the tool and the root end in ERROR, with an exception event);
    `request_time` / `duration` (ms) override what the SDK measured.
    """

    @spanscope.trace(name="support_bot", span_type="AGENT")
    def bot(q: str) -> str:
        spanscope.update_current_trace(tags=tags, session_id=session_id, user_id=user_id)
        with spanscope.start_span("retrieve", span_type="RETRIEVER") as span:
            span.set_inputs({"query": q})
            span.set_outputs([{"page_content": "Refunds take 5 days", "metadata": {}, "id": "1"}])
        with spanscope.start_span("chat", span_type="CHAT_MODEL") as span:
            span.set_attribute("gen_ai.request.model", "gpt-test")
            if tokens is not None:
                span.set_attributes(
                    {
                        "gen_ai.usage.input_tokens": tokens[0],
                        "gen_ai.usage.output_tokens": tokens[1],
                    }
                )
            span.set_outputs("Refunds take 5 days")
        with spanscope.start_span(tool, span_type="TOOL") as span:
            span.set_inputs({"order": "A-1"})
            if fail:
                raise RuntimeError("tool exploded")
        return "Your refund is on its way"

    with capture_traces() as captured, contextlib.suppress(RuntimeError):
        bot(question)
    trace = captured.single()
    trace.info.experiment_id = experiment_id
    if request_time is not None:
        trace.info.request_time = request_time
    if duration is not None:
        trace.info.execution_duration = duration
    return trace


def continued_trace(experiment_id: str = DEFAULT) -> tuple[Trace, Trace]:
    """One trace made by two processes: `(origin, continuation)`, sharing a trace id.

    The origin's root `client_request` calls a service; the service continues the trace from
    the `traceparent` header, so the continuation's local root `server_handler` has the
    origin's root as its (remote) parent. The continuation sets a tag and the user id.
    """
    with capture_traces() as captured:
        with spanscope.start_span("client_request", span_type="CHAIN") as root:
            root.set_inputs({"question": "alpha question"})
            spanscope.update_current_trace(tags={"side": "client"}, session_id="s-cont")
            headers = spanscope.tracing.inject_trace_headers({})
            with spanscope.tracing.continue_trace(headers):  # as the service process would
                with spanscope.start_span("server_handler", span_type="AGENT") as handler:
                    handler.set_inputs({"payload": "zebra payload"})
                    spanscope.update_current_trace(tags={"served_by": "api"}, user_id="u-cont")
                    with spanscope.start_span("database", span_type="RETRIEVER") as db:
                        db.set_outputs("row 1")
            root.set_outputs("client done")
    by_root = {t.data.spans[0].name: t for t in captured.traces}
    origin, continuation = by_root["client_request"], by_root["server_handler"]
    for trace in (origin, continuation):
        trace.info.experiment_id = experiment_id
    return origin, continuation


def clear_store(store: TraceStore) -> None:
    """Delete every trace and every experiment but the default one, with public methods only."""
    for experiment in _all_pages(lambda token: store.search_experiments(page_token=token)):
        if experiment.experiment_id != DEFAULT:
            store.delete_experiment(experiment.experiment_id)
    store.delete_traces(DEFAULT, max_traces=_EVERYTHING)


def _all_pages(fetch: Callable[[str | None], PagedList[Any]], limit: int = 1000) -> list[Any]:
    """Every item of a paged search, following next_page_token to the end."""
    found: list[Any] = []
    token: str | None = None
    for _ in range(limit):
        page = fetch(token)
        found.extend(page)
        token = page.next_page_token
        if token is None:
            return found
    raise AssertionError(f"paging did not end after {limit} pages")


def _ids(traces: list[Trace]) -> list[str]:
    return [t.info.trace_id for t in traces]


def _spans_by_id(trace: Trace) -> dict[str, dict[str, Any]]:
    return {s.span_id: s.to_dict() for s in trace.data.spans}


# -- the filter-language strategies (a small vocabulary, so filters often match) ----------------

_SMALL_TEXT = st.text(alphabet="aAb%_\\' .é", max_size=4)
_KEYS = st.sampled_from(["env", "k", "gen_ai.usage.input_tokens", "my key", "x`y"])
_NUMBERS: st.SearchStrategy[Scalar] = st.integers(-2, 2)
_JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-2, 2), _SMALL_TEXT)
_JSON_VALUES = st.one_of(
    _JSON_SCALARS,
    st.lists(_JSON_SCALARS, max_size=2),
    st.dictionaries(_KEYS, _JSON_SCALARS, max_size=2),
)
_FIELDS: st.SearchStrategy[Field] = st.one_of(
    st.sampled_from(
        [
            Field.trace(name)
            for name in (
                "trace_id",
                "name",
                "status",
                "timestamp_ms",
                "execution_time_ms",
                "session_id",
                "user_id",
                "client_request_id",
                "request_preview",
                "response_preview",
            )
        ]
        + [Field.span("name"), Field.span("type"), Field.span("status"), Field.text()]
    ),
    st.builds(Field, st.sampled_from([FieldKind.TAG, FieldKind.METADATA]), _KEYS),
    st.builds(Field.span_attribute, _KEYS),
)


def _like_pattern(pattern: str) -> str:
    """A valid LIKE pattern: a dangling trailing escape gets a character to escape."""
    trailing = len(pattern) - len(pattern.rstrip("\\"))
    return pattern + "x" if trailing % 2 else pattern


@st.composite
def _comparisons(draw: st.DrawFn) -> Comparison:
    field = draw(_FIELDS)
    spec = field_spec(field)
    op = draw(st.sampled_from(spec.ops))
    if op in (Op.IS_NULL, Op.IS_NOT_NULL):
        return Comparison(field, op)
    if op in (Op.LIKE, Op.NOT_LIKE, Op.ILIKE, Op.NOT_ILIKE):
        return Comparison(field, op, _like_pattern(draw(_SMALL_TEXT)))
    scalar: st.SearchStrategy[Scalar]
    if spec.value_type is ValueType.NUMBER:
        scalar = _NUMBERS
    elif spec.value_type is ValueType.ENUM:
        scalar = st.sampled_from(spec.values)
    elif spec.value_type is ValueType.JSON:
        ordered = op in (Op.LT, Op.LE, Op.GT, Op.GE)
        scalar = _NUMBERS if ordered else st.one_of(_SMALL_TEXT, _NUMBERS)
    else:
        scalar = _SMALL_TEXT
    value: Value
    if op in (Op.IN, Op.NOT_IN):
        value = tuple(draw(st.lists(scalar, min_size=1, max_size=3)))
    else:
        value = draw(scalar)
    return Comparison(field, op, value)


def _extend(children: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
    many = st.lists(children, min_size=2, max_size=3).map(tuple)
    return st.one_of(st.builds(Not, children), many.map(And), many.map(Or))


_EXPRESSIONS: st.SearchStrategy[Expr] = st.recursive(_comparisons(), _extend, max_leaves=6)


@st.composite
def _spans(draw: st.DrawFn, trace_id: str, index: int) -> Span:
    return Span.from_dict(
        {
            "trace_id": trace_id,
            "span_id": f"{index + 1:016x}",
            "parent_id": None if index == 0 else f"{1:016x}",
            "name": draw(_SMALL_TEXT),
            "span_type": draw(st.sampled_from(["LLM", "TOOL", "CHAIN", "a"])),
            "start_time_ns": 1_000 + index,
            "end_time_ns": 2_000 + index,
            "status": {"code": draw(st.sampled_from(["OK", "ERROR", "UNSET"])), "message": ""},
            "inputs": draw(_JSON_VALUES),
            "outputs": draw(_JSON_VALUES),
            "attributes": draw(st.dictionaries(_KEYS, _JSON_VALUES, max_size=3)),
        }
    )


@st.composite
def _traces(draw: st.DrawFn, trace_id: str) -> Trace:
    """A trace of made-up spans and info (values every backend must accept: no negatives)."""
    optional_text = st.none() | _SMALL_TEXT
    metadata = draw(st.dictionaries(_KEYS, _SMALL_TEXT, max_size=2))
    for key in (TraceMetadataKey.SESSION, TraceMetadataKey.USER):
        value = draw(optional_text)
        if value is not None:
            metadata[key] = value
    info = TraceInfo(
        trace_id=trace_id,
        experiment_id=DEFAULT,
        request_time=draw(st.integers(0, 3)),
        execution_duration=draw(st.none() | st.integers(0, 3)),
        state=draw(st.sampled_from(list(TraceState))),
        name=draw(optional_text),
        request_preview=draw(optional_text),
        response_preview=draw(optional_text),
        client_request_id=draw(optional_text),
        metadata=metadata,
        tags=draw(st.dictionaries(_KEYS, _SMALL_TEXT, max_size=2)),
    )
    spans = [draw(_spans(trace_id, i)) for i in range(draw(st.integers(0, 3)))]
    return Trace(info, TraceData(spans))


_BATCH_IDS = [f"{0xC0FFEE:08x}{i + 1:024x}" for i in range(4)]
_BATCHES = st.lists(st.integers(0, 3), min_size=1, max_size=len(_BATCH_IDS), unique=True).flatmap(
    lambda slots: st.tuples(*(_traces(_BATCH_IDS[slot]) for slot in slots)).map(list)
)


# -- the suite ----------------------------------------------------------------------------------


class StoreConformance:
    """The TraceStore contract. Subclass it as `class TestMyStore(StoreConformance)` and
    provide a `store` fixture: an emptied store whose default experiment is "0".

    Knobs (class attributes) for what may legitimately differ between backends:
    """

    #: The store takes spans arriving piecemeal (`log_spans`: OpenTelemetry ingest). False for a
    #: backend that only takes whole traces: its `log_spans` must then raise SpanscopeError and
    #: store nothing, and the piecemeal tests check exactly that.
    supports_log_spans: bool = True
    #: search_experiments fills `Experiment.trace_count` and `last_trace_time`. False for a
    #: backend that leaves them None (the entity allows it: "when the store knows").
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
        walked = _all_pages(lambda token: store.search_experiments(max_results=3, page_token=token))
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
        if not self.experiment_trace_counts:
            assert listed[eid].trace_count in (None, 2)
            return
        assert listed[eid].trace_count == 2
        assert listed[eid].last_trace_time == 7_000
        assert listed[DEFAULT].trace_count == 0

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
        assert _ids(store.search_traces([DEFAULT])) == [kept.info.trace_id]
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
        assert _spans_by_id(found) == _spans_by_id(trace)  # ids, parents, attributes, events...
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
        assert _spans_by_id(found) == _spans_by_id(trace)
        assert sorted(_ids(store.search_traces([DEFAULT]))) == sorted(_ids([trace, other]))
        assert _ids(store.search_traces([DEFAULT], "tags.a = '1'")) == [trace.info.trace_id]
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
        partial = store.get_trace(tid)
        assert partial.info.state is TraceState.IN_PROGRESS
        assert partial.info.execution_duration is None
        assert len(partial.data.spans) == 2
        assert _ids(store.search_traces([DEFAULT], "status = 'IN_PROGRESS'")) == [tid]
        store.log_spans(DEFAULT, children)  # one already stored, one new
        assert store.get_trace(tid).info.state is TraceState.IN_PROGRESS
        store.log_spans(DEFAULT, [root])  # the root comes last
        store.log_spans(DEFAULT, [root, *children])  # and again: idempotent
        whole = store.get_trace(tid)
        assert _spans_by_id(whole) == _spans_by_id(trace)
        assert len(whole.data.spans) == len(spans)
        info = whole.info
        assert info.state is TraceState.OK
        assert info.name == "support_bot"
        assert info.request_time == trace.info.request_time
        assert info.execution_duration == trace.info.execution_duration
        assert info.request_preview == trace.info.request_preview
        assert info.response_preview == trace.info.response_preview
        assert info.token_usage == trace.info.token_usage
        assert _ids(store.search_traces([DEFAULT], "status = 'IN_PROGRESS'")) == []
        assert _ids(store.search_traces([DEFAULT], "text ILIKE '%refund is on its way%'")) == [tid]
        assert _ids(store.search_traces([DEFAULT], "span.name = 'retrieve'")) == [tid]

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
        assert _ids(store.search_traces([DEFAULT], "status = 'ERROR'")) == [trace.info.trace_id]

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
        assert _ids(found) == [tid]
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
        # The continuation's local root has a parent: the trace is not complete yet.
        assert store.get_trace(tid).info.state is TraceState.IN_PROGRESS
        store.log_spans(DEFAULT, origin.data.spans)
        found = store.get_trace(tid)
        assert found.info.state is TraceState.OK
        assert found.info.name == "client_request"
        assert found.info.request_time == origin.info.request_time
        assert _spans_by_id(found) == {**_spans_by_id(origin), **_spans_by_id(continuation)}
        assert _ids(store.search_traces([DEFAULT], "text ILIKE '%zebra payload%'")) == [tid]

    def _check_continued_trace(self, store: TraceStore, origin: Trace, continuation: Trace) -> None:
        tid = origin.info.trace_id
        found = store.get_trace(tid)
        assert _spans_by_id(found) == {**_spans_by_id(origin), **_spans_by_id(continuation)}
        info = found.info
        assert (info.name, info.state) == ("client_request", TraceState.OK)
        assert info.request_time == origin.info.request_time
        assert info.execution_duration == origin.info.execution_duration
        assert info.request_preview == origin.info.request_preview
        assert info.response_preview == origin.info.response_preview
        assert len(store.search_traces([DEFAULT])) == 1
        # Both processes' spans are searchable ...
        for span_filter in ("span.name = 'database'", "span.name = 'client_request'"):
            assert _ids(store.search_traces([DEFAULT], span_filter)) == [tid], span_filter
        for text in ("alpha question", "zebra payload"):
            found_text = store.search_traces([DEFAULT], f"text ILIKE '%{text}%'")
            assert _ids(found_text) == [tid], f"text search for {text!r}"
        # ... and what each process set on the trace is kept.
        assert (info.session_id, info.user_id) == ("s-cont", "u-cont")
        assert info.tags == {"side": "client", "served_by": "api"}
        assert _ids(store.search_traces([DEFAULT], "user_id = 'u-cont'")) == [tid]

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
        assert store.get_trace(origin.info.trace_id).info.state is TraceState.IN_PROGRESS
        store.write_traces([origin])
        self._check_continued_trace(store, origin, continuation)

    # -- search ---------------------------------------------------------------------------

    def test_search_filters(self, store: TraceStore) -> None:
        a = make_trace(
            DEFAULT, "refund please", tags={"env": "prod"}, session_id="s1", user_id="ann"
        )
        b = make_trace(DEFAULT, "shipping time?", tags={"env": "dev"}, session_id="s1", fail=True)
        c = make_trace(
            DEFAULT, "hello", tags={"env": "prod", "vip": "1"}, tokens=None, tool="search"
        )
        store.write_traces([a, b, c])
        names = {a.info.trace_id: "a", b.info.trace_id: "b", c.info.trace_id: "c"}

        def found(filter_string: str) -> list[str]:
            return sorted(
                names[t.info.trace_id] for t in store.search_traces([DEFAULT], filter_string)
            )

        expected = {
            # status and trace fields
            "status = 'ERROR'": ["b"],
            "status != 'ERROR'": ["a", "c"],
            "status IN ('OK', 'IN_PROGRESS')": ["a", "c"],
            "name = 'support_bot'": ["a", "b", "c"],
            "request_preview LIKE 'hel_o'": ["c"],
            "execution_time_ms >= 0 AND timestamp_ms > 0": ["a", "b", "c"],
            f"trace_id = '{a.info.trace_id}'": ["a"],
            # tags and metadata
            "tags.env = 'prod'": ["a", "c"],
            "tags.env != 'prod'": ["b"],
            "tags.vip IS NULL": ["a", "b"],
            "tags.vip IS NOT NULL": ["c"],
            "NOT tags.vip = '1'": ["a", "b"],
            "tags.env IN ('dev', 'staging')": ["b"],
            "tags.env LIKE 'pr%'": ["a", "c"],
            "tags.env ILIKE 'PR%'": ["a", "c"],
            "session_id = 's1' AND user_id IS NULL": ["b"],
            "user_id = 'ann'": ["a"],
            "metadata.`spanscope.trace.session` = 's1'": ["a", "b"],
            # span predicates (true when some span matches)
            "span.status = 'ERROR'": ["b"],
            "span.type = 'TOOL' AND span.name = 'search'": ["c"],
            "span.name IN ('search', 'nothing')": ["c"],
            "span.name NOT IN ('search')": ["a", "b", "c"],
            "span.attributes.`gen_ai.usage.input_tokens` >= 10": ["a", "b"],
            "span.attributes.`gen_ai.usage.input_tokens` < 10": [],
            "span.attributes.`gen_ai.request.model` = 'gpt-test'": ["a", "b", "c"],
            "span.attributes.`gen_ai.usage.input_tokens` IS NULL": ["c"],
            # full text
            "text ILIKE '%REFUND PLEASE%'": ["a"],
            "text LIKE '%REFUND PLEASE%'": [],
            "text LIKE '%refund please%'": ["a"],
            "text ILIKE '%shipping%'": ["b"],
            "text ILIKE '%Refunds take 5 days%'": ["a", "b", "c"],
            "text ILIKE '%tool exploded%' OR name LIKE 'x%'": [],
            # boolean structure and quoting
            "(tags.env = 'dev' OR tags.vip = '1') AND NOT status = 'ERROR'": ["c"],
            "name = 'x'' OR 1=1 --'": [],
            "tags.env = 'prod\"; DROP TABLE traces; --'": [],
        }
        for filter_string, names_found in expected.items():
            assert found(filter_string) == names_found, filter_string
        assert len(store.search_traces([DEFAULT], None)) == 3
        assert len(store.search_traces([DEFAULT], "")) == 3

    def test_search_is_scoped_to_experiments(self, store: TraceStore) -> None:
        eid = store.create_experiment("other")
        here, there = make_trace(DEFAULT), make_trace(eid)
        store.write_traces([here, there])
        assert _ids(store.search_traces([DEFAULT])) == [here.info.trace_id]
        assert _ids(store.search_traces([eid])) == [there.info.trace_id]
        both = store.search_traces([DEFAULT, eid])
        assert sorted(_ids(both)) == sorted(_ids([here, there]))
        assert {t.info.trace_id: t.info.experiment_id for t in both} == {
            here.info.trace_id: DEFAULT,
            there.info.trace_id: eid,
        }

    def test_search_results_with_and_without_spans(self, store: TraceStore) -> None:
        trace = make_trace(DEFAULT)
        store.write_traces([trace])
        (bare,) = store.search_traces([DEFAULT])
        assert bare.info == trace.info and bare.data.spans == []
        (whole,) = store.search_traces([DEFAULT], include_spans=True)
        assert whole.info == trace.info and _spans_by_id(whole) == _spans_by_id(trace)

    def test_order_by(self, store: TraceStore) -> None:
        specs = [("b", 3_000, 30), ("a", 1_000, 10), ("c", 2_000, 20)]
        written = []
        for label, when, duration in specs:
            trace = make_trace(
                DEFAULT,
                f"question {label}",
                request_time=when,
                duration=duration,
                fail=label == "c",
            )
            trace.info.name = label
            written.append(trace)
        store.write_traces(written)
        label_of = {t.info.trace_id: t.info.name for t in written}

        def order(*order_by: str) -> str:
            found = store.search_traces([DEFAULT], order_by=list(order_by) or None)
            return "".join(str(label_of[t.info.trace_id]) for t in found)

        assert order() == "bca"  # newest first
        assert order("timestamp_ms DESC") == "bca"
        assert order("timestamp_ms ASC") == "acb"
        assert order("timestamp_ms") == "acb"  # ascending unless told
        assert order("execution_time_ms DESC") == "bca"
        assert order("name") == "abc"
        assert order("name DESC") == "cba"
        assert order("status", "timestamp_ms ASC") == "cab"  # by the state's name: ERROR < OK
        assert order("status DESC", "name DESC") == "bac"
        assert order("trace_id") == "".join(str(label_of[i]) for i in sorted(label_of))
        with pytest.raises(InvalidFilterError):
            store.search_traces([DEFAULT], order_by=["tokens DESC"])

    def test_paging_walks_every_trace_once(self, store: TraceStore) -> None:
        # Request times repeat, so pages must break ties consistently.
        traces = [
            make_trace(DEFAULT, f"q{i}", request_time=1_000 + (i % 4) * 10) for i in range(11)
        ]
        store.write_traces(traces)
        all_ids = sorted(_ids(traces))
        for order_by in (None, ["timestamp_ms ASC"], ["name", "timestamp_ms DESC"]):
            for size in (1, 3, 11, 12):
                pages = self._pages(store, order_by, size)
                seen = [t.info.trace_id for page in pages for t in page]
                assert sorted(seen) == all_ids, (order_by, size)  # no duplicates, no omissions
                assert [len(p) for p in pages[:-1]] == [size] * (len(pages) - 1), (order_by, size)
                assert len(pages[-1]) <= size
                times = [t.info.request_time for page in pages for t in page]
                if order_by is None:
                    assert times == sorted(times, reverse=True)
                elif order_by == ["timestamp_ms ASC"]:
                    assert times == sorted(times)
        filtered = _all_pages(
            lambda token: store.search_traces(
                [DEFAULT], "timestamp_ms >= 1020", max_results=2, page_token=token
            )
        )
        assert sorted(_ids(filtered)) == sorted(
            t.info.trace_id for t in traces if t.info.request_time >= 1020
        )

    @staticmethod
    def _pages(store: TraceStore, order_by: list[str] | None, size: int) -> list[PagedList[Trace]]:
        pages: list[PagedList[Trace]] = []
        token: str | None = None
        while len(pages) < 100:
            page = store.search_traces(
                [DEFAULT], order_by=order_by, max_results=size, page_token=token
            )
            pages.append(page)
            token = page.next_page_token
            if token is None:
                return pages
        raise AssertionError("paging did not end after 100 pages")

    def test_bad_search_arguments(self, store: TraceStore) -> None:
        store.write_traces([make_trace(DEFAULT)])
        for bad in ("nme = 'x'", "tags.env = ", "timestamp_ms > 'yesterday'", "status = 'DONE'"):
            with pytest.raises(InvalidFilterError):
                store.search_traces([DEFAULT], bad)
        with pytest.raises(InvalidFilterError) as caught:
            store.search_traces([DEFAULT], "name = 'x' AND nme = 'y'")
        assert caught.value.position == 15
        with pytest.raises(InvalidArgumentError):
            store.search_traces([DEFAULT], max_results=0)
        with pytest.raises(InvalidArgumentError):
            store.search_traces([DEFAULT], page_token="garbage!")

    # -- deleting and tagging traces ------------------------------------------------------

    def test_delete_traces_by_id(self, store: TraceStore) -> None:
        eid = store.create_experiment("elsewhere")
        first, second, third = (make_trace(DEFAULT, f"question {i}") for i in range(3))
        elsewhere = make_trace(eid)
        store.write_traces([first, second, third, elsewhere])
        doomed = [first.info.trace_id, second.info.trace_id, UNKNOWN_TRACE_ID]
        assert store.delete_traces(DEFAULT, trace_ids=doomed) == 2
        assert store.delete_traces(DEFAULT, trace_ids=doomed) == 0
        # A trace of another experiment is not deleted through this one.
        assert store.delete_traces(DEFAULT, trace_ids=[elsewhere.info.trace_id]) == 0
        assert store.delete_traces(DEFAULT, trace_ids=[]) == 0
        assert _ids(store.search_traces([DEFAULT])) == [third.info.trace_id]
        assert store.get_trace(elsewhere.info.trace_id).info.experiment_id == eid
        with pytest.raises(NotFoundError):
            store.get_trace(first.info.trace_id)
        assert store.search_traces([DEFAULT], "text ILIKE '%question 0%'") == []
        assert store.search_traces([DEFAULT], "span.name = 'chat'") != []

    def test_delete_traces_by_age_and_count(self, store: TraceStore) -> None:
        old = [make_trace(DEFAULT, f"old {i}", request_time=1_000 + i) for i in range(6)]
        fresh = make_trace(DEFAULT, "fresh")
        store.write_traces([*old, fresh])
        assert store.delete_traces(DEFAULT, max_traces=2) == 2  # the two oldest
        remaining = _ids(store.search_traces([DEFAULT]))
        assert sorted(remaining) == sorted(_ids([*old[2:], fresh]))
        assert store.delete_traces(DEFAULT, max_traces=0) == 0
        assert store.delete_traces(DEFAULT, older_than_ms=60_000, max_traces=1) == 1
        assert store.delete_traces(DEFAULT, older_than_ms=60_000) == 3
        assert _ids(store.search_traces([DEFAULT])) == [fresh.info.trace_id]
        assert store.delete_traces(DEFAULT, older_than_ms=60_000) == 0

    def test_delete_traces_arguments(self, store: TraceStore) -> None:
        with pytest.raises(InvalidArgumentError):
            store.delete_traces(DEFAULT)  # nothing says what to delete
        with pytest.raises(InvalidArgumentError):
            store.delete_traces(DEFAULT, trace_ids=[UNKNOWN_TRACE_ID], max_traces=1)
        with pytest.raises(InvalidArgumentError):
            store.delete_traces(DEFAULT, max_traces=-1)
        with pytest.raises(InvalidArgumentError):
            store.delete_traces(DEFAULT, older_than_ms=-1)

    def test_trace_tags(self, store: TraceStore) -> None:
        trace = make_trace(DEFAULT, tags={"env": "dev"})
        store.write_traces([trace])
        tid = trace.info.trace_id

        def search(filter_string: str) -> list[str]:
            return _ids(store.search_traces([DEFAULT], filter_string))

        store.set_trace_tag(tid, "reviewed", "yes")
        store.set_trace_tag(tid, "env", "prod")
        store.set_trace_tag(tid, "odd key/with?chars", "it's")
        expected = {"env": "prod", "reviewed": "yes", "odd key/with?chars": "it's"}
        assert store.get_trace(tid).info.tags == expected
        assert store.search_traces([DEFAULT])[0].info.tags == expected
        assert search("tags.env = 'prod' AND tags.reviewed = 'yes'") == [tid]
        assert search("tags.`odd key/with?chars` = 'it''s'") == [tid]
        assert search("tags.env = 'dev'") == []
        store.delete_trace_tag(tid, "reviewed")
        assert "reviewed" not in store.get_trace(tid).info.tags
        assert search("tags.reviewed IS NOT NULL") == []
        with pytest.raises(NotFoundError):
            store.delete_trace_tag(tid, "reviewed")
        with pytest.raises(NotFoundError):
            store.set_trace_tag(UNKNOWN_TRACE_ID, "a", "b")
        with pytest.raises(NotFoundError):
            store.delete_trace_tag(UNKNOWN_TRACE_ID, "a")
        with pytest.raises(InvalidArgumentError):
            store.set_trace_tag(tid, "", "b")
        # A key is any non-empty string, URL-ish ones included.
        for key in ("a/b", "/lead", "trail/", ".", "..", "50%", "é ?#&="):
            store.set_trace_tag(tid, key, key)
            assert store.get_trace(tid).info.tags[key] == key, key
            store.delete_trace_tag(tid, key)
            assert key not in store.get_trace(tid).info.tags, key
        assert store.get_trace(tid).info.tags == {"env": "prod", "odd key/with?chars": "it's"}

    # -- sessions -------------------------------------------------------------------------

    def test_sessions(self, store: TraceStore) -> None:
        eid = store.create_experiment("other")
        store.write_traces(
            [
                make_trace(DEFAULT, session_id="s1", user_id="u1", request_time=1_000),
                make_trace(DEFAULT, session_id="s1", user_id="u1", request_time=3_000),
                make_trace(DEFAULT, session_id="s2", request_time=2_000),
                make_trace(DEFAULT, session_id="s3", request_time=5_000),
                make_trace(DEFAULT, request_time=4_000),  # no session
                make_trace(eid, session_id="s9", request_time=9_000),
            ]
        )

        def row(s: Session) -> tuple[Any, ...]:
            return (
                s.session_id,
                s.experiment_id,
                s.trace_count,
                s.first_request_time,
                s.last_request_time,
                s.user_id,
            )

        everything = [
            ("s3", DEFAULT, 1, 5_000, 5_000, None),
            ("s1", DEFAULT, 2, 1_000, 3_000, "u1"),
            ("s2", DEFAULT, 1, 2_000, 2_000, None),
        ]
        assert [row(s) for s in store.search_sessions([DEFAULT])] == everything
        first = store.search_sessions([DEFAULT], max_results=2)
        assert [row(s) for s in first] == everything[:2]
        assert first.next_page_token is not None
        walked = _all_pages(
            lambda token: store.search_sessions([DEFAULT], max_results=1, page_token=token)
        )
        assert [row(s) for s in walked] == everything
        assert [s.session_id for s in store.search_sessions([eid])] == ["s9"]
        both = store.search_sessions([DEFAULT, eid])
        assert [(s.session_id, s.experiment_id) for s in both] == [
            ("s9", eid),
            ("s3", DEFAULT),
            ("s1", DEFAULT),
            ("s2", DEFAULT),
        ]
        with pytest.raises(InvalidArgumentError):
            store.search_sessions([DEFAULT], max_results=0)
        with pytest.raises(InvalidArgumentError):
            store.search_sessions([DEFAULT], page_token="garbage!")

    # -- the filter language: the store agrees with the reference evaluator ---------------

    def test_filters_match_the_reference_evaluator(self, store: TraceStore) -> None:
        """For random filters over random traces, search_traces returns exactly the traces
        `spanscope.search.matches` accepts."""

        @settings(
            max_examples=self.filter_examples,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow],
        )
        @given(batch=_BATCHES, expr=_EXPRESSIONS)
        def check(batch: list[Trace], expr: Expr) -> None:
            store.delete_traces(DEFAULT, trace_ids=_BATCH_IDS)
            store.write_traces(batch)
            filter_string = to_filter_string(expr)
            expected = sorted(t.info.trace_id for t in batch if matches(expr, t))
            found = store.search_traces([DEFAULT], filter_string, max_results=100)
            assert sorted(_ids(found)) == expected, filter_string

        check()
