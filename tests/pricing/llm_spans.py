"""LLM spans as the integrations record them, for the pricing tests."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from spanscope.constants import SpanAttributeKey as K
from spanscope.entities import Span

TRACE_ID = "5" * 32
# A time the bundled prices of the models below hold at (the span's start picks the price).
CALL_TIME = datetime(2025, 6, 1, tzinfo=timezone.utc)


def llm_span(
    model: str | None,
    *,
    index: int = 0,
    parent: int | None = None,
    provider: str | None = None,
    response_model: str | None = None,
    at: datetime = CALL_TIME,
    **usage: int,
) -> Span:
    """An LLM span of TRACE_ID; `usage` keys: input, output, cache_read, cache_write,
    reasoning, image, image_cache_read, image_output, images (GenAI counts: input includes the
    cache and the image tokens, output the reasoning and image output tokens; `images` is the
    number of generated images)."""
    keys = {
        "input": K.GEN_AI_INPUT_TOKENS,
        "output": K.GEN_AI_OUTPUT_TOKENS,
        "cache_read": K.GEN_AI_CACHE_READ_TOKENS,
        "cache_write": K.GEN_AI_CACHE_CREATION_TOKENS,
        "reasoning": K.GEN_AI_REASONING_TOKENS,
        "image": K.GEN_AI_IMAGE_INPUT_TOKENS,
        "image_cache_read": K.GEN_AI_IMAGE_CACHE_READ_TOKENS,
        "images": K.IMAGES,
        "image_output": K.GEN_AI_IMAGE_OUTPUT_TOKENS,
    }
    attributes: dict[str, Any] = {keys[name]: count for name, count in usage.items()}
    for key, value in (
        (K.GEN_AI_REQUEST_MODEL, model),
        (K.GEN_AI_RESPONSE_MODEL, response_model),
        (K.GEN_AI_PROVIDER, provider),
    ):
        if value is not None:
            attributes[key] = value
    start = int(at.timestamp() * 1e9) + index
    return Span.from_dict(
        {
            "trace_id": TRACE_ID,
            "span_id": f"{index + 1:016x}",
            "parent_id": None if parent is None else f"{parent + 1:016x}",
            "name": f"call-{index}",
            "span_type": "LLM" if model else "CHAIN",
            "start_time_ns": start,
            "end_time_ns": start + 1_000_000,
            "attributes": attributes,
        }
    )
