"""Request and response previews: short text for trace tables.

For chat payloads the preview is the last user message (request) or the assistant's reply
(response); for a single-argument call, that argument; otherwise compact JSON.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson

__all__ = ["MAX_PREVIEW_CHARS", "request_preview", "response_preview"]

MAX_PREVIEW_CHARS = 300  # a line of the traces table; the whole value is in the span


def request_preview(inputs: Any) -> str | None:
    if inputs is None:
        return None
    message = _last_message(inputs, "user")
    if message is not None:
        return _clip(message)
    if isinstance(inputs, Mapping) and len(inputs) == 1:
        inputs = next(iter(inputs.values()))
    return _clip(inputs)


def response_preview(outputs: Any) -> str | None:
    if outputs is None:
        return None
    if isinstance(outputs, Mapping):
        choices = outputs.get("choices")
        if isinstance(choices, Sequence) and choices and isinstance(choices[0], Mapping):
            message = choices[0].get("message")
            if isinstance(message, Mapping) and message.get("content") is not None:
                return _clip(message["content"])
    message = _last_message(outputs, "assistant")
    if message is not None:
        return _clip(message)
    return _clip(outputs)


def _last_message(value: Any, role: str) -> Any:
    messages = value.get("messages") if isinstance(value, Mapping) else value
    if not isinstance(messages, list) or not messages:
        return None
    for message in reversed(messages):
        if isinstance(message, Mapping) and message.get("role") == role:
            return _text(message)
    return None


def _text(message: Mapping[str, Any]) -> Any:
    content = message.get("content")
    if content is None and isinstance(message.get("parts"), list):
        content = message["parts"]
    if isinstance(content, list):
        texts: list[str] = []
        for part in content:
            text = part.get("text") or part.get("content") if isinstance(part, Mapping) else None
            if isinstance(text, str):
                texts.append(text)
        if texts:
            return "\n".join(texts)
    return content


def _clip(value: Any) -> str:
    text = value if isinstance(value, str) else orjson.dumps(value, default=str).decode()
    if len(text) > MAX_PREVIEW_CHARS:
        return text[: MAX_PREVIEW_CHARS - 3] + "..."
    return text
