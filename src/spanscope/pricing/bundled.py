"""Prices from the `genai-prices` package: a maintained, dated price history of the major
providers' models (see docs/cost.md for why it was chosen over LiteLLM's price map).

Optional: without the package (it needs Python 3.11) only user prices apply.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from spanscope.pricing.usage import TokenCounts

__all__ = ["BundledRate", "bundled_available", "clear_memo", "find_bundled"]

_PER_MILLION = 1_000_000
# genai-prices takes ~0.1 ms to price a call; a trace store prices every LLM span it writes, and
# calls repeat their token counts often (judges, retries, fixed prompts). Keyed by the price's
# identity (the snapshot keeps one object per model and period) with the object itself kept, so
# a reused id can never hit.
_MEMO_SIZE = 4096
_memo: dict[tuple[int, TokenCounts], tuple[Any, dict[str, float]]] = {}


@dataclass(frozen=True, slots=True)
class BundledRate:
    """A model's price at one time, from genai-prices."""

    model: str
    provider: str
    price: Any  # genai_prices.types.ModelPrice

    def cost(self, counts: TokenCounts) -> dict[str, float]:
        key = (id(self.price), counts)
        hit = _memo.get(key)
        if hit is not None and hit[0] is self.price:
            return dict(hit[1])
        result = self._priced(counts)
        if len(_memo) >= _MEMO_SIZE:
            _memo.clear()
        _memo[key] = (self.price, result)
        return dict(result)

    def _priced(self, counts: TokenCounts) -> dict[str, float]:
        from genai_prices import Usage
        from genai_prices.types import calc_unit_price

        p = self.price
        # genai-prices prices the image cache reads as image tokens when the model has a price
        # for them; otherwise they are plain cache reads, and the image price (if any) applies
        # to the fresh image tokens only.
        image_cache_rate = p.cache_image_read_mtok
        cached_images = counts.image_cache_read if image_cache_rate is not None else 0
        usage = Usage(
            input_tokens=counts.input,
            output_tokens=counts.output,
            cache_read_tokens=counts.cache_read,
            cache_write_tokens=counts.cache_write,
            input_image_tokens=counts.image - counts.image_cache_read + cached_images,
            cache_image_read_tokens=cached_images,
            output_image_tokens=counts.image_output,
        )
        priced = p.calc_price(usage)
        total = priced["total_price"]
        result = {
            "input": float(priced["input_price"]),
            "output": float(priced["output_price"]),
            "total": float(total),
        }
        tiers_by = Decimal(counts.input)

        def cost_of(count: int, *units: Any) -> Decimal | None:
            """`count` tokens at the first of `units` the model has a price for."""
            unit = next((u for u in units if u is not None), None)
            if not count or unit is None:
                return None
            return calc_unit_price(unit, count, tiers_by, _PER_MILLION)

        uncached_images = counts.image_cache_read - cached_images
        for key, costs in (
            (
                "cache_read",
                (
                    cost_of(counts.cache_read - cached_images, p.cache_read_mtok),
                    cost_of(cached_images, image_cache_rate),
                ),
            ),
            ("cache_write", (cost_of(counts.cache_write, p.cache_write_mtok),)),
            ("reasoning", (cost_of(counts.reasoning, p.output_mtok),)),
            ("image_output", (cost_of(counts.image_output, p.output_image_mtok, p.output_mtok),)),
            (
                "image",
                (
                    cost_of(
                        counts.image - counts.image_cache_read, p.input_image_mtok, p.input_mtok
                    ),
                    cost_of(cached_images, image_cache_rate),
                    cost_of(uncached_images, p.cache_read_mtok, p.input_mtok),
                ),
            ),
        ):
            found = [c for c in costs if c is not None]
            if found:
                result[key] = float(sum(found))
        return result


def clear_memo() -> None:
    """Forget the memoised costs (they only repeat genai-prices' answers; for a clean state)."""
    _memo.clear()


def preload() -> None:
    """Import the bundled price history now, on the calling thread.

    Pricing first runs on the export thread, and importing genai-prices imports httpx2; a
    client library that looks httpx2 up in `sys.modules` on another thread meanwhile (openai
    does, per request) can find it half-initialised and fail the user's call. Integrations
    call this from `autolog()`, before any traced call can run. A failure here is left for
    pricing to meet (and report) where it is used.
    """
    with contextlib.suppress(Exception):
        bundled_available()


def bundled_available() -> bool:
    try:
        import genai_prices  # noqa: F401
    except ImportError:  # not installed, or Python 3.10
        return False
    return True


def find_bundled(model: str, provider: str | None, at: datetime) -> BundledRate | None:
    """The bundled price of `model` at `at`, or None when genai-prices does not know it."""
    found = _find_model(model, provider)
    if found is None:
        return None
    provider_id, info = found
    return BundledRate(model=info.id, provider=provider_id, price=info.get_prices(at))


def _find_model(model: str, provider: str | None) -> tuple[str, Any] | None:
    if not bundled_available():
        return None
    from genai_prices import data_snapshot

    snapshot = data_snapshot.get_snapshot()
    try:
        found_provider, info = snapshot.find_provider_model(model, None, provider, None)
    except LookupError:
        return None
    return found_provider.id, info
