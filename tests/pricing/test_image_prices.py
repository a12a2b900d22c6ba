"""Images: image input tokens at the model's image rate, generated images at a price per image,
each as a hand computation from the rates the price is made of."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import orjson
import pytest

from spanscope import pricing
from spanscope.constants import ENV_PRICE_BOOK
from spanscope.exceptions import InvalidArgumentError
from tests.pricing.llm_spans import CALL_TIME, llm_span

M = Decimal(1_000_000)


def image_rates(model: str) -> dict[str, Decimal]:
    """The bundled per-million rates of an OpenAI model at CALL_TIME, from the data itself."""
    genai_prices = pytest.importorskip("genai_prices")
    _, info = genai_prices.data_snapshot.get_snapshot().find_provider_model(
        model, None, "openai", None
    )
    price = info.get_prices(CALL_TIME)
    keys = ("input", "output", "cache_read", "input_image", "cache_image_read")
    return {
        name: getattr(price, f"{name}_mtok")
        for name in keys
        if getattr(price, f"{name}_mtok") is not None
    }


def test_image_input_tokens_at_the_image_rate() -> None:
    rates = image_rates("gpt-image-1")
    assert rates["input_image"] != rates["input"]  # else this test could not tell them apart
    # An edit: a 50-token prompt and a 1,000-token input image, one 4,160-token image out.
    span = llm_span("gpt-image-1", provider="openai", input=1_050, image=1_000, output=4_160)
    cost = pricing.compute_span_cost(span)
    assert cost is not None
    text = 50 * rates["input"] / M
    image = 1_000 * rates["input_image"] / M
    output = 4_160 * rates["output"] / M
    assert cost["input"] == pytest.approx(float(text + image))
    assert cost["image"] == pytest.approx(float(image))
    assert cost["output"] == pytest.approx(float(output))
    assert cost["total"] == pytest.approx(float(text + image + output))
    assert cost["model"] == "gpt-image-1"
    assert "images" not in cost  # the bundled prices have no price per image


def test_cached_image_tokens_at_the_image_cache_rate() -> None:
    rates = image_rates("gpt-image-1")
    span = llm_span(
        "gpt-image-1",
        provider="openai",
        input=2_000,
        cache_read=900,
        image=1_500,
        image_cache_read=600,
        output=100,
    )
    cost = pricing.compute_span_cost(span)
    assert cost is not None
    fresh_text = (2_000 - 900 - (1_500 - 600)) * rates["input"] / M
    cached_text = (900 - 600) * rates["cache_read"] / M
    fresh_image = (1_500 - 600) * rates["input_image"] / M
    cached_image = 600 * rates["cache_image_read"] / M
    assert cost["input"] == pytest.approx(
        float(fresh_text + cached_text + fresh_image + cached_image)
    )
    assert cost["image"] == pytest.approx(float(fresh_image + cached_image))
    assert cost["cache_read"] == pytest.approx(float(cached_text + cached_image))


def test_image_tokens_of_a_model_without_an_image_rate_cost_the_input_rate() -> None:
    rates = image_rates("gpt-4o")
    assert "input_image" not in rates
    span = llm_span("gpt-4o", provider="openai", input=1_000, image=765, output=10)
    cost = pricing.compute_span_cost(span)
    assert cost is not None
    assert cost["input"] == pytest.approx(float(1_000 * rates["input"] / M))
    assert cost["image"] == pytest.approx(float(765 * rates["input"] / M))


def test_image_tokens_reported_beside_the_input_count_are_not_negative_text() -> None:
    rates = image_rates("gpt-image-1")
    # input_tokens=0 with 1,000 image tokens: the input count is raised to hold them.
    cost = pricing.compute_span_cost(llm_span("gpt-image-1", input=0, image=1_000, output=0))
    assert cost is not None
    assert cost["input"] == pytest.approx(float(1_000 * rates["input_image"] / M))


def test_a_user_price_per_image_and_per_image_token() -> None:
    pricing.set_price(
        "house-diffusion",
        input=2.0,
        output=8.0,
        cache_read=0.5,
        image_input=4.0,
        per_image=0.04,
    )
    span = llm_span(
        "house-diffusion",
        input=1_000_000,
        cache_read=200_000,
        image=500_000,
        image_cache_read=100_000,
        output=100_000,
        images=3,
    )
    cost = pricing.compute_span_cost(span)
    assert cost is not None
    # 400k fresh image tokens at the image price, every cache read (image or text) at the
    # cache read price, the other 400k input tokens at the input price.
    input_cost = 0.4 * 4.0 + 0.2 * 0.5 + 0.4 * 2.0
    output_cost = 0.1 * 8.0 + 3 * 0.04
    assert cost["input"] == pytest.approx(input_cost)
    assert cost["image"] == pytest.approx(0.4 * 4.0 + 0.1 * 0.5)
    assert cost["cache_read"] == pytest.approx(0.2 * 0.5)
    assert cost["images"] == pytest.approx(0.12)
    assert cost["output"] == pytest.approx(output_cost)
    assert cost["total"] == pytest.approx(input_cost + output_cost)


def test_image_tokens_default_to_the_input_price() -> None:
    pricing.set_price("house-vision", input=3.0, output=6.0)
    cost = pricing.compute_span_cost(llm_span("house-vision", input=2_000_000, image=1_000_000))
    assert cost is not None
    assert cost["input"] == pytest.approx(6.0)
    assert cost["image"] == pytest.approx(3.0)
    assert "images" not in cost


def test_generated_images_without_tokens() -> None:
    # DALL-E reports no usage, only the images: priced per image when a price has one.
    span = llm_span("dall-e-3", provider="openai", images=2)
    assert pricing.compute_span_cost(span) is None  # no price: unpriced, not free
    pricing.set_price("dall-e-3", input=0, output=0, per_image=0.08)
    cost = pricing.compute_span_cost(span)
    assert cost is not None
    assert cost["images"] == pytest.approx(0.16)
    assert cost["output"] == pytest.approx(0.16)
    assert cost["total"] == pytest.approx(0.16)
    # A text price without per_image cannot price images alone.
    pricing.set_price("house-text", input=1.0, output=1.0)
    assert pricing.compute_span_cost(llm_span("house-text", images=1)) is None


def test_the_price_book_file_with_image_prices(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "prices.json"
    entry = {
        "model": "house-diffusion",
        "input": 1,
        "output": 2,
        "image_input": 5,
        "per_image": 0.5,
    }
    path.write_bytes(orjson.dumps({"prices": [entry]}))
    (price,) = pricing.load_price_file(path)
    assert price.to_dict() == {**entry, "input": 1.0, "output": 2.0, "image_input": 5.0}
    monkeypatch.setenv(ENV_PRICE_BOOK, str(path))
    pricing.reset()
    span = llm_span("house-diffusion", input=1_000_000, image=1_000_000, output=0, images=4)
    cost = pricing.compute_span_cost(span)
    assert cost is not None
    assert cost["input"] == pytest.approx(5.0)
    assert cost["images"] == pytest.approx(2.0)
    assert cost["total"] == pytest.approx(7.0)


@pytest.mark.parametrize(
    ("field", "value"), [("per_image", -0.01), ("image_input", "10"), ("per_image", True)]
)
def test_bad_image_prices_are_refused(field: str, value: object) -> None:
    with pytest.raises(InvalidArgumentError, match=f"'{field}' of the price of 'm' must be"):
        pricing.Price.from_dict({"model": "m", "input": 1, "output": 1, field: value})


def test_an_unknown_field_lists_the_image_fields() -> None:
    with pytest.raises(
        InvalidArgumentError, match="image_input, image_output, per_request, per_image"
    ):
        pricing.Price.from_dict({"model": "m", "input": 1, "output": 1, "per_images": 1})


def test_image_output_tokens_at_the_output_image_rate() -> None:
    genai_prices = pytest.importorskip("genai_prices")
    _, info = genai_prices.data_snapshot.get_snapshot().find_provider_model(
        "gemini-2.5-flash-image", None, "google", None
    )
    price = info.get_prices(CALL_TIME)
    assert price.output_image_mtok != price.output_mtok  # else the test could not tell
    # A 40-token prompt; a 1,290-token image and 30 tokens of text out.
    span = llm_span(
        "gemini-2.5-flash-image", provider="google", input=40, output=1_320, image_output=1_290
    )
    cost = pricing.compute_span_cost(span)
    assert cost is not None
    image = 1_290 * price.output_image_mtok / M
    text = 30 * price.output_mtok / M
    assert cost["image_output"] == pytest.approx(float(image))
    assert cost["output"] == pytest.approx(float(image + text))
    assert cost["total"] == pytest.approx(float(40 * price.input_mtok / M + image + text))


def test_image_output_tokens_by_a_price_of_yours() -> None:
    pricing.set_price("house-painter", input=1.0, output=4.0, image_output=20.0)
    span = llm_span("house-painter", input=100, output=2_000, image_output=1_500)
    cost = pricing.compute_span_cost(span)
    assert cost is not None
    assert cost["image_output"] == pytest.approx(1_500 * 20.0 / 1e6)
    assert cost["output"] == pytest.approx((500 * 4.0 + 1_500 * 20.0) / 1e6)
    # Without an image output price, image tokens cost the output price.
    pricing.set_price("house-painter", input=1.0, output=4.0)
    plain = pricing.compute_span_cost(span)
    assert plain is not None
    assert plain["output"] == pytest.approx(2_000 * 4.0 / 1e6)
    assert plain["image_output"] == pytest.approx(1_500 * 4.0 / 1e6)
