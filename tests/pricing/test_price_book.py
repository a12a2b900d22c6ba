"""The price book: each provider's usage shape priced as a hand computation from the book's
own rates, model names resolved, user prices over the bundled ones, unknown models unpriced."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import orjson
import pytest

from spanscope import pricing
from spanscope.constants import ENV_PRICE_BOOK
from spanscope.exceptions import InvalidArgumentError
from tests.pricing.llm_spans import CALL_TIME, llm_span

genai_prices = pytest.importorskip("genai_prices")

M = Decimal(1_000_000)


def book_rates(model: str, provider: str) -> dict[str, Decimal]:
    """The bundled per-million rates of a model at CALL_TIME, read from the data itself."""
    snapshot = genai_prices.data_snapshot.get_snapshot()
    _, info = snapshot.find_provider_model(model, None, provider, None)
    price = info.get_prices(CALL_TIME)
    return {
        name: getattr(price, f"{name}_mtok")
        for name in ("input", "output", "cache_read", "cache_write")
        if getattr(price, f"{name}_mtok") is not None
    }


def test_openai_cached_and_reasoning_tokens() -> None:
    rates = book_rates("o3-mini", "openai")
    span = llm_span(
        "o3-mini", provider="openai", input=12_000, cache_read=8_000, output=3_000, reasoning=2_500
    )
    cost = pricing.compute_span_cost(span)
    assert cost is not None
    fresh = (12_000 - 8_000) * rates["input"] / M
    cached = 8_000 * rates["cache_read"] / M
    output = 3_000 * rates["output"] / M  # reasoning tokens are output tokens
    assert cost["input"] == pytest.approx(float(fresh + cached))
    assert cost["cache_read"] == pytest.approx(float(cached))
    assert cost["output"] == pytest.approx(float(output))
    assert cost["reasoning"] == pytest.approx(float(2_500 * rates["output"] / M))
    assert cost["total"] == pytest.approx(float(fresh + cached + output))
    assert cost["currency"] == "USD"
    assert cost["model"] == "o3-mini"


def test_a_repeated_call_is_priced_alike_and_each_cost_is_its_own() -> None:
    # Prices are memoised per model and token counts: a hit must equal a fresh pricing, and
    # a caller changing the cost it got must not change the next one.
    first = pricing.compute_span_cost(llm_span("gpt-4o", provider="openai", input=900, output=70))
    assert first is not None
    first["total"] = -1.0
    again = pricing.compute_span_cost(llm_span("gpt-4o", provider="openai", input=900, output=70))
    other = pricing.compute_span_cost(llm_span("gpt-4o", provider="openai", input=901, output=70))
    assert again is not None and other is not None
    rates = book_rates("gpt-4o", "openai")
    assert again["total"] == pytest.approx(float((900 * rates["input"] + 70 * rates["output"]) / M))
    assert other["total"] > again["total"]


def test_anthropic_cache_write_and_read() -> None:
    rates = book_rates("claude-3-5-sonnet-20241022", "anthropic")
    # Anthropic's 1,000 fresh input tokens, as the integration records them: input includes
    # the cache reads and writes.
    span = llm_span(
        "claude-3-5-sonnet-20241022",
        provider="anthropic",
        input=1_000 + 20_000 + 5_000,
        cache_read=20_000,
        cache_write=5_000,
        output=700,
    )
    cost = pricing.compute_span_cost(span)
    assert cost is not None
    fresh = 1_000 * rates["input"] / M
    read = 20_000 * rates["cache_read"] / M
    write = 5_000 * rates["cache_write"] / M
    output = 700 * rates["output"] / M
    assert cost["input"] == pytest.approx(float(fresh + read + write))
    assert cost["cache_read"] == pytest.approx(float(read))
    assert cost["cache_write"] == pytest.approx(float(write))
    assert cost["total"] == pytest.approx(float(fresh + read + write + output))


@pytest.mark.parametrize(
    ("model", "provider"),
    [
        ("gpt-4o-mini-2024-07-18", None),  # a dated snapshot
        ("openai/gpt-4o-mini", None),  # a gateway's provider prefix
        ("gpt-4o-mini", "openai"),
        ("gpt-4o-mini", "azure.ai.openai"),
    ],
)
def test_snapshots_and_prefixed_names_resolve(model: str, provider: str | None) -> None:
    rates = book_rates("gpt-4o-mini", "openai")
    cost = pricing.compute_span_cost(llm_span(model, provider=provider, input=1_000, output=100))
    assert cost is not None
    assert cost["model"] == "gpt-4o-mini"
    expected = (1_000 * rates["input"] + 100 * rates["output"]) / M
    assert cost["total"] == pytest.approx(float(expected))


def test_bedrock_model_ids_resolve() -> None:
    for model in (
        "anthropic.claude-3-5-sonnet-20240620-v1:0",
        "us.anthropic.claude-3-5-sonnet-20241022-v2:0",
    ):
        cost = pricing.compute_span_cost(
            llm_span(model, provider="aws.bedrock", input=1_000_000, output=0)
        )
        assert cost is not None, model
        assert cost["total"] == pytest.approx(3.0), model  # $3 per million input tokens


def test_the_response_model_is_priced_before_the_requested_one() -> None:
    span = llm_span("no-such-model", response_model="gpt-4o-2024-08-06", input=1_000_000)
    cost = pricing.compute_span_cost(span)
    assert cost is not None and cost["model"] == "gpt-4o"


def test_unknown_models_cost_none_not_zero() -> None:
    assert pricing.compute_span_cost(llm_span("my-finetune-xyz", input=10, output=5)) is None
    assert pricing.compute_span_cost(llm_span("llama3.2", provider="ollama", input=10)) is None
    assert pricing.compute_span_cost(llm_span(None, input=10, output=5)) is None  # no model
    assert pricing.compute_span_cost(llm_span("gpt-4o-mini")) is None  # no usage


def test_a_set_price_overrides_the_bundled_one_from_its_date() -> None:
    pricing.set_price("gpt-4o-mini", input=1.0, output=2.0, effective_from="2025-05-01")
    after = pricing.compute_span_cost(llm_span("gpt-4o-mini", input=1_000_000, output=500_000))
    before = pricing.compute_span_cost(
        llm_span(
            "gpt-4o-mini",
            input=1_000_000,
            output=500_000,
            at=datetime(2025, 4, 1, tzinfo=timezone.utc),
        )
    )
    assert after is not None and after["total"] == pytest.approx(1.0 + 1.0)
    rates = book_rates("gpt-4o-mini", "openai")  # before the user's price: the bundled one
    assert before is not None
    assert before["total"] == pytest.approx(float(rates["input"] + rates["output"] / 2))
    pricing.reset()  # the user's prices are forgotten: the bundled one again
    again = pricing.compute_span_cost(llm_span("gpt-4o-mini", input=1_000_000, output=500_000))
    assert again is not None and again["total"] == pytest.approx(before["total"])


def test_user_prices_for_every_token_type() -> None:
    pricing.set_price(
        "house-model",
        input=2.0,
        output=8.0,
        cache_read=0.5,
        cache_write=2.5,
        reasoning=16.0,
        per_request=0.01,
    )
    span = llm_span(
        "acme/house-model-2025-01-01",
        input=1_000_000,
        cache_read=400_000,
        cache_write=100_000,
        output=300_000,
        reasoning=100_000,
    )
    cost = pricing.compute_span_cost(span)
    assert cost is not None
    input_cost = 0.5 * 2.0 + 0.4 * 0.5 + 0.1 * 2.5
    output_cost = 0.2 * 8.0 + 0.1 * 16.0
    assert cost["input"] == pytest.approx(input_cost)
    assert cost["output"] == pytest.approx(output_cost)
    assert cost["request"] == pytest.approx(0.01)
    assert cost["total"] == pytest.approx(input_cost + output_cost + 0.01)


def test_the_price_book_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "prices.json"
    path.write_bytes(
        orjson.dumps(
            {
                "prices": [
                    {"model": "house-model", "input": 1, "output": 3},
                    {
                        "model": "house-model",
                        "input": 2,
                        "output": 6,
                        "effective_from": "2025-05-15T00:00:00Z",
                    },
                ]
            }
        )
    )
    monkeypatch.setenv(ENV_PRICE_BOOK, str(path))
    pricing.reset()
    old = llm_span("house-model", input=1_000_000, at=datetime(2025, 5, 1, tzinfo=timezone.utc))
    new = llm_span("house-model", input=1_000_000)
    assert (pricing.compute_span_cost(old) or {}).get("total") == pytest.approx(1.0)
    assert (pricing.compute_span_cost(new) or {}).get("total") == pytest.approx(2.0)
    # set_price wins over the file
    pricing.set_price("house-model", input=5, output=5)
    assert (pricing.compute_span_cost(new) or {}).get("total") == pytest.approx(5.0)


def test_a_broken_price_book_file_is_left_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "prices.json"
    path.write_text('{"prices": [{"model": "x", "input": -1, "output": 1}]}')
    monkeypatch.setenv(ENV_PRICE_BOOK, str(path))
    pricing.reset()
    assert pricing.compute_span_cost(llm_span("x", input=5)) is None
    assert "not used" in caplog.text
    with pytest.raises(InvalidArgumentError, match="must be a number >= 0"):
        pricing.load_price_file(path)


def test_set_price_refuses_bad_values() -> None:
    with pytest.raises(InvalidArgumentError, match="not an ISO date"):
        pricing.set_price("m", input=1, output=1, effective_from="yesterday")
    with pytest.raises(InvalidArgumentError, match=">= 0"):
        pricing.set_price("m", input=-1, output=1)
