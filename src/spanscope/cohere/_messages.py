"""Cohere v2 payloads in the GenAI chat shape: pure functions, no SDK import.

Everything here takes the call's keyword arguments (`model`, `messages`, `tools`, ...), the
SDK's pydantic objects or their dicts, and returns plain data for `spanscope.tracing.llm`.
Cohere's messages are close to OpenAI's: `content` is a string or a list of items (`text`,
`thinking` -> reasoning, `image_url`, `document`), an assistant message may carry a
`tool_plan` (recorded as reasoning: the model's plan before calling tools) and `tool_calls`
with JSON-text arguments, a `tool` message answers one call by `tool_call_id`.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from typing import Any

from spanscope.entities.chat import (
    MAPPINGS,
    field,
    first_int,
    parse_json,
    text_part,
    tool_call_part,
    tool_response_part,
)
from spanscope.entities.serialization import loads
from spanscope.tracing.llm import Usage
from spanscope.tracing.wire import sse_data

__all__ = [
    "assemble",
    "embedding_usage",
    "finish_reasons",
    "input_messages",
    "output_messages",
    "plain",
    "request_inputs",
    "response_id",
    "response_outputs",
    "stream_events",
    "tool_definitions",
    "usage",
]

# Cohere's finish reasons as the GenAI conventions name them; others are kept, in lower case.
_FINISH = {
    "COMPLETE": "stop",
    "STOP_SEQUENCE": "stop",
    "MAX_TOKENS": "length",
    "TOOL_CALL": "tool_call",
    "ERROR": "error",
}


_SCALARS = frozenset({str, int, float, bool, type(None)})


def plain(value: Any) -> Any:
    """`value` with the SDK's pydantic objects as dicts under their wire names (unset fields
    and the SDK's "omitted" marker left out) and the caller's enums as their values,
    recursively."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    if isinstance(value, MAPPINGS):
        return {
            str(key): plain(item)
            for key, item in value.items()
            if item is not None and item is not Ellipsis
        }
    if kind is list or isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, enum.Enum):
        return value.value
    dump = getattr(value, "model_dump", None)
    if callable(dump) and not isinstance(value, type):
        # In one pass (the SDK's responses never hold its "omitted" marker, which only the
        # caller's arguments carry). Python mode: a quarter of JSON mode's cost on the SDK's
        # models, the same values for its wire types; the span's serialiser takes the rest.
        return dump(by_alias=True, exclude_none=True, warnings=False)
    return value


# -- the request ------------------------------------------------------------------------------


def request_inputs(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """A span's inputs: the arguments the caller gave (the SDK fills the others with an
    "omitted" marker). `request_options` is left out: it may carry headers and keys."""
    return {
        key: plain(value)
        for key, value in kwargs.items()
        if key != "request_options" and value is not None and value is not Ellipsis
    }


def input_messages(
    items: Any,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]] | None]:
    """(the conversation as GenAI messages, the leading system messages or None), from the
    request's `messages` as plain data (see `plain`)."""
    if isinstance(items, (str, Mapping)):
        items = [items]
    if not isinstance(items, list):
        return [], None
    converted = [message(item) for item in items]
    lead = 0
    while lead < len(converted) and converted[lead]["role"] == "system":
        lead += 1
    return converted[lead:], converted[:lead] or None


def message(data: Any) -> dict[str, Any]:
    """One Cohere message, as plain data, as a GenAI message."""
    if not isinstance(data, MAPPINGS):
        return {"role": "user", "parts": [text_part(data)]}
    role = str(data.get("role") or "user")
    if role == "tool":
        response = _tool_result(data.get("content"))
        return {"role": "tool", "parts": [tool_response_part(data.get("tool_call_id"), response)]}
    parts: list[dict[str, Any]] = []
    if data.get("tool_plan"):
        parts.append({"type": "reasoning", "content": data["tool_plan"]})
    parts.extend(content_parts(data.get("content")))
    parts.extend(_tool_call(call) for call in data.get("tool_calls") or [])
    return {"role": role, "parts": parts}


def content_parts(content: Any) -> list[dict[str, Any]]:
    """A message's `content` (a string or a list of items) as GenAI parts."""
    if content is None or content == "":
        return []
    if isinstance(content, str):
        return [text_part(content)]
    items = content if isinstance(content, list) else [content]
    return [_item(item) for item in items]


def _item(item: Any) -> dict[str, Any]:
    if isinstance(item, str):
        return text_part(item)
    if not isinstance(item, MAPPINGS):
        return {"type": type(item).__name__}
    kind = item.get("type")
    if kind == "text" or (kind is None and "text" in item):
        return text_part(item.get("text"))
    if kind == "thinking":
        return {"type": "reasoning", "content": item.get("thinking")}
    if kind == "image_url":
        image = item.get("image_url")
        url = image.get("url") if isinstance(image, MAPPINGS) else image
        return {"type": "uri", "modality": "image", "uri": url}
    return {key: value for key, value in item.items()}


def _tool_result(content: Any) -> Any:
    """A tool message's content: its text (JSON decoded to an object where it is one), or
    the documents it returned."""
    if isinstance(content, str):
        return parse_json(content)
    if isinstance(content, list):
        texts = [i.get("text") for i in content if isinstance(i, MAPPINGS) and "text" in i]
        if len(texts) == len(content) and len(texts) == 1:
            return parse_json(texts[0])
        return [_item(item) for item in content]
    return content


def _tool_call(call: Any) -> dict[str, Any]:
    function = field(call, "function") or {}
    return tool_call_part(field(call, "id"), field(function, "name"), field(function, "arguments"))


def tool_definitions(tools: Any) -> list[Any] | None:
    """The request's `tools`, as plain data (`{"type": "function", "function": {...}}`, the
    OpenAI form the span's tool definitions are normalised from)."""
    return tools if isinstance(tools, list) and tools else None


# -- the response -----------------------------------------------------------------------------


def response_outputs(response: Any) -> Any:
    """A span's outputs: the response as JSON."""
    return plain(response)


def output_messages(response: Any) -> list[dict[str, Any]]:
    """The one assistant message of a chat response, as plain data."""
    reply = field(response, "message")
    if not isinstance(reply, MAPPINGS):
        return []
    return [message({**reply, "role": "assistant"})]


def finish_reasons(response: Any) -> list[str | None]:
    reason = field(response, "finish_reason")
    if not isinstance(reason, str) or not reason:
        return [None]
    return [_FINISH.get(reason.upper(), reason.lower())]


def response_id(response: Any) -> str | None:
    value = field(response, "id")
    return value if isinstance(value, str) else None


def usage(response: Any) -> Usage | None:
    """Token usage of a chat: `usage.tokens` (what the model read and wrote), else
    `usage.billed_units` (the same call as billed; never added to the first)."""
    counts = field(response, "usage")
    if counts is None:
        return None
    tokens, billed = field(counts, "tokens"), field(counts, "billed_units")
    cached = first_int(field(counts, "cached_tokens"))
    return Usage(
        input_tokens=first_int(field(tokens, "input_tokens"), field(billed, "input_tokens")),
        output_tokens=first_int(field(tokens, "output_tokens"), field(billed, "output_tokens")),
        cache_read_tokens=cached if cached else None,
    )


def embedding_usage(response: Any) -> Usage | None:
    """Input tokens of an embed call, from `meta.tokens`, else `meta.billed_units`."""
    meta = field(response, "meta")
    tokens = first_int(
        field(field(meta, "tokens"), "input_tokens"),
        field(field(meta, "billed_units"), "input_tokens"),
    )
    return Usage(input_tokens=tokens) if tokens is not None else None


# -- streams ----------------------------------------------------------------------------------


def assemble(events: Iterable[Any]) -> dict[str, Any] | None:
    """The response a chat stream's events add up to, shaped like a non-streamed one as JSON.

    Content items and tool calls are rebuilt by their `index` from their start and delta
    events, the tool plan from its deltas; `message-end` gives the finish reason and usage.
    None before the first event.
    """
    response: dict[str, Any] | None = None
    content: dict[int, dict[str, Any]] = {}
    calls: dict[int, dict[str, Any]] = {}
    plan = ""
    citations: list[Any] = []
    for event in events:
        data = plain(event)
        if not isinstance(data, MAPPINGS):
            continue
        if response is None:
            response = {}
        kind = data.get("type")
        delta = _mapping(data.get("delta"))
        piece = _mapping(delta.get("message"))
        index = data.get("index")
        if not isinstance(index, int):
            index = 0
        if kind == "message-start" and data.get("id"):
            response["id"] = data["id"]
        elif kind in ("content-start", "content-delta"):
            item = piece.get("content")
            if isinstance(item, MAPPINGS):
                _merge_text(content.setdefault(index, {}), item)
        elif kind == "tool-plan-delta":
            plan += str(piece.get("tool_plan") or "")
        elif kind in ("tool-call-start", "tool-call-delta"):
            call = piece.get("tool_calls")
            if isinstance(call, MAPPINGS):
                _merge_call(calls.setdefault(index, {}), call)
        elif kind == "citation-start":
            citations.append(piece.get("citations"))
        elif kind == "message-end":
            for key in ("finish_reason", "usage", "error"):
                if delta.get(key) is not None:
                    response[key] = delta[key]
    if response is None:
        return None
    reply: dict[str, Any] = {"role": "assistant"}
    if plan:
        reply["tool_plan"] = plan
    if calls:
        reply["tool_calls"] = [calls[i] for i in sorted(calls)]
    if content:
        reply["content"] = [content[i] for i in sorted(content)]
    if citations:
        reply["citations"] = citations
    return {**response, "message": reply}


def stream_events(body: list[bytes]) -> list[dict[str, Any]]:
    """The events of a chat stream, as JSON, from the bytes of its body so far (see
    `spanscope.tracing.wire`): what the SDK parses its events from, skipping what it skips
    (empty data, data that is not a JSON object) and ending where it ends (`[DONE]`)."""
    events: list[dict[str, Any]] = []
    for data in sse_data(b"".join(body[:])):  # a copy: the caller's thread may be appending
        if data == "[DONE]":
            break
        try:
            event = loads(data) if data else None
        except ValueError:
            continue
        if type(event) is dict:
            events.append(event)
    return events


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, MAPPINGS) else {}


def _merge_text(item: dict[str, Any], piece: Mapping[str, Any]) -> None:
    for key, value in piece.items():
        if key in ("text", "thinking") and isinstance(value, str):
            item[key] = item.get(key, "") + value
        else:
            item[key] = value
    if "type" not in item:
        item["type"] = "thinking" if "thinking" in item else "text"


def _merge_call(call: dict[str, Any], piece: Mapping[str, Any]) -> None:
    for key, value in piece.items():
        if key != "function":
            call[key] = value
    function = piece.get("function")
    if isinstance(function, MAPPINGS):
        merged = call.setdefault("function", {})
        for key, value in function.items():
            if key == "arguments" and isinstance(value, str):
                merged["arguments"] = merged.get("arguments", "") + value
            else:
                merged[key] = value
