"""A price of a model: USD per million tokens of each type, per request and per generated
image, from a date on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from spanscope.exceptions import InvalidArgumentError

__all__ = ["Price", "parse_date"]

_PRICE_FIELDS = (
    "input",
    "output",
    "cache_read",
    "cache_write",
    "reasoning",
    "image_input",
    "image_output",
    "per_request",
    "per_image",
)


@dataclass(frozen=True, slots=True)
class Price:
    """A user's or an operator's price of `model` (from `provider`, any provider if None).

    Token prices are USD per million tokens. `cache_read`, `cache_write` and `image_input`
    default to the input price, `reasoning` and `image_output` to the output price (reasoning
    and image tokens are part of the output and input counts, as the GenAI conventions ask);
    `per_request` is USD per
    call, `per_image` USD per generated image. The price holds from
    `effective_from` (UTC) until a later price of the same model takes over; None: always.
    """

    model: str
    input: float
    output: float
    cache_read: float | None = None
    cache_write: float | None = None
    reasoning: float | None = None
    image_input: float | None = None
    image_output: float | None = None
    per_request: float | None = None
    per_image: float | None = None
    provider: str | None = None
    effective_from: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"model": self.model}
        for name in _PRICE_FIELDS:
            value = getattr(self, name)
            if value is not None:
                data[name] = value
        if self.provider is not None:
            data["provider"] = self.provider
        if self.effective_from is not None:
            data["effective_from"] = self.effective_from.isoformat()
        return data

    @classmethod
    def from_dict(cls, data: Any) -> Price:
        if not isinstance(data, dict) or not isinstance(data.get("model"), str):
            raise InvalidArgumentError(f"a price is an object with a 'model' name, not {data!r}")
        unknown = set(data) - {"model", "provider", "effective_from", *_PRICE_FIELDS}
        if unknown:
            raise InvalidArgumentError(
                f"unknown key(s) {sorted(unknown)} in the price of {data['model']!r}; "
                f"accepted: model, provider, effective_from, {', '.join(_PRICE_FIELDS)}"
            )
        values = {name: _number(data, name) for name in _PRICE_FIELDS}
        if values["input"] is None or values["output"] is None:
            raise InvalidArgumentError(
                f"the price of {data['model']!r} needs 'input' and 'output' (USD per 1M tokens)"
            )
        provider = data.get("provider")
        when = data.get("effective_from")
        return cls(
            model=data["model"],
            input=values["input"],
            output=values["output"],
            cache_read=values["cache_read"],
            cache_write=values["cache_write"],
            reasoning=values["reasoning"],
            image_input=values["image_input"],
            image_output=values["image_output"],
            per_request=values["per_request"],
            per_image=values["per_image"],
            provider=str(provider) if provider is not None else None,
            effective_from=None if when is None else parse_date(when),
        )


def parse_date(value: datetime | str) -> datetime:
    """A date or time as an aware UTC datetime; a naive one is taken as UTC."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise InvalidArgumentError(
                f"effective_from {value!r} is not an ISO date (e.g. 2025-01-31)"
            ) from None
    if not isinstance(value, datetime):
        raise InvalidArgumentError(f"effective_from must be a datetime or ISO date, not {value!r}")
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def _number(data: dict[str, Any], name: str) -> float | None:
    value = data.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise InvalidArgumentError(
            f"{name!r} of the price of {data['model']!r} must be a number >= 0, not {value!r}"
        )
    return float(value)
