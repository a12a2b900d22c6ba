"""The Agents SDK's model span data in the GenAI shape: pure functions, no SDK import.

A response span (the Responses API) carries the input items and the `Response` object; a
generation span (Chat Completions and the LiteLLM / any-llm models) carries chat messages
and a usage dict. Both become input and output messages, tool definitions, usage and
finish reasons with the shared keys of `spanscope.tracing.llm`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from spanscope.entities.chat import (
    content_parts,
    normalize_messages,
    normalize_tool_definition,
    parse_json,
    text_part,
    tool_call_part,
    tool_response_part,
)
from spanscope.tracing.llm import Usage

__all__ = [
    "final_output",
    "generation_messages",
    "only_text",
    "plain",
    "response_input_messages",
    "response_output",
    "response_tools",
    "tool_input",
    "usage_of",
]

Message = dict[str, Any]


def plain(value: Any) -> Any:
    """A pydantic object (the openai SDK's types) as plain data; anything else unchanged."""
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        try:
            return dump(exclude_none=True)
        except Exception:
            return value
    return value


def _get(value: Any, name: str, default: Any = None) -> Any:
    if isinstance(value, Mapping):
        return value.get(name, default)
    return getattr(value, name, default)


def response_input_messages(value: Any) -> list[Message]:
    """The items a Responses call was given: a string, or messages, function calls and their
    outputs. Items the model produced in a row become one assistant message."""
    if isinstance(value, str):
        return [{"role": "user", "parts": [text_part(value)]}]
    if not isinstance(value, (list, tuple)):
        return []
    messages: list[Message] = []
    for raw in value:
        item = plain(raw)
        if not isinstance(item, Mapping):
            messages.append({"role": "user", "parts": [text_part(item)]})
            continue
        message = _item_message(item)
        produced = item.get("type") not in (None, "message")
        if produced and not message["parts"]:
            continue
        last = messages[-1] if messages else None
        if produced and last is not None and message["role"] == last["role"] == "assistant":
            last["parts"].extend(message["parts"])
        else:
            messages.append(message)
    return messages


def _item_message(item: Mapping[str, Any]) -> Message:
    kind = item.get("type")
    if kind in (None, "message"):
        return {"role": item.get("role") or "user", "parts": _content(item.get("content"))}
    if str(kind).endswith("_output"):
        return {
            "role": "tool",
            "parts": [tool_response_part(item.get("call_id"), item.get("output"))],
        }
    part = _item_part(item)
    return {"role": "assistant", "parts": [part] if part else []}


def _item_part(item: Mapping[str, Any]) -> dict[str, Any] | None:
    kind = item.get("type")
    if kind == "function_call":
        return tool_call_part(item.get("call_id"), item.get("name"), item.get("arguments"))
    if kind == "reasoning":
        texts = [_get(s, "text") for s in item.get("summary") or []]
        shown = [t for t in texts if isinstance(t, str) and t]
        return {"type": "reasoning", "content": "\n".join(shown)} if shown else None
    return dict(item)  # hosted tools (web search, file search, ...) as typed parts


def _content(content: Any) -> list[dict[str, Any]]:
    if not isinstance(content, (list, tuple)):
        return content_parts(content)
    parts = []
    for raw in content:
        part = plain(raw)
        kind = _get(part, "type")
        if kind in ("input_text", "output_text", "text") and isinstance(part, Mapping):
            parts.append(text_part(part.get("text")))  # drops annotations and logprobs
        elif kind == "refusal" and isinstance(part, Mapping):
            parts.append({"type": "refusal", "content": part.get("refusal")})
        else:
            parts.extend(content_parts([part]))
    return parts


def response_output(response: Any) -> tuple[list[Message], list[str | None]]:
    """The response as one assistant message (every output item a part) and its finish
    reason, derived from the status (the Responses API has none of its own)."""
    parts: list[dict[str, Any]] = []
    for raw in _get(response, "output", None) or []:
        item = plain(raw)
        if not isinstance(item, Mapping):
            continue
        if item.get("type") == "message":
            parts.extend(_content(item.get("content")))
        else:
            part = _item_part(item)
            if part:
                parts.append(part)
    if not parts:
        return [], []
    status = _get(response, "status")
    reason: str | None = None
    if status == "completed":
        calls = any(part.get("type") == "tool_call" for part in parts)
        reason = "tool_calls" if calls else "stop"
    elif isinstance(status, str):
        reason = status
    return [{"role": "assistant", "parts": parts}], [reason]


def response_tools(tools: Any) -> list[Any]:
    """Function tools as `{type, name, description, parameters}`; hosted tools unchanged."""
    definitions: list[Any] = []
    for raw in tools or []:
        tool = plain(raw)
        if isinstance(tool, Mapping) and tool.get("type") == "function":
            keys = ("type", "name", "description", "parameters")
            tool = {key: tool[key] for key in keys if tool.get(key) is not None}
        definitions.append(normalize_tool_definition(tool))
    return definitions


def generation_messages(value: Any, role: str) -> list[Message]:
    """A generation span's chat messages (Chat Completions form)."""
    return normalize_messages(plain(value), role) or []


def usage_of(usage: Any) -> Usage | None:
    """Token counts from the span's usage dict or a `ResponseUsage` (both Responses-shaped:
    `input_tokens_details.cached_tokens`, `output_tokens_details.reasoning_tokens`)."""
    usage = plain(usage)
    if not isinstance(usage, Mapping):
        return None
    found = Usage(
        input_tokens=_count(usage.get("input_tokens", usage.get("prompt_tokens"))),
        output_tokens=_count(usage.get("output_tokens", usage.get("completion_tokens"))),
        cache_read_tokens=_count(_get(usage.get("input_tokens_details"), "cached_tokens")),
        reasoning_tokens=_count(_get(usage.get("output_tokens_details"), "reasoning_tokens")),
    )
    if found.input_tokens is None and found.output_tokens is None:
        return None
    return found


def _count(value: Any) -> int | None:
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def tool_input(value: Any) -> Any:
    """A function tool's arguments: the JSON object the model sent, parsed when it is one."""
    return parse_json(value) if isinstance(value, str) else value


def final_output(messages: list[Message]) -> Any:
    """What a run or agent answered, from its last model call's output messages: the text
    when the reply is text only, else the messages (tool calls, handoffs)."""
    text = only_text([part for message in messages for part in message.get("parts", [])])
    return text if text is not None else (messages or None)


def only_text(parts: list[Any]) -> str | None:
    """The text of message parts that are all text, else None."""
    texts = [p.get("content") for p in parts if isinstance(p, dict) and p.get("type") == "text"]
    if parts and len(texts) == len(parts) and all(isinstance(t, str) for t in texts):
        return "".join(str(t) for t in texts)
    return None
