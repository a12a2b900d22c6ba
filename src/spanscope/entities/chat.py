"""Chat messages and tool definitions normalised to the OpenTelemetry GenAI JSON form.

Every integration and OTLP ingest use this one normaliser, so the UI has one chat renderer.

A message is `{"role", "parts": [...], "name"?, "finish_reason"?}`; parts are
`{"type": "text", "content"}`, `{"type": "tool_call", "id", "name", "arguments"}`,
`{"type": "tool_call_response", "id", "response"}`, `{"type": "uri", "modality", "uri"}`,
or any other typed part passed through. Messages already in this form are kept as they are;
OpenAI-style messages (`content`, `tool_calls`, `tool_call_id`) and Anthropic-style content
blocks are converted.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import orjson

__all__ = [
    "MAPPINGS",
    "content_parts",
    "field",
    "first_int",
    "parse_json",
    "normalize_message",
    "normalize_messages",
    "normalize_tool_definition",
    "text_part",
    "tool_call_part",
    "tool_response_part",
]


# What `isinstance` takes for "a mapping": dict first, since nearly every value here is one and
# the Mapping ABC's check costs about ten times the exact type's.
MAPPINGS: Final = (dict, Mapping)


def field(value: Any, name: str) -> Any:
    """`value[name]` or `value.name`, None when absent: library objects are often either."""
    if isinstance(value, MAPPINGS):
        return value.get(name)
    return getattr(value, name, None)


def first_int(*values: Any) -> int | None:
    """The first value that is a number (not a bool), as an int: a token count."""
    for value in values:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return int(value)
    return None


def parse_json(value: Any, containers_only: bool = True) -> Any:
    """`value` decoded when it is JSON text (only to a list or dict unless told otherwise)."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if containers_only and not text.startswith(("{", "[")):
        return value
    try:
        parsed = orjson.loads(text)
    except orjson.JSONDecodeError:
        return value
    if containers_only and not isinstance(parsed, (dict, list)):
        return value
    return parsed


_TEXT_TYPES = frozenset({"text", "input_text", "output_text"})


def text_part(content: Any) -> dict[str, Any]:
    return {"type": "text", "content": content}


def tool_call_part(call_id: Any, name: Any, arguments: Any) -> dict[str, Any]:
    # The GenAI schema records arguments as an object; OpenAI-style ones arrive as JSON text.
    return {"type": "tool_call", "id": call_id, "name": name, "arguments": parse_json(arguments)}


def tool_response_part(call_id: Any, response: Any) -> dict[str, Any]:
    return {"type": "tool_call_response", "id": call_id, "response": response}


def normalize_messages(value: Any, default_role: str) -> list[dict[str, Any]] | None:
    """A list of GenAI messages from a list (or JSON text) of messages; None if not one."""
    value = parse_json(value)
    if isinstance(value, MAPPINGS):
        value = [value]
    if not isinstance(value, list):
        return None
    return [normalize_message(item, default_role) for item in value]


def normalize_message(message: Any, default_role: str) -> dict[str, Any]:
    """One message in GenAI form; a bare value becomes a text message of `default_role`."""
    if not isinstance(message, MAPPINGS):
        return {"role": default_role, "parts": [text_part(message)]}
    if isinstance(message.get("parts"), list):
        return {"role": default_role, **message} if "role" not in message else dict(message)
    role = message.get("role") or default_role
    parts: list[dict[str, Any]] = []
    call_id = message.get("tool_call_id")
    if call_id is None and role == "tool":
        call_id = message.get("id")
    if role == "tool" or call_id is not None:
        parts.append(tool_response_part(call_id, message.get("content")))
    else:
        parts.extend(content_parts(message.get("content")))
    calls = parse_json(message.get("tool_calls"))
    if isinstance(calls, list):
        parts.extend(_tool_call(call) for call in calls)
    function_call = message.get("function_call")  # OpenAI's pre-tools form
    if isinstance(function_call, MAPPINGS):
        parts.append(
            tool_call_part(None, function_call.get("name"), function_call.get("arguments"))
        )
    normalized: dict[str, Any] = {"role": role, "parts": parts}
    if message.get("name"):
        normalized["name"] = message["name"]
    if message.get("finish_reason"):
        normalized["finish_reason"] = message["finish_reason"]
    return normalized


def content_parts(content: Any) -> list[dict[str, Any]]:
    """Parts from an OpenAI / Anthropic `content`: a string, a list of blocks, or one block."""
    if content is None or content == "":
        return []
    if isinstance(content, str):
        blocks = parse_json(content)
        # Some instrumentations store a block list as JSON text; plain text stays text.
        if isinstance(blocks, list) and blocks and all(_is_block(b) for b in blocks):
            return [_part(block) for block in blocks]
        return [text_part(content)]
    if isinstance(content, list):
        return [_part(block) for block in content]
    return [_part(content)]


def normalize_tool_definition(tool: Any) -> Any:
    """`{"type": "function", "name", "description", "parameters"}` from OpenAI / Anthropic forms."""
    tool = parse_json(tool)
    if not isinstance(tool, MAPPINGS):
        return tool
    function = tool.get("function")
    if isinstance(function, MAPPINGS):
        source: Mapping[str, Any] = function
        schema_key = "parameters"
    elif "input_schema" in tool:
        source, schema_key = tool, "input_schema"
    else:
        return dict(tool)
    normalized: dict[str, Any] = {
        "type": tool.get("type") or "function",
        "name": source.get("name"),
    }
    if source.get("description") is not None:
        normalized["description"] = source["description"]
    if schema_key in source:
        normalized["parameters"] = source[schema_key]
    return normalized


def _is_block(value: Any) -> bool:
    return isinstance(value, MAPPINGS) and isinstance(value.get("type"), str)


def _part(block: Any) -> dict[str, Any]:
    if not isinstance(block, MAPPINGS):
        return text_part(block)
    kind = block.get("type")
    if kind in _TEXT_TYPES and "text" in block:
        return text_part(block["text"])
    if kind == "image_url":
        image = block.get("image_url")
        url = image.get("url") if isinstance(image, MAPPINGS) else image
        return {"type": "uri", "modality": "image", "uri": url}
    if kind == "tool_use":
        return tool_call_part(block.get("id"), block.get("name"), block.get("input"))
    if kind == "tool_result":
        return tool_response_part(block.get("tool_use_id"), block.get("content"))
    return dict(block)  # already a GenAI part, or a kind passed through as a generic part


def _tool_call(call: Any) -> dict[str, Any]:
    if not isinstance(call, MAPPINGS):
        return tool_call_part(None, None, call)
    function = call.get("function")
    source = function if isinstance(function, MAPPINGS) else call
    return tool_call_part(call.get("id"), source.get("name"), source.get("arguments"))
