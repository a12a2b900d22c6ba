"""The price book: user and operator prices over the bundled price history.

A lookup tries, in order: prices set with `set_price`, prices of the file named by
`SPANSCOPE_PRICE_BOOK` (read once, on first use), then the bundled genai-prices data; each
under every name `matching.candidates` derives from the span's model. The state belongs to one
`PriceBook` per process (`price_book()`); `reset()` brings it back to its start.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import orjson

from spanscope.constants import ENV_PRICE_BOOK
from spanscope.exceptions import InvalidArgumentError
from spanscope.pricing.bundled import clear_memo, find_bundled
from spanscope.pricing.matching import candidates, undated
from spanscope.pricing.prices import Price, parse_date
from spanscope.pricing.usage import TokenCounts

__all__ = ["PriceBook", "Rate", "load_price_file", "price_book", "reset", "set_price"]

_log = logging.getLogger(__name__)
_PER_MILLION = 1_000_000


class Rate(Protocol):
    """A model's price at one time: what a call's tokens cost, in USD."""

    @property
    def model(self) -> str: ...

    def cost(self, counts: TokenCounts) -> dict[str, float]: ...


@dataclass(frozen=True, slots=True)
class UserRate:
    """A price of the user's or the operator's."""

    price: Price

    @property
    def model(self) -> str:
        return self.price.model

    def cost(self, counts: TokenCounts) -> dict[str, float]:
        p = self.price
        # Image tokens read from the cache are cache reads, at the cache read price.
        fresh_image = counts.image - counts.image_cache_read
        cache_read = counts.cache_read * _or(p.cache_read, p.input)
        cache_write = counts.cache_write * _or(p.cache_write, p.input)
        image = fresh_image * _or(p.image_input, p.input)
        fresh = (
            max(counts.input - counts.cache_read - counts.cache_write - fresh_image, 0) * p.input
        )
        reasoning = counts.reasoning * _or(p.reasoning, p.output)
        image_output = counts.image_output * _or(p.image_output, p.output)
        answer = max(counts.output - counts.reasoning - counts.image_output, 0) * p.output
        images = counts.images * (p.per_image or 0.0)
        result = {
            "input": (fresh + cache_read + cache_write + image) / _PER_MILLION,
            "output": (answer + reasoning + image_output) / _PER_MILLION + images,
        }
        request = p.per_request or 0.0
        result["total"] = result["input"] + result["output"] + request
        image_cache_read = counts.image_cache_read * _or(p.cache_read, p.input)
        for key, value in (
            ("cache_read", cache_read / _PER_MILLION),
            ("cache_write", cache_write / _PER_MILLION),
            ("reasoning", reasoning / _PER_MILLION),
            ("image", (image + image_cache_read) / _PER_MILLION),
            ("image_output", image_output / _PER_MILLION),
            ("request", request),
        ):
            if value:
                result[key] = value
        if counts.images and p.per_image is not None:
            result["images"] = images
        return result


class PriceBook:
    """Prices by model: the user's first, then the operator's file, then the bundled ones."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._set: dict[str, list[Price]] = {}
        self._file: dict[str, list[Price]] | None = None

    def set_price(self, price: Price) -> None:
        with self._lock:
            _add(self._set, price)

    def rate(self, models: Iterable[str], provider: str | None, at: datetime) -> Rate | None:
        """The price of the first of `models` known, at `at`; None when none is known."""
        pairs = [pair for model in models for pair in candidates(model, provider)]
        for prices in (self._set, self._user_file()):
            for name, hint in pairs:
                found = _pick(prices, name, hint, at)
                if found is not None:
                    return UserRate(found)
        for name, hint in pairs:
            bundled = find_bundled(name, hint, at)
            if bundled is None and hint is not None:
                bundled = find_bundled(name, None, at)
            if bundled is not None:
                return bundled
        return None

    def _user_file(self) -> dict[str, list[Price]]:
        if self._file is None:
            path = os.environ.get(ENV_PRICE_BOOK)
            loaded: dict[str, list[Price]] = {}
            if path:
                try:
                    for price in load_price_file(path):
                        _add(loaded, price)
                except (OSError, InvalidArgumentError) as exc:
                    # Costs are computed while traces are stored: a broken file must not
                    # refuse them. It is said once; its prices are left out.
                    _log.warning("price book %s not used: %s", path, exc)
            self._file = loaded
        return self._file


def load_price_file(path: str | Path) -> list[Price]:
    """The prices of a JSON price book file: `{"prices": [{"model": ..., "input": ...,
    "output": ..., ...}, ...]}` (see docs/cost.md)."""
    try:
        data: Any = orjson.loads(Path(path).read_bytes())
    except orjson.JSONDecodeError as exc:
        raise InvalidArgumentError(f"price book {path} is not JSON: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("prices"), list):
        raise InvalidArgumentError(f'price book {path} must be {{"prices": [...]}}')
    return [Price.from_dict(item) for item in data["prices"]]


def _add(book: dict[str, list[Price]], price: Price) -> None:
    key = price.model.strip().lower()
    entries = [
        p
        for p in book.get(key, [])
        if (p.provider, p.effective_from) != (price.provider, price.effective_from)
    ]
    entries.append(price)
    book[key] = entries


def _pick(
    book: dict[str, list[Price]], name: str, provider: str | None, at: datetime
) -> Price | None:
    """The latest price in effect at `at` of `name` (or of its undated name)."""
    for key in dict.fromkeys((name, undated(name))):
        entries = [
            p
            for p in book.get(key, [])
            if (p.provider is None or provider is None or p.provider.lower() == provider)
            and (p.effective_from is None or p.effective_from <= at)
        ]
        if entries:
            return max(entries, key=lambda p: (p.effective_from is not None, p.effective_from))
    return None


def _or(value: float | None, default: float) -> float:
    return default if value is None else value


class _Owner:
    """The process's price book (replaced whole by `reset`)."""

    book = PriceBook()


def price_book() -> PriceBook:
    return _Owner.book


def set_price(
    model: str,
    *,
    input: float,
    output: float,
    cache_read: float | None = None,
    cache_write: float | None = None,
    reasoning: float | None = None,
    image_input: float | None = None,
    image_output: float | None = None,
    per_request: float | None = None,
    per_image: float | None = None,
    provider: str | None = None,
    effective_from: datetime | str | None = None,
) -> Price:
    """Price `model` (USD per million tokens; `per_request` USD per call, `per_image` USD per
    generated image) from `effective_from` on (always, if None), above the bundled prices and
    the price book file.

    Costs already stored keep their price until `spanscope pricing recompute`.
    """
    price = Price.from_dict(
        {
            "model": model,
            "input": input,
            "output": output,
            "cache_read": cache_read,
            "cache_write": cache_write,
            "reasoning": reasoning,
            "image_input": image_input,
            "image_output": image_output,
            "per_request": per_request,
            "per_image": per_image,
            "provider": provider,
            "effective_from": None if effective_from is None else parse_date(effective_from),
        }
    )
    _Owner.book.set_price(price)
    return price


def reset() -> None:
    """Forget prices set with `set_price`, read `SPANSCOPE_PRICE_BOOK` again on next use, and
    drop the memoised bundled costs."""
    _Owner.book = PriceBook()
    clear_memo()
