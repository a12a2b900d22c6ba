"""Pure functions: Semantic Kernel's chat history, replies and usage in the shapes spanscope
records (OpenAI-style messages, which `spanscope.entities.chat` normalises)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from spanscope.tracing.llm import Usage

__all__ = ["assemble", "finish_reasons", "history_messages", "message", "provider_of", "usage"]


def _value(enum: Any) -> Any:
    return getattr(enum, "value", enum)


def _arguments(arguments: Any) -> Any:
    if isinstance(arguments, str):
        return arguments
    try:
        return json.dumps(arguments)
    except (TypeError, ValueError):
        return str(arguments)


def message(content: Any) -> dict[str, Any]:
    """A ChatMessageContent (or a streamed one) as an OpenAI-style message."""
    role = str(_value(getattr(content, "role", None)) or "assistant")
    calls: list[dict[str, Any]] = []
    results: list[Any] = []
    for item in getattr(content, "items", None) or []:
        kind = type(item).__name__
        if kind in ("FunctionCallContent", "StreamingFunctionCallContent"):
            calls.append(
                {
                    "id": getattr(item, "id", None),
                    "type": "function",
                    "function": {
                        "name": getattr(item, "name", None),
                        "arguments": _arguments(getattr(item, "arguments", None)),
                    },
                }
            )
        elif kind == "FunctionResultContent":
            results.append(item)
    if results:
        first = results[0]
        return {
            "role": "tool",
            "tool_call_id": getattr(first, "id", None),
            "content": str(getattr(first, "result", "")),
        }
    text = getattr(content, "content", None)
    out: dict[str, Any] = {"role": role, "content": text or None}
    if calls:
        out["tool_calls"] = calls
    return out


def history_messages(history: Any) -> tuple[list[dict[str, Any]], list[str]]:
    """The conversation (without system messages) and the system instructions, apart."""
    chat: list[dict[str, Any]] = []
    system: list[str] = []
    for content in getattr(history, "messages", None) or []:
        converted = message(content)
        if converted["role"] in ("system", "developer"):
            system.append(str(converted["content"] or ""))
        else:
            chat.append(converted)
    return chat, system


def finish_reasons(contents: Iterable[Any]) -> list[str]:
    return [str(_value(r)) for c in contents if (r := getattr(c, "finish_reason", None))]


def usage(contents: Sequence[Any]) -> Usage | None:
    """The token counts a reply's metadata holds (the same on every choice)."""
    for content in contents:
        counts = (getattr(content, "metadata", None) or {}).get("usage")
        if counts is not None:
            return Usage(
                input_tokens=getattr(counts, "prompt_tokens", None),
                output_tokens=getattr(counts, "completion_tokens", None),
            )
    return None


def provider_of(service: Any) -> str:
    name = type(service).__name__.lower()
    if "azure" in name:
        return "azure.ai.openai"
    for provider in ("openai", "anthropic", "ollama", "google", "mistral", "bedrock"):
        if provider in name:
            return provider
    return "semantic_kernel"


def assemble(chunks: Sequence[Any]) -> list[Any]:
    """The reply the streamed chunks (each a list of StreamingChatMessageContent, one per
    choice) add up to: one message per choice."""
    choices: dict[int, Any] = {}
    for chunk in chunks:
        for part in chunk if isinstance(chunk, list) else [chunk]:
            index = getattr(part, "choice_index", 0)
            choices[index] = part if index not in choices else choices[index] + part
    return [choices[index] for index in sorted(choices)]
