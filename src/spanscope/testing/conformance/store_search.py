"""The search half of StoreConformance: filters, ordering, paging, deletes, tags, sessions
and the filter-equivalence property."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from spanscope.entities import (
    Session,
    Trace,
)
from spanscope.exceptions import (
    InvalidArgumentError,
    InvalidFilterError,
    NotFoundError,
)
from spanscope.search import (
    Expr,
    matches,
    parse_order_by,
    sort_traces,
    to_filter_string,
)
from spanscope.store import merge
from spanscope.store.base import PagedList, TraceStore
from spanscope.testing.conformance.store_filters import (
    BATCH_IDS,
    BATCHES,
    EXPRESSIONS,
    ORDER_BYS,
)
from spanscope.testing.conformance.store_traces import (
    DEFAULT,
    UNKNOWN_TRACE_ID,
    all_pages,
    ids_of,
    make_trace,
    spans_by_id,
)

__all__ = ["SearchConformance"]


class SearchConformance:
    """Search, delete, tags and sessions checks; `StoreConformance` sets the knobs."""

    supports_log_spans: bool
    experiment_trace_counts: bool
    filter_examples: int
    unknown_experiment_id: str

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
            # token counts (a and b: 10 in, 5 out; c reported no usage)
            "input_tokens = 10 AND output_tokens = 5 AND total_tokens = 15": ["a", "b"],
            "output_tokens > 5 OR input_tokens < 10": [],
            "NOT total_tokens > 100": ["a", "b", "c"],  # two-valued: c has no usage
            "input_tokens IS NULL": ["c"],
            "output_tokens IS NOT NULL": ["a", "b"],
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
        assert ids_of(store.search_traces([DEFAULT])) == [here.info.trace_id]
        assert ids_of(store.search_traces([eid])) == [there.info.trace_id]
        both = store.search_traces([DEFAULT, eid])
        assert sorted(ids_of(both)) == sorted(ids_of([here, there]))
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
        assert whole.info == trace.info and spans_by_id(whole) == spans_by_id(trace)

    def test_order_by(self, store: TraceStore) -> None:
        # (label, request time, duration, (input tokens, output tokens) or no usage)
        specs: list[tuple[str, int, int, tuple[int, int] | None]] = [
            ("b", 3_000, 30, (40, 7)),
            ("a", 1_000, 10, (5, 90)),
            ("c", 2_000, 20, None),
        ]
        written = []
        for label, when, duration, tokens in specs:
            trace = make_trace(
                DEFAULT,
                f"question {label}",
                request_time=when,
                duration=duration,
                fail=label == "c",
                tokens=tokens,
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
        # Token counts: a trace without usage sorts lowest.
        assert order("output_tokens DESC") == "abc"
        assert order("output_tokens") == "cba"
        assert order("input_tokens DESC") == "bac"
        assert order("total_tokens DESC", "name") == "abc"  # 95 > 47 > none
        assert [o.field for o in parse_order_by(["INPUT_TOKENS desc"])] == ["input_tokens"]
        with pytest.raises(InvalidFilterError):
            store.search_traces([DEFAULT], order_by=["tokens DESC"])

    def test_paging_walks_every_trace_once(self, store: TraceStore) -> None:
        # Request times repeat, so pages must break ties consistently.
        traces = [
            make_trace(DEFAULT, f"q{i}", request_time=1_000 + (i % 4) * 10) for i in range(11)
        ]
        store.write_traces(traces)
        all_ids = sorted(ids_of(traces))
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
        filtered = all_pages(
            lambda token: store.search_traces(
                [DEFAULT], "timestamp_ms >= 1020", max_results=2, page_token=token
            )
        )
        assert sorted(ids_of(filtered)) == sorted(
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
        assert ids_of(store.search_traces([DEFAULT])) == [third.info.trace_id]
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
        remaining = ids_of(store.search_traces([DEFAULT]))
        assert sorted(remaining) == sorted(ids_of([*old[2:], fresh]))
        assert store.delete_traces(DEFAULT, max_traces=0) == 0
        assert store.delete_traces(DEFAULT, older_than_ms=60_000, max_traces=1) == 1
        assert store.delete_traces(DEFAULT, older_than_ms=60_000) == 3
        assert ids_of(store.search_traces([DEFAULT])) == [fresh.info.trace_id]
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
            return ids_of(store.search_traces([DEFAULT], filter_string))

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
        walked = all_pages(
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
        @given(batch=BATCHES, expr=EXPRESSIONS)
        def check(batch: list[Trace], expr: Expr) -> None:
            store.delete_traces(DEFAULT, trace_ids=BATCH_IDS)
            store.write_traces(batch)
            filter_string = to_filter_string(expr)
            # As stored: a store prices the LLM calls it writes (docs/cost.md).
            priced_batch = [merge.priced(t) for t in batch]
            expected = sorted(t.info.trace_id for t in priced_batch if matches(expr, t))
            found = store.search_traces([DEFAULT], filter_string, max_results=100)
            assert sorted(ids_of(found)) == expected, filter_string

        check()

    def test_order_matches_the_reference_order(self, store: TraceStore) -> None:
        """For random order_by lists over random traces, search_traces returns the traces in
        the order `spanscope.search.sort_traces` gives, page after page."""

        @settings(
            max_examples=self.filter_examples,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow],
        )
        @given(batch=BATCHES, order_by=ORDER_BYS)
        def check(batch: list[Trace], order_by: list[str]) -> None:
            store.delete_traces(DEFAULT, trace_ids=BATCH_IDS)
            store.write_traces(batch)
            # As stored: a store prices the LLM calls it writes (docs/cost.md).
            expected = ids_of(sort_traces([merge.priced(t) for t in batch], order_by))
            found = store.search_traces([DEFAULT], order_by=order_by, max_results=100)
            assert ids_of(found) == expected, order_by
            paged = all_pages(
                lambda token: store.search_traces(
                    [DEFAULT], order_by=order_by, max_results=2, page_token=token
                )
            )
            assert ids_of(paged) == expected, order_by

        check()
