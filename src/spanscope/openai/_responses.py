"""The Responses API's input items, responses and stream events in the GenAI shape.

Pure functions, like `_messages`, over the SDK's objects or the equivalent dicts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from spanscope.entities.chat import (
    content_parts,
    normalize_message,
    text_part,
    tool_call_part,
    tool_response_part,
)
from spanscope.openai._messages import Message, Output, get, plain

__all__ = [
    "assemble_responses_stream",
    "responses_error",
    "responses_input_messages",
    "responses_output",
    "responses_tools",
]


def responses_input_messages(value: Any) -> list[Message]:
    """The request's `input`: a string, or items (messages, function calls and their outputs,
    reasoning). Items the model produced in a row (a reasoning item and its function calls)
    become one assistant message, as they were one turn."""
    if isinstance(value, str):
        return [{"role": "user", "parts": [text_part(value)]}]
    if not isinstance(value, (list, tuple)):
        return []
    messages: list[Message] = []
    for raw in value:
        item = plain(raw)
        if not isinstance(item, Mapping):
            messages.append(normalize_message(item, "user"))
            continue
        message = _input_item(item)
        produced = item.get("type") not in (None, "message")
        if produced and not message["parts"]:
            continue  # e.g. reasoning without a summary: nothing to show
        last = messages[-1] if messages else None
        if produced and last is not None and message["role"] == last["role"] == "assistant":
            last["parts"].extend(message["parts"])
        else:
            messages.append(message)
    return messages


def _input_item(item: Mapping[str, Any]) -> Message:
    kind = item.get("type")
    if kind in (None, "message"):
        return {"role": item.get("role") or "user", "parts": _content(item.get("content"))}
    if kind in ("function_call_output", "custom_tool_call_output"):
        return {
            "role": "tool",
            "parts": [tool_response_part(item.get("call_id"), item.get("output"))],
        }
    part = _item_part(item)
    role = "tool" if str(kind).endswith("_output") else "assistant"
    return {"role": role, "parts": [part] if part else []}


def _item_part(item: Mapping[str, Any]) -> dict[str, Any] | None:
    """The part for an output item other than a message (None: nothing to show)."""
    kind = item.get("type")
    if kind == "function_call":
        return tool_call_part(item.get("call_id"), item.get("name"), item.get("arguments"))
    if kind == "custom_tool_call":
        return tool_call_part(item.get("call_id"), item.get("name"), item.get("input"))
    if kind == "reasoning":
        texts = [get(s, "text") for s in item.get("summary") or []]
        texts += [get(c, "text") for c in item.get("content") or []]
        shown = [t for t in texts if isinstance(t, str) and t]
        return {"type": "reasoning", "content": "\n".join(shown)} if shown else None
    return dict(item)  # built-in tools (web search, file search, ...) as typed parts


def _content(content: Any) -> list[dict[str, Any]]:
    if not isinstance(content, (list, tuple)):
        return content_parts(content)
    return [_content_part(plain(part)) for part in content]


def _content_part(part: Any) -> dict[str, Any]:
    kind = get(part, "type")
    if kind == "refusal":
        return {"type": "refusal", "content": get(part, "refusal")}
    if kind == "input_image" and isinstance(get(part, "image_url"), str):
        return {"type": "uri", "modality": "image", "uri": get(part, "image_url")}
    if kind in ("input_text", "output_text") and isinstance(part, Mapping):
        return text_part(part.get("text"))  # drops `annotations`, `logprobs`, `parsed`
    return content_parts([part])[0]


def responses_tools(tools: Any) -> list[Any]:
    """Function tools as `{type, name, description, parameters}`; built-in tools unchanged."""
    if not isinstance(tools, (list, tuple)):
        return []
    definitions: list[Any] = []
    for raw in tools:
        tool = plain(raw)
        if isinstance(tool, Mapping) and tool.get("type") == "function":
            keys = ("type", "name", "description", "parameters")
            tool = {key: tool[key] for key in keys if tool.get(key) is not None}
        definitions.append(tool)
    return definitions


def responses_output(response: Any) -> Output:
    """One assistant message with every output item as a part, and a finish reason derived
    from the response status (the Responses API has none of its own)."""
    parts: list[dict[str, Any]] = []
    for raw in get(response, "output", []):
        item = plain(raw)
        if get(item, "type") == "message":
            parts.extend(_content_part(plain(p)) for p in get(item, "content", []))
        elif isinstance(item, Mapping):
            part = _item_part(item)
            if part:
                parts.append(part)
    if not parts:
        return [], []
    message: Message = {"role": "assistant", "parts": parts}
    reason = _finish_reason(response, parts)
    if reason:
        message["finish_reason"] = reason
    return [message], [reason]


_INCOMPLETE = {"max_output_tokens": "length"}


def _finish_reason(response: Any, parts: list[dict[str, Any]]) -> str | None:
    status = get(response, "status")
    if status == "completed":
        calls = any(part.get("type") == "tool_call" for part in parts)
        return "tool_calls" if calls else "stop"
    if status == "incomplete":
        reason = get(get(response, "incomplete_details"), "reason")
        return _INCOMPLETE.get(reason, reason) if isinstance(reason, str) else "incomplete"
    if status == "failed":
        return "error"
    return status if status == "cancelled" else None


def responses_error(response: Any) -> str | None:
    """`"<code>: <message>"` of a failed response (or a stream's error event), else None."""
    error = get(response, "error")
    if error is None:
        return None
    code, message = get(error, "code"), get(error, "message", "")
    return f"{code}: {message}" if code else str(message or error)


_FINAL_EVENTS = frozenset({"response.completed", "response.incomplete", "response.failed"})
_START_EVENTS = frozenset({"response.created", "response.in_progress", "response.queued"})


def assemble_responses_stream(events: Iterable[Any]) -> dict[str, Any]:
    """The response (as JSON) a Responses API event stream adds up to: the final response of
    `response.completed` (or `.incomplete` / `.failed`); for a stream cut short, the started
    response with the output items and text/argument deltas received so far."""
    final: Any = None
    started: dict[str, Any] = {}
    items: dict[int, dict[str, Any]] = {}
    error: dict[str, Any] | None = None
    for event in events:
        kind = get(event, "type")
        if kind in _FINAL_EVENTS:
            final = get(event, "response")
        elif kind in _START_EVENTS:
            started = dict(plain(get(event, "response", {})))
        elif kind in ("response.output_item.added", "response.output_item.done"):
            items[get(event, "output_index", 0)] = dict(plain(get(event, "item", {})))
        elif kind in ("response.content_part.added", "response.output_text.delta"):
            _add_text(items, event)
        elif kind == "response.function_call_arguments.delta":
            item = items.setdefault(get(event, "output_index", 0), {"type": "function_call"})
            item["arguments"] = (item.get("arguments") or "") + get(event, "delta", "")
        elif kind == "error":
            error = {"code": get(event, "code"), "message": get(event, "message")}
    response = dict(plain(final)) if final is not None else {**started}
    if not response.get("output") and items:
        response["output"] = [items[i] for i in sorted(items)]
    if error is not None and not response.get("error"):
        response["error"] = error
    return response


def _add_text(items: dict[int, dict[str, Any]], event: Any) -> None:
    item = items.setdefault(get(event, "output_index", 0), {"type": "message", "role": "assistant"})
    content = item["content"] = list(item.get("content") or [])
    index = get(event, "content_index", 0)
    while len(content) <= index:
        content.append({"type": "output_text", "text": ""})
    if get(event, "type") == "response.content_part.added":
        content[index] = dict(plain(get(event, "part", {})))
    else:
        part = content[index] = dict(content[index])
        part["text"] = (part.get("text") or "") + get(event, "delta", "")
