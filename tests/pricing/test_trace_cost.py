"""A trace's cost: its LLM spans' costs summed without double counting."""

from __future__ import annotations

import pytest

from spanscope import pricing
from spanscope.constants import SpanAttributeKey as K
from tests.pricing.llm_spans import llm_span


@pytest.fixture(autouse=True)
def _prices() -> None:
    pricing.set_price("model-a", input=1.0, output=2.0)
    pricing.set_price("model-b", input=10.0, output=20.0)


def test_the_sum_of_the_calls_and_the_cost_on_each_span() -> None:
    spans = pricing.price_spans(
        [
            llm_span(None, index=0),  # the root: a chain without usage
            llm_span("model-a", index=1, parent=0, input=1_000_000, output=1_000_000),
            llm_span("model-b", index=2, parent=0, input=100_000, output=0),
        ]
    )
    assert spans[0].get_attribute(K.COST) is None
    assert pricing.span_cost(spans[1]) == {
        "input": 1.0,
        "output": 2.0,
        "total": 3.0,
        "currency": "USD",
        "model": "model-a",
    }
    cost = pricing.trace_cost(spans)
    assert cost == {"input": 2.0, "output": 2.0, "total": 4.0, "currency": "USD"}


def test_the_image_parts_are_summed_like_the_others() -> None:
    pricing.set_price("model-img", input=1.0, output=2.0, image_input=3.0, per_image=0.5)
    spans = pricing.price_spans(
        [
            llm_span(None, index=0),
            llm_span("model-img", index=1, parent=0, input=1_000_000, image=1_000_000, images=2),
            llm_span("model-img", index=2, parent=0, input=500_000, image=500_000, images=1),
            llm_span("model-a", index=3, parent=0, input=1_000_000, output=0),
            llm_span("dall-e-3", index=4, parent=0, images=1),  # no price: unpriced
        ]
    )
    assert pricing.span_cost(spans[1]) == {
        "input": 3.0,
        "output": 1.0,
        "total": 4.0,
        "image": 3.0,
        "images": 1.0,
        "currency": "USD",
        "model": "model-img",
    }
    assert pricing.trace_cost(spans) == {
        "input": 5.5,
        "output": 1.5,
        "total": 7.0,
        "image": 4.5,
        "images": 1.5,
        "currency": "USD",
        "unpriced_spans": 1,
    }


def test_a_call_inside_a_priced_call_is_not_counted_twice() -> None:
    spans = pricing.price_spans(
        [
            llm_span("model-a", index=0, input=2_000_000, output=0),  # includes its child's
            llm_span("model-a", index=1, parent=0, input=1_000_000, output=0),
        ]
    )
    cost = pricing.trace_cost(spans)
    assert cost is not None and cost["total"] == pytest.approx(2.0)


def test_unpriced_calls_are_counted_and_none_when_nothing_is_priced() -> None:
    spans = pricing.price_spans(
        [
            llm_span(None, index=0),
            llm_span("model-a", index=1, parent=0, input=1_000_000, output=0),
            llm_span("mystery", index=2, parent=0, input=5, output=5),
        ]
    )
    cost = pricing.trace_cost(spans)
    assert cost is not None
    assert cost["total"] == pytest.approx(1.0)
    assert cost["unpriced_spans"] == 1
    unpriced = pricing.price_spans([llm_span("mystery", input=5, output=5)])
    assert pricing.trace_cost(unpriced) is None
    assert pricing.trace_cost([]) is None


def test_pricing_again_replaces_a_stale_cost() -> None:
    (span,) = pricing.price_spans([llm_span("model-a", input=1_000_000, output=0)])
    pricing.set_price("model-a", input=4.0, output=2.0)
    (again,) = pricing.price_spans([span])
    assert (pricing.span_cost(again) or {})["total"] == pytest.approx(4.0)
    pricing.reset()
    (gone,) = pricing.price_spans([again])  # no price any more: no cost, not a stale one
    assert pricing.span_cost(gone) is None
    assert pricing.price_spans([gone])[0] is gone
