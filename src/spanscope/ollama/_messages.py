"""Ollama payloads in the GenAI shape: messages, prompts, replies (pure; no ollama import).

Ollama messages are `{"role", "content", "thinking"?, "images"?, "tool_calls"?, "tool_name"?}`
(dicts or `ollama.Message` models); tool call arguments are objects, not JSON text, and a tool
result names its tool (`tool_name`) rather than a call id.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePath
from typing import Any

from spanscope.entities.chat import text_part, tool_call_part, tool_response_part

__all__ = ["as_dict", "genai_message", "genai_messages", "prompt_message", "reply_message"]


def as_dict(value: Any) -> dict[str, Any]:
    """A dict from a mapping or a pydantic model (ollama's types); {} for anything else."""
    if isinstance(value, Mapping):
        return dict(value)
    model_dump = getattr(value, "model_dump", None)
    if callable(model_dump):
        dumped = model_dump(exclude_none=True)
        return dumped if isinstance(dumped, dict) else {}
    return {}


def genai_messages(messages: Any) -> list[dict[str, Any]]:
    return [genai_message(message, "user") for message in messages or []]


def genai_message(message: Any, default_role: str) -> dict[str, Any]:
    """One Ollama message as `{"role", "parts"}`."""
    data = as_dict(message)
    role = str(data.get("role") or default_role)
    if role == "tool":
        part = tool_response_part(data.get("tool_call_id"), data.get("content"))
        if data.get("tool_name"):
            part["name"] = data["tool_name"]  # Ollama links results to calls by tool name
        return {"role": role, "parts": [part]}
    parts = _reasoning(data.get("thinking"))
    if data.get("content"):
        parts.append(text_part(data["content"]))
    parts.extend(_image_part(image) for image in data.get("images") or [])
    for call in data.get("tool_calls") or []:
        call_data = as_dict(call)
        function = as_dict(call_data.get("function"))
        parts.append(
            tool_call_part(call_data.get("id"), function.get("name"), function.get("arguments"))
        )
    return {"role": role, "parts": parts}


def prompt_message(prompt: Any, images: Any = None) -> dict[str, Any]:
    """The user turn of a `generate` call."""
    parts = [text_part(prompt)] if prompt else []
    parts.extend(_image_part(image) for image in images or [])
    return {"role": "user", "parts": parts}


def reply_message(text: Any, thinking: Any = None) -> dict[str, Any]:
    """The assistant turn of a `generate` reply."""
    parts = _reasoning(thinking)
    if text:
        parts.append(text_part(text))
    return {"role": "assistant", "parts": parts}


def _reasoning(thinking: Any) -> list[dict[str, Any]]:
    return [{"type": "reasoning", "content": thinking}] if thinking else []


def _image_part(image: Any) -> dict[str, Any]:
    value = as_dict(image).get("value", image)  # an ollama.Image wraps its value
    if isinstance(value, PurePath):
        return {"type": "uri", "modality": "image", "uri": str(value)}
    return {"type": "blob", "modality": "image", "content": value}
