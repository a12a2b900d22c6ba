"""The token counts of an LLM span, read from its GenAI usage attributes."""

from __future__ import annotations

from dataclasses import dataclass

from spanscope.constants import SpanAttributeKey as K
from spanscope.entities.span import Span

__all__ = ["TokenCounts", "span_models", "token_counts"]


@dataclass(frozen=True, slots=True)
class TokenCounts:
    """Tokens of one call as the GenAI conventions count them: `input` includes the cache reads
    and writes and the image tokens, `output` includes the reasoning and image output tokens.
    `image_cache_read` is the part of the image tokens that was read from the cache (in
    `cache_read` too).
    `images` is the number of images the call generated (not tokens)."""

    input: int = 0
    output: int = 0
    cache_read: int = 0
    cache_write: int = 0
    reasoning: int = 0
    image: int = 0
    image_cache_read: int = 0
    images: int = 0
    image_output: int = 0


def token_counts(span: Span) -> TokenCounts | None:
    """The span's usage, or None when it reports neither input nor output tokens nor images."""
    attrs = span.attributes_json
    # Most spans report no usage: a few key lookups, not nine decodes (the export thread
    # prices every span it stores).
    if not any(key in attrs for key in _REPORTING):
        return None
    values = {
        name: _count(span, key)
        for name, key in (
            ("input", K.GEN_AI_INPUT_TOKENS),
            ("output", K.GEN_AI_OUTPUT_TOKENS),
            ("cache_read", K.GEN_AI_CACHE_READ_TOKENS),
            ("cache_write", K.GEN_AI_CACHE_CREATION_TOKENS),
            ("reasoning", K.GEN_AI_REASONING_TOKENS),
            ("image", K.GEN_AI_IMAGE_INPUT_TOKENS),
            ("image_cache_read", K.GEN_AI_IMAGE_CACHE_READ_TOKENS),
            ("images", K.IMAGES),
            ("image_output", K.GEN_AI_IMAGE_OUTPUT_TOKENS),
        )
    }
    if values["input"] is None and values["output"] is None and not values["images"]:
        return None
    counts = {name: value or 0 for name, value in values.items()}
    counts["image_cache_read"] = min(
        counts["image_cache_read"], counts["image"], counts["cache_read"]
    )
    # A library that reports cache or image tokens beside (not inside) the input count would
    # otherwise be charged a negative number of fresh input tokens.
    fresh_image = counts["image"] - counts["image_cache_read"]
    counts["input"] = max(
        counts["input"], counts["cache_read"] + counts["cache_write"] + fresh_image
    )
    counts["output"] = max(counts["output"], counts["reasoning"] + counts["image_output"])
    return TokenCounts(**counts)


# A span reports usage only through one of these (see the None case of token_counts).
_REPORTING = (K.GEN_AI_INPUT_TOKENS, K.GEN_AI_OUTPUT_TOKENS, K.IMAGES)


def span_models(span: Span) -> tuple[list[str], str | None]:
    """The model names of an LLM span, the response's (the dated snapshot that served the
    call) before the requested one, and its provider."""
    models: list[str] = []
    for key in (K.GEN_AI_RESPONSE_MODEL, K.GEN_AI_REQUEST_MODEL):
        model = span.get_attribute(key)
        if isinstance(model, str) and model.strip() and model not in models:
            models.append(model)
    provider = span.get_attribute(K.GEN_AI_PROVIDER)
    return models, provider if isinstance(provider, str) and provider else None


def _count(span: Span, key: str) -> int | None:
    value = span.get_attribute(key)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
        return int(value)
    return None
