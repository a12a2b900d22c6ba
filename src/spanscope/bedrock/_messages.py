"""Bedrock's Converse payloads in the GenAI chat shape: pure functions, no boto3 import.

Converse speaks one shape for every model: messages of `{"role", "content": [block]}`, where
a block is one of `text`, `toolUse`, `toolResult`, `image`, `document`, `video`,
`reasoningContent`, `guardContent` or `cachePoint`. They become GenAI parts: text -> text,
`toolUse` -> tool_call, `toolResult` -> tool_call_response, an image (bytes) -> blob (an S3
location: uri), reasoning -> reasoning; cache points mark the prompt cache and are left out;
any other block is kept as a part of its own type.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping
from typing import Any

from spanscope.entities.chat import (
    field,
    first_int,
    parse_json,
    text_part,
    tool_call_part,
    tool_response_part,
)
from spanscope.tracing.llm import Usage

__all__ = [
    "assemble",
    "block_part",
    "finish_reason",
    "input_messages",
    "output_messages",
    "plain",
    "request_inputs",
    "response_outputs",
    "system_parts",
    "tool_definitions",
    "usage",
]

# Bedrock's stop reasons as the GenAI conventions name them; others are kept as they are.
_FINISH = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "tool_use": "tool_call",
    "guardrail_intervened": "content_filter",
    "content_filtered": "content_filter",
}
_MODALITIES = {"image": "image", "video": "video", "audio": "audio"}


def plain(value: Any) -> Any:
    """`value` as JSON-friendly data: mappings and sequences copied, bytes as base64 text.

    botocore hands back (and takes) plain dicts and lists; only media blocks carry bytes.
    """
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode()
    return value


# -- the request ------------------------------------------------------------------------------


def request_inputs(params: Mapping[str, Any]) -> dict[str, Any]:
    """A span's inputs: the operation's parameters (`modelId`, `messages`, `system`, ...)."""
    return {str(key): plain(value) for key, value in params.items()}


def input_messages(messages: Any) -> list[dict[str, Any]] | None:
    """Converse `messages` as GenAI messages; None when there are none."""
    if not isinstance(messages, (list, tuple)):
        return None
    return [_message(message) for message in messages if isinstance(message, Mapping)] or None


def _message(message: Mapping[str, Any]) -> dict[str, Any]:
    parts = [block_part(block) for block in message.get("content") or []]
    return {
        "role": message.get("role") or "user",
        "parts": [part for part in parts if part is not None],
    }


def system_parts(system: Any) -> list[dict[str, Any]] | None:
    """The `system` blocks as one system message (text blocks; guard content as text)."""
    if not isinstance(system, (list, tuple)) or not system:
        return None
    parts = [part for part in map(block_part, system) if part is not None]
    return [{"role": "system", "parts": parts}] if parts else None


def tool_definitions(tool_config: Any) -> list[dict[str, Any]] | None:
    """`toolConfig.tools` in the GenAI form: `{"type": "function", "name", "description",
    "parameters"}` per `toolSpec`; a built-in (system) tool by its name."""
    tools = field(tool_config, "tools")
    if not isinstance(tools, (list, tuple)):
        return None
    definitions: list[dict[str, Any]] = []
    for tool in tools:
        spec = field(tool, "toolSpec")
        if isinstance(spec, Mapping):
            definition: dict[str, Any] = {"type": "function", "name": spec.get("name")}
            if spec.get("description") is not None:
                definition["description"] = spec["description"]
            schema = field(spec.get("inputSchema"), "json")
            if schema is not None:
                definition["parameters"] = plain(schema)
            definitions.append(definition)
        elif isinstance(field(tool, "systemTool"), Mapping):
            definitions.append({"type": "system_tool", "name": tool["systemTool"].get("name")})
    return definitions or None


# -- blocks -----------------------------------------------------------------------------------


def block_part(block: Any) -> dict[str, Any] | None:
    """One content block as a GenAI part; None for a cache point."""
    if not isinstance(block, Mapping):
        return text_part(block)
    if "text" in block:
        return text_part(block["text"])
    if "cachePoint" in block:
        return None
    use = block.get("toolUse")
    if isinstance(use, Mapping):
        return tool_call_part(use.get("toolUseId"), use.get("name"), plain(use.get("input")))
    result = block.get("toolResult")
    if isinstance(result, Mapping):
        part = tool_response_part(result.get("toolUseId"), _result(result.get("content")))
        if result.get("status"):
            part["status"] = result["status"]
        return part
    reasoning = block.get("reasoningContent")
    if isinstance(reasoning, Mapping):
        text = field(reasoning.get("reasoningText"), "text")
        return {"type": "reasoning", "content": text if text is not None else plain(reasoning)}
    guard = block.get("guardContent")
    if isinstance(guard, Mapping) and isinstance(guard.get("text"), Mapping):
        return text_part(guard["text"].get("text"))
    for kind, modality in _MODALITIES.items():
        if isinstance(block.get(kind), Mapping):
            return _media(block[kind], modality)
    if len(block) == 1:  # a document, a citation...: kept as a part of its own type
        ((kind, value),) = block.items()
        if isinstance(value, Mapping):
            return {"type": str(kind), **plain(value)}
    return {"type": "unknown", "block": plain(block)}


def _result(content: Any) -> Any:
    """A tool result's content: its text when it is one text block, its JSON when one JSON
    block, else the blocks."""
    if isinstance(content, (list, tuple)) and len(content) == 1 and isinstance(content[0], Mapping):
        (only,) = content
        if "text" in only:
            return only["text"]
        if "json" in only:
            return plain(only["json"])
    return plain(content)


def _media(media: Mapping[str, Any], modality: str) -> dict[str, Any]:
    kind = media.get("format")
    mime = f"{modality}/{kind}" if isinstance(kind, str) else None
    source = media.get("source")
    if isinstance(source, Mapping) and isinstance(source.get("s3Location"), Mapping):
        uri = source["s3Location"].get("uri")
        return {"type": "uri", "modality": modality, "mime_type": mime, "uri": uri}
    content = source.get("bytes") if isinstance(source, Mapping) else None
    return {"type": "blob", "modality": modality, "mime_type": mime, "content": plain(content)}


# -- the response -----------------------------------------------------------------------------


def response_outputs(response: Any) -> Any:
    """A span's outputs: the response without botocore's HTTP metadata."""
    data = plain(response)
    if isinstance(data, dict):
        data.pop("ResponseMetadata", None)
    return data


def output_messages(response: Any) -> list[dict[str, Any]]:
    """The reply (`output.message`) as one GenAI assistant message."""
    message = field(field(response, "output"), "message")
    if not isinstance(message, Mapping):
        return []
    return [{**_message(message), "role": message.get("role") or "assistant"}]


def finish_reason(response: Any) -> str | None:
    """The stop reason in GenAI terms (`stop`, `length`, `tool_call`, `content_filter`)."""
    reason = field(response, "stopReason")
    if not isinstance(reason, str) or not reason:
        return None
    return _FINISH.get(reason, reason)


def usage(response: Any) -> Usage | None:
    """Token usage. Input tokens include the cache reads and writes, as the GenAI conventions
    ask (Bedrock's own `inputTokens` leaves them out); both are also given on their own."""
    counts = field(response, "usage")
    if not isinstance(counts, Mapping):
        return None
    fresh = first_int(counts.get("inputTokens"))
    read = first_int(counts.get("cacheReadInputTokens"))
    written = first_int(counts.get("cacheWriteInputTokens"))
    return Usage(
        input_tokens=None if fresh is None else fresh + (read or 0) + (written or 0),
        output_tokens=first_int(counts.get("outputTokens")),
        cache_read_tokens=read,
        cache_creation_tokens=written,
    )


# -- streams ----------------------------------------------------------------------------------


def assemble(events: Iterable[Any]) -> dict[str, Any] | None:
    """The response a ConverseStream's events add up to, shaped like a Converse response.

    Each content block is built from its start (a tool use's id and name) and its deltas
    (text, a tool use's input as JSON text, reasoning); `messageStop` gives the stop reason
    and `metadata` the usage and metrics. None before the first event.
    """
    response: dict[str, Any] | None = None
    role = "assistant"
    blocks: dict[int, dict[str, Any]] = {}
    for event in events:
        if not isinstance(event, Mapping):
            continue
        if response is None:
            response = {}
        if isinstance(event.get("messageStart"), Mapping):
            role = event["messageStart"].get("role") or role
        start = event.get("contentBlockStart")
        if isinstance(start, Mapping):
            use = field(start.get("start"), "toolUse")
            block = blocks.setdefault(_index(start), {})
            if isinstance(use, Mapping):
                block["toolUse"] = {**plain(use), "input": ""}
        delta = event.get("contentBlockDelta")
        if isinstance(delta, Mapping):
            _add_delta(blocks.setdefault(_index(delta), {}), delta.get("delta"))
        stop = event.get("messageStop")
        if isinstance(stop, Mapping):
            response.update({k: plain(v) for k, v in stop.items()})
        metadata = event.get("metadata")
        if isinstance(metadata, Mapping):
            response.update({k: plain(v) for k, v in metadata.items()})
    if response is None:
        return None
    content = [_finished(blocks[index]) for index in sorted(blocks)]
    return {"output": {"message": {"role": role, "content": content}}, **response}


def _index(event: Mapping[str, Any]) -> int:
    index = event.get("contentBlockIndex")
    return index if isinstance(index, int) else 0


def _add_delta(block: dict[str, Any], delta: Any) -> None:
    if not isinstance(delta, Mapping):
        return
    if isinstance(delta.get("text"), str):
        block["text"] = block.get("text", "") + delta["text"]
    use = delta.get("toolUse")
    if isinstance(use, Mapping) and isinstance(use.get("input"), str):
        tool = block.setdefault("toolUse", {"input": ""})
        tool["input"] = tool.get("input", "") + use["input"]
    reasoning = delta.get("reasoningContent")
    if isinstance(reasoning, Mapping):
        merged = block.setdefault("reasoningContent", {"reasoningText": {"text": ""}})
        text = merged.setdefault("reasoningText", {"text": ""})
        if isinstance(reasoning.get("text"), str):
            text["text"] = text.get("text", "") + reasoning["text"]
        if isinstance(reasoning.get("signature"), str):
            text["signature"] = reasoning["signature"]


def _finished(block: dict[str, Any]) -> dict[str, Any]:
    """A streamed block as Converse returns it whole: a tool use's input parsed from JSON."""
    use = block.get("toolUse")
    if isinstance(use, dict) and isinstance(use.get("input"), str):
        use["input"] = parse_json(use["input"] or "{}")
    return block
