"""Gemini's contents in the GenAI chat shape, as google-genai types them: the wire shape of the
google-genai SDK and of the Google ADK, which sends its requests through it.

Pure functions over the SDK's pydantic objects (`Content`, `Part`, `Tool`, usage metadata) or
their dicts (snake_case, as the SDK's `...Dict` types spell them), no SDK import. Gemini's roles
become GenAI roles (`model` -> `assistant`); parts become GenAI parts: `text` -> text
(`thought` text -> reasoning), `function_call` -> tool_call, `function_response` ->
tool_call_response, `inline_data` -> blob, `file_data` -> uri; any other part is kept as a part
of its own type.
"""

from __future__ import annotations

import base64
import enum
from collections.abc import Callable, Mapping
from typing import Any

from spanscope.entities.chat import field, first_int, text_part, tool_call_part, tool_response_part
from spanscope.tracing.llm import Usage

__all__ = [
    "Declare",
    "content_messages",
    "finish_reason",
    "merge_part",
    "part",
    "plain",
    "system_messages",
    "tool_definitions",
    "usage",
]

Declare = Callable[[Callable[..., Any]], Any]
"""Turns a Python function offered as a tool into its FunctionDeclaration (the SDK does it)."""

_ROLES = {"model": "assistant"}
# Gemini's finish reasons as the GenAI conventions name them; others are kept, in lower case.
_FINISH = {
    "STOP": "stop",
    "MAX_TOKENS": "length",
    "SAFETY": "content_filter",
    "RECITATION": "content_filter",
    "BLOCKLIST": "content_filter",
    "PROHIBITED_CONTENT": "content_filter",
    "SPII": "content_filter",
    "IMAGE_SAFETY": "content_filter",
    "MALFORMED_FUNCTION_CALL": "error",
}
_PART_KINDS = ("executable_code", "code_execution_result", "tool_call", "tool_response")


def plain(value: Any) -> Any:
    """`value` with the SDK's pydantic objects as dicts (unset fields left out), enums as
    their values and functions by name, recursively.

    Lists, tuples and mappings are copied; any other value is returned as it is (bytes are the
    serialiser's), so a one-shot iterator the caller passed is never consumed here.
    """
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items() if item is not None}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, enum.Enum):
        return value.value
    dump = getattr(value, "model_dump", None)
    if callable(dump) and not isinstance(value, type):
        # Python mode: a config may hold functions (tools), which JSON mode cannot encode.
        return plain(dump(exclude_none=True, warnings=False))
    if callable(value) and hasattr(value, "__qualname__"):
        return {"function": value.__qualname__}
    return value


# -- the request ------------------------------------------------------------------------------


def content_messages(contents: Any) -> list[dict[str, Any]] | None:
    """`contents` as GenAI messages; None when it holds nothing to show.

    `contents` may be a string, a part, a `Content` (or its dict), or a list of those, as the
    SDK accepts: strings and loose parts in a row make one user message, as the SDK sends them.
    """
    if contents is None:
        return None
    items = list(contents) if isinstance(contents, (list, tuple)) else [contents]
    messages: list[dict[str, Any]] = []
    loose: list[dict[str, Any]] = []
    for item in items:
        if _is_content(item):
            if loose:
                messages.append({"role": "user", "parts": loose})
                loose = []
            messages.append(_message(item))
        else:
            loose.append(part(item))
    if loose:
        messages.append({"role": "user", "parts": loose})
    return messages or None


def _is_content(item: Any) -> bool:
    if isinstance(item, Mapping):
        return "parts" in item or "role" in item
    return hasattr(item, "parts") and hasattr(item, "role")


def _message(content: Any) -> dict[str, Any]:
    role = field(content, "role") or "user"
    parts = field(content, "parts") or []
    return {"role": _ROLES.get(role, role), "parts": [part(p) for p in parts]}


def system_messages(instruction: Any) -> list[dict[str, Any]] | None:
    """`config.system_instruction` (a string, parts or a `Content`) as one system message."""
    if instruction is None or instruction == "" or instruction == []:
        return None
    if _is_content(instruction):
        parts = [part(p) for p in field(instruction, "parts") or []]
    elif isinstance(instruction, (list, tuple)):
        parts = [part(p) for p in instruction]
    else:
        parts = [part(instruction)]
    return [{"role": "system", "parts": parts}]


def tool_definitions(tools: Any, declare: Declare | None = None) -> list[Any] | None:
    """`config.tools` in the GenAI form: `{"type": "function", "name", "description",
    "parameters"}` per function declaration; a Python function through `declare` (by name
    alone without it); built-in tools (`google_search`, `code_execution`, ...) by their kind."""
    if not isinstance(tools, (list, tuple)) or not tools:
        return None
    definitions: list[Any] = []
    for tool in tools:
        if callable(tool) and not hasattr(tool, "model_dump"):
            definitions.append(_callable_definition(tool, declare))
            continue
        data = plain(tool)
        if not isinstance(data, Mapping):
            definitions.append({"type": "function", "name": str(data)})  # an MCP session...
            continue
        for declaration in data.get("function_declarations") or []:
            definitions.append(_declaration(declaration))
        definitions.extend(
            {"type": kind, **({"config": value} if value else {})}
            for kind, value in data.items()
            if kind != "function_declarations"
        )
    return definitions or None


def _callable_definition(function: Callable[..., Any], declare: Declare | None) -> Any:
    if declare is not None:
        declared = declare(function)
        if declared is not None:
            return _declaration(plain(declared))
    definition: dict[str, Any] = {
        "type": "function",
        "name": getattr(function, "__name__", repr(function)),
    }
    doc = getattr(function, "__doc__", None)
    if doc:
        definition["description"] = doc.strip()
    return definition


def _declaration(declaration: Any) -> dict[str, Any]:
    if not isinstance(declaration, Mapping):
        return {"type": "function", "name": str(declaration)}
    definition: dict[str, Any] = {"type": "function", "name": declaration.get("name")}
    if declaration.get("description") is not None:
        definition["description"] = declaration["description"]
    parameters = declaration.get("parameters_json_schema") or declaration.get("parameters")
    if parameters is not None:
        definition["parameters"] = parameters
    return definition


# -- parts ------------------------------------------------------------------------------------


def part(value: Any) -> dict[str, Any]:
    """One part (a `Part`, its dict, or a string) as a GenAI part."""
    if isinstance(value, str):
        return text_part(value)
    data = plain(value)
    if not isinstance(data, Mapping):
        return {"type": type(value).__name__}  # an image object or file the SDK uploads
    if data.get("text") is not None:
        if data.get("thought"):
            return {"type": "reasoning", "content": data["text"]}
        return text_part(data["text"])
    call = data.get("function_call")
    if isinstance(call, Mapping):
        return tool_call_part(call.get("id"), call.get("name"), call.get("args") or {})
    response = data.get("function_response")
    if isinstance(response, Mapping):
        result = tool_response_part(response.get("id"), response.get("response"))
        if response.get("name"):
            result["name"] = response["name"]  # Gemini often sends no call ids
        return result
    inline = data.get("inline_data")
    if isinstance(inline, Mapping):
        mime = inline.get("mime_type")
        content = inline.get("data")
        if isinstance(content, (bytes, bytearray)):
            content = base64.b64encode(bytes(content)).decode()
        return {"type": "blob", "modality": _modality(mime), "mime_type": mime, "content": content}
    file = data.get("file_data")
    if isinstance(file, Mapping):
        mime = file.get("mime_type")
        return {
            "type": "uri",
            "modality": _modality(mime),
            "mime_type": mime,
            "uri": file.get("file_uri"),
        }
    for kind in _PART_KINDS:
        if kind in data:
            return {"type": kind, **plain(data[kind])}
    return dict(data)


def _modality(mime_type: Any) -> str | None:
    if not isinstance(mime_type, str) or "/" not in mime_type:
        return None
    kind = mime_type.split("/", 1)[0]
    return kind if kind in ("image", "video", "audio") else mime_type


# -- the response -----------------------------------------------------------------------------


def usage(response: Any) -> Usage | None:
    """Token usage: input tokens include cached ones and the prompts of built-in tools; output
    tokens include thoughts (both as the GenAI conventions count them)."""
    counts = field(response, "usage_metadata")
    if counts is None:
        return None
    prompt = first_int(field(counts, "prompt_token_count"))
    tool_prompt = first_int(field(counts, "tool_use_prompt_token_count"))
    candidates = first_int(field(counts, "candidates_token_count"))
    thoughts = first_int(field(counts, "thoughts_token_count"))
    inputs = None if prompt is None and tool_prompt is None else (prompt or 0) + (tool_prompt or 0)
    outputs = None if candidates is None else candidates + (thoughts or 0)
    return Usage(
        input_tokens=inputs,
        output_tokens=outputs,
        cache_read_tokens=first_int(field(counts, "cached_content_token_count")),
        reasoning_tokens=thoughts,
    )


def finish_reason(reason: Any, calls_function: bool = False) -> str | None:
    """A Gemini finish reason (`STOP`, `MAX_TOKENS`...) in GenAI terms: `stop`, `length`,
    `content_filter`, ..., `tool_call` for a reply that stopped to call a function; others in
    lower case; None for none."""
    reason = plain(reason)
    if not isinstance(reason, str) or not reason:
        return None
    mapped = _FINISH.get(reason.upper(), reason.lower())
    return "tool_call" if mapped == "stop" and calls_function else mapped


def merge_part(parts: list[dict[str, Any]], piece: Any) -> None:
    """Add one part (as a dict) of a streamed reply to `parts`: text joins the text before it
    when both are answer or both thought; any other part is added whole."""
    if not isinstance(piece, dict):
        return
    last = parts[-1] if parts else None
    if (
        last is not None
        and isinstance(piece.get("text"), str)
        and isinstance(last.get("text"), str)
        and bool(last.get("thought")) == bool(piece.get("thought"))
        and set(last) <= {"text", "thought"}
    ):
        last["text"] += piece["text"]
        return
    parts.append(dict(piece))
