"""Deterministic embedding vectors, and OpenAI `POST /v1/embeddings`."""

from __future__ import annotations

import base64
import hashlib
import math
import struct
from typing import Any

from spanscope.testing.fake_llm.conversation import count_tokens
from spanscope.testing.fake_llm.openai_chat import openai_headers
from spanscope.testing.fake_llm.state import ServerState
from spanscope.testing.fake_llm.wire import BadRequest, RecordedRequest, Reply, json_reply, require

__all__ = [
    "DEFAULT_DIMENSIONS",
    "dimensions_of",
    "embedding_inputs",
    "embeddings_json",
    "fake_vector",
    "openai_embeddings",
]

DEFAULT_DIMENSIONS = 16


def fake_vector(text: str, dimensions: int = DEFAULT_DIMENSIONS) -> list[float]:
    """A unit vector drawn from the SHA-256 of `text`; its values are exact float32 numbers.

    float32, so that the float and base64 encodings of one input decode to equal lists.
    """
    values: list[float] = []
    for block in range(math.ceil(dimensions / 8)):
        digest = hashlib.sha256(f"{block}:{text}".encode()).digest()
        words = struct.unpack("<8I", digest)
        values.extend(word / 0xFFFFFFFF * 2 - 1 for word in words)
    values = values[:dimensions]
    norm = math.sqrt(sum(v * v for v in values)) or 1.0
    packed = struct.pack(f"<{dimensions}f", *(v / norm for v in values))
    return list(struct.unpack(f"<{dimensions}f", packed))


def _base64(vector: list[float]) -> str:
    return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()


def embedding_inputs(value: Any) -> list[str]:
    """A string, a list of strings, or token ids (a list, or a list of lists) as texts."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and all(isinstance(t, int) for t in value):
        return [" ".join(map(str, value))]
    if isinstance(value, list) and value:
        return [v if isinstance(v, str) else " ".join(map(str, v)) for v in value]
    raise BadRequest("'input' must be a non-empty string or list")


def dimensions_of(body: dict[str, Any]) -> int:
    dimensions = body.get("dimensions") or DEFAULT_DIMENSIONS
    if not isinstance(dimensions, int) or not 1 <= dimensions <= 4096:
        raise BadRequest(f"'dimensions' must be an integer from 1 to 4096, got {dimensions!r}")
    return dimensions


def openai_embeddings(request: RecordedRequest, state: ServerState, fail_stream: bool) -> Reply:
    return json_reply(embeddings_json(request.json), headers=openai_headers())


def embeddings_json(body: dict[str, Any]) -> dict[str, Any]:
    """The OpenAI-shaped embeddings response to `body`."""
    require(body, "model", "input")
    texts = embedding_inputs(body["input"])
    dimensions = dimensions_of(body)
    as_base64 = body.get("encoding_format") == "base64"
    data = []
    for index, text in enumerate(texts):
        vector = fake_vector(text, dimensions)
        embedding: Any = _base64(vector) if as_base64 else vector
        data.append({"object": "embedding", "index": index, "embedding": embedding})
    tokens = max(1, count_tokens(*texts))
    usage = {"prompt_tokens": tokens, "total_tokens": tokens}
    return {"object": "list", "data": data, "model": str(body["model"]), "usage": usage}
