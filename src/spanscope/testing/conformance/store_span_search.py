"""The span half of StoreConformance: span(...) groups in trace filters, and search_spans
(filters on the span and its trace, order, pages, errors, equivalence with the evaluator)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from spanscope.entities import Span, Trace
from spanscope.exceptions import InvalidFilterError
from spanscope.search import Expr, span_matches, to_span_filter_string
from spanscope.store import merge
from spanscope.store.base import TraceStore
from spanscope.testing.conformance.store_filters import BATCH_IDS, BATCHES, SPAN_EXPRESSIONS
from spanscope.testing.conformance.store_traces import DEFAULT, ids_of, make_trace

__all__ = ["SpanSearchConformance"]

FAILED_TOOL = "type = 'TOOL' AND status = 'ERROR'"


def _keys(spans: list[Span]) -> list[tuple[str, str]]:
    return [(s.trace_id, s.span_id) for s in spans]


class SpanSearchConformance:
    """span(...) groups and search_spans; `StoreConformance` sets the knobs."""

    filter_examples: int

    def _three(self, store: TraceStore) -> tuple[Trace, Trace, Trace]:
        failed = make_trace(DEFAULT, "refund?", tags={"env": "prod"}, fail=True, tool="refund")
        fine = make_trace(DEFAULT, "hello", tags={"env": "prod"}, tool="search")
        failed_dev = make_trace(DEFAULT, "shipping?", tags={"env": "dev"}, fail=True)
        store.write_traces([failed, fine, failed_dev])
        return failed, fine, failed_dev

    def test_span_groups_hold_on_one_span(self, store: TraceStore) -> None:
        failed, fine, failed_dev = self._three(store)

        def found(filter_string: str) -> set[str]:
            return set(ids_of(store.search_traces([DEFAULT], filter_string)))

        failing = {failed.info.trace_id, failed_dev.info.trace_id}
        assert found(f"span({FAILED_TOOL})") == failing
        # The AGENT root and the TOOL fail, the RETRIEVER does not: apart, they match.
        assert found("span.type = 'RETRIEVER' AND span.status = 'ERROR'") == failing
        assert found("span(type = 'RETRIEVER' AND status = 'ERROR')") == set()
        assert found(f"span({FAILED_TOOL} AND name = 'refund')") == {failed.info.trace_id}
        assert found(f"NOT span({FAILED_TOOL}) AND tags.env = 'prod'") == {fine.info.trace_id}
        assert found("span(type = 'CHAT_MODEL' AND model = 'gpt-test' AND duration_ms >= 0)") == {
            t.info.trace_id for t in (failed, fine, failed_dev)
        }
        assert found("span(type = 'RETRIEVER' AND text ILIKE '%REFUND?%')") == {
            failed.info.trace_id
        }

    def test_search_spans_filters_on_the_span_and_its_trace(self, store: TraceStore) -> None:
        failed, _, failed_dev = self._three(store)
        spans = store.search_spans([DEFAULT], FAILED_TOOL)
        tools = [
            (t.info.trace_id, s.span_id)
            for t in (failed, failed_dev)
            for s in t.data.spans
            if s.span_type == "TOOL"
        ]
        assert sorted(_keys(spans)) == sorted(tools)
        assert all(s.status.status_code.value == "ERROR" for s in spans)
        prod = store.search_spans([DEFAULT], f"{FAILED_TOOL} AND trace.tags.env = 'prod'")
        assert [s.trace_id for s in prod] == [failed.info.trace_id]
        assert [s.name for s in prod] == ["refund"]
        chats = store.search_spans([DEFAULT], "model = 'gpt-test' AND trace.status = 'OK'")
        assert [(s.span_type, s.trace_id) for s in chats] == [("CHAT_MODEL", _fine_id(store))]
        # A whole span comes back: its inputs, outputs, attributes and events.
        (whole,) = store.search_spans([DEFAULT], "type = 'RETRIEVER' AND text LIKE '%refund?%'")
        original = next(s for s in failed.data.spans if s.span_type == "RETRIEVER")
        assert whole.to_dict() == original.to_dict()

    def test_search_spans_sorts_and_pages(self, store: TraceStore) -> None:
        failed, fine, failed_dev = self._three(store)
        every = [s for t in (failed, fine, failed_dev) for s in t.data.spans]
        by_start = store.search_spans([DEFAULT], max_results=100)
        expected = sorted(every, key=lambda s: (s.start_time_ns, s.trace_id, s.span_id))
        assert _keys(by_start) == _keys(expected[::-1])  # default: latest started first
        by_name = store.search_spans([DEFAULT], order_by=["name", "duration_ms DESC"])
        assert [s.name for s in by_name] == sorted(s.name for s in every)
        slowest = store.search_spans([DEFAULT], "type != 'AGENT'", ["duration_ms DESC"])
        durations = [s.duration_ns or 0 for s in slowest]
        assert durations == sorted(durations, reverse=True)
        pages, token = [], None
        while True:
            page = store.search_spans([DEFAULT], "type != 'AGENT'", ["duration_ms DESC"], 2, token)
            pages.append(page)
            token = page.next_page_token
            if token is None:
                break
        assert [len(p) for p in pages[:-1]] == [2] * (len(pages) - 1)
        assert [k for p in pages for k in _keys(p)] == _keys(slowest)

    def test_search_spans_rejects_bad_filters_with_their_position(self, store: TraceStore) -> None:
        cases = {
            "type = 'TOOL' AND tags.env = 'prod'": 18,
            "span(type = 'TOOL')": 0,
            "type = 'TOOL' AND duration_ms > 'x'": 32,
        }
        for filter_string, position in cases.items():
            with pytest.raises(InvalidFilterError) as info:
                store.search_spans([DEFAULT], filter_string)
            assert info.value.position == position, filter_string
        with pytest.raises(InvalidFilterError):
            store.search_spans([DEFAULT], order_by=["cost DESC"])
        with pytest.raises(InvalidFilterError) as info:
            store.search_traces([DEFAULT], "span(type = 'TOOL' AND tags.env = 'x')")
        assert info.value.position == 23

    def test_search_spans_agrees_with_the_evaluator(self, store: TraceStore) -> None:
        """For random span filters over random traces, search_spans returns exactly the spans
        `spanscope.search.span_matches` accepts."""

        @settings(
            max_examples=self.filter_examples,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow],
        )
        @given(batch=BATCHES, expr=SPAN_EXPRESSIONS)
        def check(batch: list[Trace], expr: Expr) -> None:
            store.delete_traces(DEFAULT, trace_ids=BATCH_IDS)
            store.write_traces(batch)
            filter_string = to_span_filter_string(expr)
            # As stored: a store prices the LLM calls it writes (docs/cost.md).
            expected = sorted(
                (s.trace_id, s.span_id)
                for t in (merge.priced(t) for t in batch)
                for s in t.data.spans
                if span_matches(expr, s, t.info)
            )
            found = store.search_spans([DEFAULT], filter_string, max_results=100)
            assert sorted(_keys(found)) == expected, filter_string

        check()


def _fine_id(store: TraceStore) -> str:
    (fine,) = store.search_traces([DEFAULT], "request_preview LIKE '%hello%'")
    return fine.info.trace_id
