"""The SQL store on SQLite and PostgreSQL: experiments, writes, reads, search, delete, tags."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from spanscope import InvalidArgumentError, InvalidFilterError, NotFoundError, Span
from spanscope.entities.experiment import Experiment
from spanscope.store.base import PagedList, all_pages
from spanscope.store.sql.migrate import HEAD_REVISION
from spanscope.store.sql.store import SqlTraceStore
from tests.store.factory import make_trace, with_time


def test_default_experiment_and_experiment_lifecycle(store: SqlTraceStore) -> None:
    (default,) = store.search_experiments()
    assert (default.experiment_id, default.name, default.trace_count) == ("0", "Default", 0)
    eid = store.create_experiment("bot", tags={"team": "search"})
    experiment = store.get_experiment(eid)
    assert experiment.name == "bot"
    assert experiment.tags == {"team": "search"}
    assert store.get_experiment_by_name("bot") == experiment
    assert store.get_experiment_by_name("nope") is None
    with pytest.raises(InvalidArgumentError, match="already exists"):
        store.create_experiment("bot")
    with pytest.raises(InvalidArgumentError, match="non-empty string"):
        store.create_experiment("  ")
    store.rename_experiment(eid, "bot-v2")
    assert store.get_experiment(eid).name == "bot-v2"
    store.write_traces([make_trace(eid), make_trace(eid)])
    listed = {e.name: e for e in store.search_experiments()}
    assert listed["bot-v2"].trace_count == 2
    assert listed["bot-v2"].last_trace_time is not None
    store.delete_experiment(eid)
    with pytest.raises(NotFoundError, match="no experiment with id"):
        store.get_experiment(eid)
    assert store.search_traces(["0"]) == []
    with pytest.raises(InvalidArgumentError, match="default experiment"):
        store.delete_experiment("0")
    with pytest.raises(NotFoundError, match="ids are integers"):
        store.get_experiment("abc")


def test_experiment_paging(store: SqlTraceStore) -> None:
    for i in range(5):
        store.create_experiment(f"e{i}")
    first = store.search_experiments(max_results=4)
    assert [e.name for e in first] == ["Default", "e0", "e1", "e2"]
    second = store.search_experiments(max_results=4, page_token=first.next_page_token)
    assert [e.name for e in second] == ["e3", "e4"]
    assert second.next_page_token is None
    assert [e.name for e in store.search_experiments(name_like="e%")][:2] == ["e0", "e1"]


def test_write_and_get_round_trip(store: SqlTraceStore) -> None:
    trace = make_trace("0", tags={"env": "prod"}, session_id="s1", user_id="u1")
    store.write_traces([trace])
    found = store.get_trace(trace.info.trace_id)
    assert found == trace
    assert found.info.token_usage == {"input_tokens": 10, "output_tokens": 5, "total_tokens": 15}
    assert store.get_trace(trace.info.trace_id, include_spans=False).data.spans == []
    with pytest.raises(NotFoundError, match="no trace with id 'missing'"):
        store.get_trace("missing")


def test_writes_are_idempotent(store: SqlTraceStore) -> None:
    trace = make_trace("0", tags={"a": "1"})
    store.write_traces([trace])
    trace.info.tags = {"b": "2"}
    store.write_traces([trace, trace])
    assert store.get_trace(trace.info.trace_id) == trace
    assert len(store.search_traces(["0"], "tags.a = '1'")) == 0
    assert len(store.search_traces(["0"], "tags.b = '2'")) == 1
    assert len(store.search_traces(["0"])) == 1


def test_writing_to_an_unknown_experiment_changes_nothing(store: SqlTraceStore) -> None:
    good, bad = make_trace("0"), make_trace("999")
    with pytest.raises(NotFoundError, match="999"):
        store.write_traces([good, bad])
    assert store.search_traces(["0"]) == []


def test_spans_arriving_piecemeal_derive_the_trace_row(store: SqlTraceStore) -> None:
    trace = make_trace("0", tags={"kept": "yes"})
    spans = trace.data.spans
    root, children = spans[0], spans[1:]
    store.log_spans("0", children[:2])
    partial = store.get_trace(trace.info.trace_id)
    # Until the root arrives, the children are local roots: the earliest names the trace.
    assert (partial.info.state.value, partial.info.name) == ("OK", children[0].name)
    assert len(partial.data.spans) == 2
    assert store.search_traces(["0"], "status = 'IN_PROGRESS'") == []
    store.log_spans("0", [root, *children])
    store.log_spans("0", [root])  # idempotent on (trace_id, span_id)
    whole = store.get_trace(trace.info.trace_id)
    assert whole.data.spans == spans
    assert whole.info.state.value == "OK"
    assert whole.info.name == "support_bot"
    assert whole.info.request_time == trace.info.request_time
    assert whole.info.execution_duration == trace.info.execution_duration
    assert whole.info.token_usage == trace.info.token_usage
    assert whole.info.request_preview == trace.info.request_preview
    assert len(store.search_traces(["0"], "text ILIKE '%refund is on its way%'")) == 1


def _ids(store: SqlTraceStore, filter_string: str | None, **kwargs: object) -> list[str]:
    return [t.info.trace_id for t in store.search_traces(["0"], filter_string, **kwargs)]  # type: ignore[arg-type]


def test_search_filters(store: SqlTraceStore) -> None:
    a = make_trace("0", "refund please", tags={"env": "prod"}, session_id="s1", user_id="ann")
    b = make_trace("0", "shipping time?", tags={"env": "dev"}, session_id="s1", fail=True)
    c = make_trace("0", "hello", tags={"env": "prod", "vip": "1"}, tokens=None, tool="search")
    store.write_traces([a, b, c])
    ids = {t.info.trace_id: name for t, name in ((a, "a"), (b, "b"), (c, "c"))}

    def names(filter_string: str) -> list[str]:
        return sorted(ids[i] for i in _ids(store, filter_string))

    assert names("tags.env = 'prod'") == ["a", "c"]
    assert names("tags.vip IS NULL") == ["a", "b"]
    assert names("tags.env != 'prod'") == ["b"]
    assert names("NOT tags.vip = '1'") == ["a", "b"]
    assert names("status = 'ERROR'") == ["b"]
    assert names("span.status = 'ERROR'") == ["b"]
    assert names("span.type = 'TOOL' AND span.name = 'search'") == ["c"]
    assert names("span.name IN ('search', 'nothing')") == ["c"]
    assert names("span.attributes.`gen_ai.usage.input_tokens` >= 10") == ["a", "b"]
    assert names("span.attributes.`gen_ai.request.model` = 'gpt-test'") == ["a", "b", "c"]
    assert names("span.attributes.`gen_ai.usage.input_tokens` IS NULL") == ["c"]
    assert names("session_id = 's1' AND user_id IS NULL") == ["b"]
    assert names("text ILIKE '%REFUND PLEASE%'") == ["a"]
    assert names("text LIKE '%REFUND PLEASE%'") == []
    assert names("text ILIKE '%tool exploded%' OR name LIKE 'x%'") == []
    assert names("text ILIKE '%shipping%'") == ["b"]
    assert names("request_preview LIKE 'hel_o'") == ["c"]
    assert names("execution_time_ms >= 0 AND timestamp_ms > 0") == ["a", "b", "c"]
    assert names("metadata.`spanscope.trace.session` = 's1'") == ["a", "b"]
    assert names("(tags.env = 'dev' OR tags.vip = '1') AND NOT status = 'ERROR'") == ["c"]
    assert names("name = 'x'' OR 1=1 --'") == []
    assert names("tags.env = 'prod\"; DROP TABLE traces; --'") == []
    assert len(_ids(store, None)) == 3


def test_bad_filters_raise_clear_errors(store: SqlTraceStore) -> None:
    with pytest.raises(InvalidFilterError, match="nme") as caught:
        store.search_traces(["0"], "nme = 'x'")
    assert caught.value.position == 0
    with pytest.raises(InvalidFilterError):
        store.search_traces(["0"], "timestamp_ms > 'yesterday'")
    with pytest.raises(InvalidArgumentError, match="max_results"):
        store.search_traces(["0"], max_results=0)
    with pytest.raises(InvalidArgumentError, match="page token"):
        store.search_traces(["0"], page_token="garbage!")


def test_all_pages_reads_every_page_once(store: SqlTraceStore) -> None:
    ids = [store.create_experiment(f"e{i}") for i in range(6)]
    tokens: list[str | None] = []

    def fetch(token: str | None) -> PagedList[Experiment]:
        tokens.append(token)
        return store.search_experiments(None, 2, token)

    found = all_pages(fetch)
    assert [e.experiment_id for e in found] == ["0", *ids]
    assert len(tokens) == 4 and tokens[0] is None and len(set(tokens)) == 4
    # An empty token ends the walk too: read as "no token", it would restart from the first page.
    assert all_pages(lambda token: PagedList(["only"], "")) == ["only"]


def test_order_and_keyset_paging(store: SqlTraceStore) -> None:
    traces = [with_time(make_trace("0", f"q{i}"), 1_000 + (i % 4) * 10) for i in range(11)]
    store.write_traces(traces)
    seen: list[str] = []
    token = None
    while True:
        page = store.search_traces(["0"], max_results=3, page_token=token)
        seen.extend(t.info.trace_id for t in page)
        token = page.next_page_token
        if token is None:
            break
    expected = sorted(traces, key=lambda t: (t.info.request_time, t.info.trace_id), reverse=True)
    assert seen == [t.info.trace_id for t in expected]
    ascending = _ids(store, None, order_by=["timestamp_ms ASC", "name"], max_results=100)
    assert ascending == [t.info.trace_id for t in reversed(expected)]
    page = store.search_traces(["0"], "timestamp_ms >= 1020", max_results=2)
    with pytest.raises(InvalidArgumentError, match="another query"):
        store.search_traces(["0"], "timestamp_ms >= 1010", page_token=page.next_page_token)
    with pytest.raises(InvalidFilterError):
        store.search_traces(["0"], order_by=["tokens DESC"])


def test_search_with_spans(store: SqlTraceStore) -> None:
    trace = make_trace("0")
    store.write_traces([trace])
    (found,) = store.search_traces(["0"], include_spans=True)
    assert found == trace


def test_delete_traces(store: SqlTraceStore) -> None:
    traces = [with_time(make_trace("0", f"q{i}"), 1_000 + i) for i in range(6)]
    fresh = make_trace("0", "fresh")
    store.write_traces([*traces, fresh])
    assert store.delete_traces("0", trace_ids=[traces[0].info.trace_id, "unknown"]) == 1
    assert store.delete_traces("0", max_traces=2) == 2  # the two oldest left
    assert store.delete_traces("0", older_than_ms=60_000) == 3
    assert _ids(store, None) == [fresh.info.trace_id]
    assert store.search_traces(["0"], "text ILIKE '%q1%'") == []
    with pytest.raises(InvalidArgumentError, match="needs trace_ids"):
        store.delete_traces("0")
    with pytest.raises(InvalidArgumentError, match="not both"):
        store.delete_traces("0", trace_ids=["x"], max_traces=1)
    with pytest.raises(InvalidArgumentError, match="non-negative"):
        store.delete_traces("0", max_traces=-1)
    with pytest.raises(NotFoundError):
        store.delete_traces("42", max_traces=1)


def test_trace_tags(store: SqlTraceStore) -> None:
    trace = make_trace("0", tags={"env": "dev"})
    store.write_traces([trace])
    tid = trace.info.trace_id
    store.set_trace_tag(tid, "reviewed", "yes")
    store.set_trace_tag(tid, "env", "prod")
    assert store.get_trace(tid).info.tags == {"env": "prod", "reviewed": "yes"}
    assert _ids(store, "tags.env = 'prod' AND tags.reviewed = 'yes'") == [tid]
    store.delete_trace_tag(tid, "reviewed")
    assert store.get_trace(tid).info.tags == {"env": "prod"}
    assert _ids(store, "tags.reviewed IS NOT NULL") == []
    with pytest.raises(NotFoundError, match="has no tag"):
        store.delete_trace_tag(tid, "reviewed")
    with pytest.raises(NotFoundError, match="no trace"):
        store.set_trace_tag("nope", "a", "b")
    with pytest.raises(InvalidArgumentError, match="tag key"):
        store.set_trace_tag(tid, "", "b")


def test_sessions(store: SqlTraceStore) -> None:
    store.write_traces(
        [
            with_time(make_trace("0", session_id="s1", user_id="u1"), 1_000),
            with_time(make_trace("0", session_id="s1", user_id="u1"), 3_000),
            with_time(make_trace("0", session_id="s2"), 2_000),
            with_time(make_trace("0"), 4_000),
        ]
    )
    first = store.search_sessions(["0"], max_results=1)
    assert [
        (s.session_id, s.trace_count, s.first_request_time, s.last_request_time, s.user_id)
        for s in first
    ] == [("s1", 2, 1_000, 3_000, "u1")]
    (second,) = store.search_sessions(["0"], max_results=1, page_token=first.next_page_token)
    assert second.session_id == "s2"


def test_span_content_is_kept_whole(store: SqlTraceStore) -> None:
    trace = make_trace("0", fail=True)
    store.write_traces([trace])
    stored = store.get_trace(trace.info.trace_id)
    tool = stored.search_spans(span_type="TOOL")[0]
    assert isinstance(tool, Span)
    assert tool.status.description == "RuntimeError: tool exploded"
    assert "tool exploded" in tool.events[0].attributes["exception.stacktrace"]


def test_a_schema_migrated_by_a_newer_version_is_used_as_it_is(
    store: SqlTraceStore, caplog: pytest.LogCaptureFixture
) -> None:
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0999'"))
    try:
        newer = SqlTraceStore(store.uri)  # refusing it would drop every trace written here
        try:
            newer.write_traces([make_trace("0")])
            assert len(newer.search_traces(["0"])) == 1
        finally:
            newer.close()
        assert "revision 0999, which this version" in caplog.text
    finally:
        with store.engine.begin() as conn:
            conn.execute(text(f"UPDATE alembic_version SET version_num = '{HEAD_REVISION}'"))
