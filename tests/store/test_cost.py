"""Costs in the SQL store, on SQLite and PostgreSQL: priced as spans are written (whole traces
and spans arriving piecemeal), recomputed after a price change, searched and sorted."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import pytest

import spanscope
from spanscope import pricing
from spanscope.constants import ENV_PRICE_BOOK
from spanscope.entities import Span, Trace, TraceData, TraceInfo
from spanscope.entities.derivation import compute_trace_info
from spanscope.store.sql.store import SqlTraceStore
from spanscope.store.uri import get_store
from tests.pricing.llm_spans import llm_span


@pytest.fixture(autouse=True)
def _prices(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv(ENV_PRICE_BOOK, raising=False)
    pricing.reset()
    pricing.set_price("model-a", input=1.0, output=2.0)
    yield
    pricing.reset()


def _trace(trace_id: str, *spans: Span) -> Trace:
    moved = [Span.from_dict({**s.to_dict(), "trace_id": trace_id}) for s in spans]
    return Trace(compute_trace_info(trace_id, "0", moved), TraceData(moved))


def _calls(trace_id: str, input_tokens: int, model: str = "model-a") -> Trace:
    return _trace(
        trace_id,
        llm_span(None, index=0),
        llm_span(model, index=1, parent=0, input=input_tokens, output=500_000),
    )


def test_written_traces_carry_their_cost(store: SqlTraceStore) -> None:
    store.write_traces([_calls("a" * 32, 1_000_000), _calls("b" * 32, 10, "mystery")])
    trace = store.get_trace("a" * 32)
    assert trace.info.cost == {"input": 1.0, "output": 1.0, "total": 2.0, "currency": "USD"}
    llm = trace.data.spans[1]
    assert pricing.span_cost(llm) == {
        "input": 1.0,
        "output": 1.0,
        "total": 2.0,
        "currency": "USD",
        "model": "model-a",
    }
    assert store.get_trace("b" * 32).info.cost is None  # unknown model: None, not 0
    assert TraceInfo.from_dict(trace.info.to_dict()).cost == trace.info.cost


def test_spans_arriving_piecemeal_are_priced(store: SqlTraceStore) -> None:
    trace = _calls("c" * 32, 2_000_000)
    root, call = trace.data.spans
    store.log_spans("0", [call])
    assert (store.get_trace("c" * 32).info.cost or {}).get("total") == pytest.approx(3.0)
    store.log_spans("0", [root])
    stored = store.get_trace("c" * 32)
    assert stored.info.cost == {"input": 2.0, "output": 1.0, "total": 3.0, "currency": "USD"}
    assert stored.info.state.value == "OK"


def test_recompute_after_a_price_change(store: SqlTraceStore) -> None:
    store.write_traces([_calls("a" * 32, 1_000_000), _calls("b" * 32, 10, "mystery")])
    other = store.create_experiment("other")
    store.write_traces([_moved(_calls("d" * 32, 1_000_000), other)])
    pricing.set_price("model-a", input=3.0, output=2.0)
    pricing.set_price("mystery", input=1_000_000.0, output=0.0)
    assert store.recompute_costs(["0"]) == 2
    assert (store.get_trace("a" * 32).info.cost or {}).get("total") == pytest.approx(4.0)
    assert (store.get_trace("b" * 32).info.cost or {}).get("total") == pytest.approx(10.0)
    span = store.get_trace("a" * 32).data.spans[1]
    assert (pricing.span_cost(span) or {}).get("input") == pytest.approx(3.0)
    # the other experiment keeps its stored price until it is recomputed
    assert (store.get_trace("d" * 32).info.cost or {}).get("total") == pytest.approx(2.0)
    assert store.recompute_costs() == 1
    assert (store.get_trace("d" * 32).info.cost or {}).get("total") == pytest.approx(4.0)
    assert store.recompute_costs() == 0  # nothing changed
    found = store.search_traces(["0"], "span.cost > 5")
    assert [t.info.trace_id for t in found] == ["b" * 32]


def _moved(trace: Trace, experiment_id: str) -> Trace:
    trace.info.experiment_id = experiment_id
    return trace


def test_filter_and_sort_by_cost(store: SqlTraceStore) -> None:
    store.write_traces(
        [
            _calls("a" * 32, 1_000_000),  # $2
            _calls("b" * 32, 3_000_000),  # $4
            _calls("c" * 32, 10, "mystery"),  # unpriced
            _trace("e" * 32, llm_span(None)),  # no LLM call
        ]
    )

    def ids(filter_string: str | None = None, order_by: list[str] | None = None) -> list[str]:
        found = store.search_traces(["0"], filter_string, order_by=order_by)
        return [t.info.trace_id[0] for t in found]

    assert ids("cost > 3") == ["b"]
    assert sorted(ids("cost IS NULL")) == ["c", "e"]
    assert sorted(ids("span.cost >= 2")) == ["a", "b"]
    assert sorted(ids("span.cost IS NULL")) == ["c", "e"]
    assert ids(order_by=["cost DESC", "trace_id ASC"]) == ["b", "a", "c", "e"]
    assert ids(order_by=["cost ASC", "trace_id DESC"]) == ["e", "c", "a", "b"]
    first = store.search_traces(["0"], order_by=["cost DESC"], max_results=1)
    assert first.next_page_token is not None
    rest = store.search_traces(
        ["0"], order_by=["cost DESC"], max_results=10, page_token=first.next_page_token
    )
    assert [t.info.trace_id[0] for t in [*first, *rest]] == ["b", "a", "e", "c"]


def test_the_dataframe_has_a_cost_column(tmp_path: Path) -> None:
    pytest.importorskip("pandas")
    spanscope.set_tracking_uri(tmp_path / "app.db")
    get_store().write_traces([_calls("a" * 32, 1_000_000), _calls("b" * 32, 10, "mystery")])
    frame = spanscope.search_traces(return_type="pandas", order_by=["cost DESC"])
    assert list(frame["trace_id"]) == ["a" * 32, "b" * 32]
    assert frame["cost"][0] == pytest.approx(2.0)
    assert math.isnan(frame["cost"][1])  # unpriced: missing, not 0
    assert frame["trace"][0].info.cost["currency"] == "USD"
