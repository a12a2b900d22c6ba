"""Full-text searches page through the traces in order first (a window of the next traces,
tested one by one) and over every candidate when the window does not fill the page: either
way, every page of every sort equals the reference (the Python evaluator and sort), on SQLite
and PostgreSQL, for words most traces hold, some do and few do."""

from __future__ import annotations

from typing import Any

import pytest

from spanscope import Trace
from spanscope.search import matches, parse_filter, sort_traces
from spanscope.store.sql import trace_search_store
from spanscope.store.sql.store import SqlTraceStore

from .factory import make_trace, with_time

FILTERS = (
    "text ILIKE '%where%'",  # every trace
    "text LIKE '%Medium%'",  # one in five, this case only
    "text ILIKE '%medium%'",  # one in five, any case
    "text ILIKE '%rare%'",  # two traces
    "text ILIKE '%medium%' AND status = 'ERROR'",
    "NOT text ILIKE '%medium%'",
    "text ILIKE '%special%'",  # in trace names only
    "text ILIKE '%nowhere-at-all%'",
)
ORDERS = ("timestamp_ms DESC", "timestamp_ms ASC", "name ASC", "execution_time_ms DESC")


def _traces(experiment: str) -> list[Trace]:
    found = []
    for n in range(41):
        topic = "MEDIUM" if n % 10 == 5 else "Medium" if n % 5 == 0 else "order"
        question = f"where is my {topic} #{n}" + (" rare" if n in (7, 31) else "")
        trace = make_trace(
            experiment, question, fail=n % 6 == 0, duration=None if n % 8 == 3 else n % 4
        )
        trace.info.name = "special step" if n % 11 == 0 else f"step{n % 3}"
        found.append(with_time(trace, 1_000 + (n // 2) * 10))  # ties in time
    return found


def _pages(
    store: SqlTraceStore, experiment: str, filter_string: str, order: str, size: int
) -> list[str]:
    ids: list[str] = []
    token = None
    while True:
        page = store.search_traces(
            [experiment], filter_string, order_by=[order], max_results=size, page_token=token
        )
        ids += [t.info.trace_id for t in page]
        token = page.next_page_token
        if token is None or len(ids) > 100:
            return ids


@pytest.mark.parametrize("max_window", [0, 1_000_000])
def test_full_text_pages_equal_the_reference(
    store: SqlTraceStore, monkeypatch: pytest.MonkeyPatch, max_window: int
) -> None:
    experiment = store.create_experiment("full-text pages")
    store.write_traces(_traces(experiment))
    # The same texts in another experiment: never in a page of the first.
    store.write_traces(_traces(store.create_experiment("elsewhere")))
    stored = store.search_traces([experiment], max_results=1_000, include_spans=True)
    assert len(stored) == 41
    monkeypatch.setattr(trace_search_store, "MAX_WINDOW", max_window)
    # A page is looked for in order only when no required word has few candidates.
    monkeypatch.setattr(trace_search_store, "FEW_CANDIDATES", 0)
    windowed = trace_search_store._windowed
    taken: list[bool] = []

    def spy(*args: Any) -> list[dict[str, Any]] | None:
        found = windowed(*args)
        taken.append(found is not None)
        return found

    monkeypatch.setattr(trace_search_store, "_windowed", spy)
    for filter_string in FILTERS:
        expr = parse_filter(filter_string)
        assert expr is not None
        chosen = [t for t in stored if matches(expr, t)]
        for order in ORDERS:
            expected = [t.info.trace_id for t in sort_traces(chosen, [order])]
            for size in (1, 3, 8, 100):
                found = _pages(store, experiment, filter_string, order, size)
                assert found == expected, (filter_string, order, size)
    # Both ways of finding a page were taken: in the window, and over every candidate.
    assert any(taken) and not all(taken)


def test_the_candidates_of_each_required_word_are_counted(store: SqlTraceStore) -> None:
    """Only the words a match needs are counted: not one under NOT, beside another in an OR,
    in a span group or in a pattern too short for the index."""
    from spanscope.store.sql.search import SearchQuery

    def counted(filter_string: str) -> int:
        query = SearchQuery([0], filter_string, None, store.dialect)
        return len(query.text_candidates())

    required = "text ILIKE '%refund%' AND (text LIKE '%order%' OR status = 'OK')"
    assert counted(required) == 1
    assert counted("text ILIKE '%refund%' AND text LIKE '%order%'") == 2
    assert counted("NOT (text ILIKE '%refund%' OR NOT text LIKE '%order%')") == 1
    assert counted("NOT text ILIKE '%refund%'") == 0
    assert counted("NOT NOT text ILIKE '%refund%'") == 1
    assert counted("text ILIKE '%ab%'") == 0
    assert counted("span(text ILIKE '%refund%')") == 0
    assert counted("NOT span(text ILIKE '%refund%')") == 0


@pytest.mark.parametrize("cap", [3, 10, 1_000])
def test_full_text_counts_equal_the_reference_up_to_the_cap(store: SqlTraceStore, cap: int) -> None:
    # A cap of 3: most words have more candidates than that, so traces are tested one by one
    # until the cap; a cap of 1,000: every word has fewer, the candidates are counted.
    experiment = store.create_experiment("full-text counts")
    store.write_traces(_traces(experiment))
    store.write_traces(_traces(store.create_experiment("elsewhere")))
    stored = store.search_traces([experiment], max_results=1_000, include_spans=True)
    for filter_string in FILTERS:
        expr = parse_filter(filter_string)
        assert expr is not None
        expected = sum(1 for t in stored if matches(expr, t))
        found = store.count_traces([experiment], filter_string, cap)
        assert min(found, cap + 1) == min(expected, cap + 1), (filter_string, cap)
        assert found <= cap + 1
