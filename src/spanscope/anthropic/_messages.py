"""Anthropic Messages payloads in the GenAI chat shape: pure functions, no SDK import.

Everything here takes the request's keyword arguments, `Message` objects (pydantic) or their
JSON (dicts), and stream events of either kind, and returns plain data for `spanscope.tracing.llm`.
Content blocks become GenAI parts: `text` -> text, `thinking` -> reasoning, `tool_use` (and the
server / MCP variants) -> tool_call, `tool_result` (and `*_tool_result`) -> tool_call_response,
`image` -> blob / uri; any other block is kept as a part of its own type.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from spanscope.entities.chat import (
    field,
    normalize_tool_definition,
    parse_json,
    text_part,
    tool_call_part,
    tool_response_part,
)
from spanscope.tracing.llm import Usage

__all__ = [
    "assemble",
    "block_part",
    "block_parts",
    "finish_reasons",
    "input_messages",
    "output_messages",
    "plain",
    "request_inputs",
    "request_model",
    "response_ids",
    "response_outputs",
    "system_messages",
    "tool_definitions",
    "usage",
]

# Request arguments left out of a span's inputs: headers may carry credentials.
_PRIVATE_ARGUMENTS = frozenset({"extra_headers"})
_TOOL_CALLS = frozenset({"tool_use", "server_tool_use", "mcp_tool_use"})


def plain(value: Any) -> Any:
    """`value` with pydantic models turned into dicts (JSON mode), recursively.

    Lists, tuples and mappings are copied; any other iterable is returned as it is, so a
    one-shot iterator the caller passed is never consumed here.
    """
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    dump = getattr(value, "model_dump", None)
    if callable(dump) and not isinstance(value, type):
        # warnings=False: a model the SDK built without validation must not warn on our behalf.
        return dump(mode="json", warnings=False)
    return value


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


# -- the request ------------------------------------------------------------------------------


def request_inputs(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """A span's inputs: the request's keyword arguments, without headers."""
    return {key: value for key, value in kwargs.items() if key not in _PRIVATE_ARGUMENTS}


def request_model(kwargs: Mapping[str, Any]) -> str | None:
    model = kwargs.get("model")
    return model if isinstance(model, str) else None


def input_messages(messages: Any) -> list[dict[str, Any]] | None:
    """The `messages` argument as GenAI messages; None unless it is a list or tuple."""
    if not isinstance(messages, (list, tuple)):
        return None
    normalized = []
    for message in messages:
        message = plain(message)
        if isinstance(message, Mapping):
            role = message.get("role") or "user"
            normalized.append({"role": role, "parts": block_parts(message.get("content"))})
        else:
            normalized.append({"role": "user", "parts": block_parts(message)})
    return normalized


def system_messages(system: Any) -> list[dict[str, Any]] | None:
    """The `system` argument (a string or text blocks) as one system message; None if absent."""
    if system is None or system == "" or system == []:
        return None
    return [{"role": "system", "parts": block_parts(system)}]


def tool_definitions(tools: Any) -> list[Any] | None:
    """Tool definitions in the GenAI form: `{"type", "name", "description", "parameters"}`.

    Tools may be dicts, pydantic models or the SDK's tool helpers (`beta_tool`), which give their
    definition through `to_dict()`; server tools (web search, ...) are kept as they are.
    """
    if not isinstance(tools, (list, tuple)) or not tools:
        return None
    definitions = []
    for tool in tools:
        to_dict = getattr(tool, "to_dict", None)
        if not isinstance(tool, Mapping) and callable(to_dict):
            tool = to_dict()
        definitions.append(normalize_tool_definition(plain(tool)))
    return definitions


# -- content blocks ---------------------------------------------------------------------------


def block_parts(content: Any) -> list[dict[str, Any]]:
    """GenAI parts from a `content`: a string, a list of blocks, or one block."""
    if content is None or content == "":
        return []
    if isinstance(content, str):
        return [text_part(content)]
    if isinstance(content, (list, tuple)):
        return [block_part(block) for block in content]
    return [block_part(content)]


def block_part(block: Any) -> dict[str, Any]:
    """One content block (dict or pydantic) as a GenAI part."""
    block = plain(block)
    if not isinstance(block, Mapping):
        return text_part(block)
    kind = block.get("type")
    if kind == "text":
        return text_part(block.get("text"))
    if kind == "thinking":
        return {"type": "reasoning", "content": block.get("thinking")}
    if kind in _TOOL_CALLS:
        return tool_call_part(block.get("id"), block.get("name"), block.get("input"))
    if kind == "tool_result" or (isinstance(kind, str) and kind.endswith("_tool_result")):
        return tool_response_part(block.get("tool_use_id"), block.get("content"))
    if kind == "image":
        return _image_part(block)
    return dict(block)


def _image_part(block: Mapping[str, Any]) -> dict[str, Any]:
    source = block.get("source")
    if not isinstance(source, Mapping):
        return dict(block)
    if source.get("type") == "base64":
        return {
            "type": "blob",
            "modality": "image",
            "mime_type": source.get("media_type"),
            "content": source.get("data"),
        }
    if source.get("type") == "url":
        return {"type": "uri", "modality": "image", "uri": source.get("url")}
    if source.get("type") == "file":
        return {"type": "file", "modality": "image", "file_id": source.get("file_id")}
    return dict(block)


# -- the response -----------------------------------------------------------------------------


def response_outputs(message: Any) -> Any:
    """A span's outputs: the Message, plus the `parsed_output` of `parse()`, which its dump
    leaves out."""
    parsed = None if isinstance(message, Mapping) else getattr(message, "parsed_output", None)
    if parsed is None:
        return message
    return {**plain(message), "parsed_output": plain(parsed)}


def output_messages(message: Any) -> list[dict[str, Any]]:
    """The reply as one GenAI assistant message."""
    role = field(message, "role") or "assistant"
    return [{"role": role, "parts": block_parts(field(message, "content"))}]


def finish_reasons(message: Any) -> list[str]:
    """`stop_reason` as the finish reasons (Anthropic's own values: end_turn, tool_use, ...)."""
    reason = field(message, "stop_reason")
    return [reason] if isinstance(reason, str) and reason else []


def response_ids(message: Any) -> tuple[str | None, str | None]:
    """(response model, response id)."""
    model, message_id = field(message, "model"), field(message, "id")
    return (
        model if isinstance(model, str) else None,
        message_id if isinstance(message_id, str) else None,
    )


def usage(message: Any, complete: bool = True) -> Usage | None:
    """Token usage. Input tokens include the cache reads and writes, as the GenAI conventions
    ask (Anthropic's own `input_tokens` excludes them); both are also given on their own.

    `complete` is False for a stream that ended before `message_delta`, whose output count is
    still the placeholder of `message_start`.
    """
    counts = field(message, "usage")
    if counts is None:
        return None
    fresh = _count(field(counts, "input_tokens"))
    cache_read = _count(field(counts, "cache_read_input_tokens"))
    cache_creation = _count(field(counts, "cache_creation_input_tokens"))
    details = field(counts, "output_tokens_details")
    total = None if fresh is None else fresh + (cache_read or 0) + (cache_creation or 0)
    return Usage(
        input_tokens=total,
        output_tokens=_count(field(counts, "output_tokens")) if complete else None,
        cache_read_tokens=cache_read,
        cache_creation_tokens=cache_creation,
        reasoning_tokens=_count(field(details, "thinking_tokens")) if details else None,
    )


# -- streams ----------------------------------------------------------------------------------


def assemble(events: Iterable[Any]) -> tuple[dict[str, Any] | None, bool]:
    """The message a stream's raw events add up to, and whether it is complete.

    The message has the shape of a non-streamed `Message` dumped to JSON: `message_start` gives
    its fields, `content_block_*` its content (text, thinking and signature deltas appended,
    `input_json_delta` pieces parsed at the end), `message_delta` its stop reason and final
    usage. It is None before `message_start`; complete once `message_delta` arrived.
    """
    message: dict[str, Any] | None = None
    blocks: dict[int, dict[str, Any]] = {}
    tool_inputs: dict[int, str] = {}
    complete = False
    for event in events:
        kind = field(event, "type")
        if kind == "message_start":
            message = plain(field(event, "message")) or {}
            blocks = dict(enumerate(plain(message.get("content")) or []))
            continue
        if message is None:
            continue
        index = field(event, "index")
        if kind == "content_block_start" and isinstance(index, int):
            blocks[index] = plain(field(event, "content_block")) or {}
        elif kind == "content_block_delta" and isinstance(index, int):
            block = blocks.setdefault(index, {})
            _apply_delta(block, plain(field(event, "delta")), index, tool_inputs)
        elif kind == "message_delta":
            complete = True
            delta = plain(field(event, "delta")) or {}
            message["stop_reason"] = delta.get("stop_reason")
            message["stop_sequence"] = delta.get("stop_sequence")
            message.update({k: v for k, v in delta.items() if v is not None})
            # The final usage: cumulative counts, merged over those of message_start.
            final = plain(field(event, "usage")) or {}
            counts = message.get("usage")
            message["usage"] = {
                **(counts if isinstance(counts, dict) else {}),
                **{k: v for k, v in final.items() if v is not None},
            }
    if message is None:
        return None, False
    for index, text in tool_inputs.items():
        if text:
            # Incomplete JSON (a stream cut short) stays the text received so far.
            blocks[index]["input"] = parse_json(text)
    message["content"] = [blocks[index] for index in sorted(blocks)]
    return message, complete


def _apply_delta(
    block: dict[str, Any], delta: Any, index: int, tool_inputs: dict[int, str]
) -> None:
    if not isinstance(delta, Mapping):
        return
    kind = delta.get("type")
    if kind == "text_delta":
        block["text"] = (block.get("text") or "") + (delta.get("text") or "")
    elif kind == "input_json_delta":
        tool_inputs[index] = tool_inputs.get(index, "") + (delta.get("partial_json") or "")
    elif kind == "thinking_delta":
        block["thinking"] = (block.get("thinking") or "") + (delta.get("thinking") or "")
    elif kind == "signature_delta":
        block["signature"] = delta.get("signature")
    elif kind == "citations_delta":
        block["citations"] = [*(block.get("citations") or []), delta.get("citation")]
