"""Anthropic `POST /v1/messages` (also `?beta=true`) and `POST /v1/messages/count_tokens`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from spanscope.testing.fake_llm.conversation import (
    Answer,
    Tool,
    Turn,
    answer,
    count_tokens,
    split_pieces,
    text_of,
)
from spanscope.testing.fake_llm.errors import error_body, response_headers
from spanscope.testing.fake_llm.state import ServerState, prefix_key
from spanscope.testing.fake_llm.wire import (
    BadRequest,
    RecordedRequest,
    Reply,
    json_reply,
    optional_int,
    require,
    sse_reply,
)

__all__ = ["count_message_tokens", "messages"]

Event = tuple[str | None, Any]

_HEADERS = response_headers("anthropic")
_SIGNATURE = "fake-signature"
_STOP_REASONS = {
    "stop": "end_turn",
    "stop_sequence": "stop_sequence",
    "length": "max_tokens",
    "tool_calls": "tool_use",
}


@dataclass(frozen=True)
class _Segment:
    """One piece of the prompt, in the order the prompt cache sees them."""

    content: Any
    tokens: int
    breakpoint: bool


def messages(request: RecordedRequest, state: ServerState, fail_stream: bool) -> Reply:
    body = request.json
    require(body, "model", "max_tokens", "messages")
    model = str(body["model"])
    result = answer(_turn(body), state.reply)
    blocks = _content(result)
    usage = _usage(state, model, body)
    preamble = _preamble(result.tool_call.name) if result.tool_call else ""
    usage["output_tokens"] = result.output_tokens + count_tokens(preamble)
    message = {
        "id": "msg_fake",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": blocks,
        "stop_reason": _STOP_REASONS[result.finish],
        "stop_sequence": result.stop_sequence,
        "usage": usage,
    }
    if body.get("stream"):
        return sse_reply(_events(message, fail_stream), _HEADERS)
    return json_reply(message, headers=_HEADERS)


def count_message_tokens(request: RecordedRequest, state: ServerState, fail_stream: bool) -> Reply:
    body = request.json
    require(body, "model", "messages")
    total = sum(segment.tokens for segment in _segments(body))
    return json_reply({"input_tokens": max(1, total)}, headers=_HEADERS)


def _blocks(content: Any) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    return [block for block in content or [] if isinstance(block, dict)]


def _turn(body: dict[str, Any]) -> Turn:
    turns = [m for m in body["messages"] if isinstance(m, dict)]
    if not turns:
        raise BadRequest("messages: at least one message is required")
    last = _blocks(turns[-1].get("content"))
    results = [b for b in last if b.get("type") == "tool_result"]
    user_texts = [
        text_of([b for b in _blocks(m.get("content")) if b.get("type") == "text"])
        for m in turns
        if m.get("role") == "user"
    ]
    prompts = [text for text in user_texts if text]
    tools = tuple(
        Tool(str(t["name"]), t["input_schema"])
        for t in body.get("tools") or []
        if isinstance(t, dict) and "name" in t and isinstance(t.get("input_schema"), dict)
    )
    choice = body.get("tool_choice") or {}
    kind = str(choice.get("type"))
    tool_choice = {"any": "required", "tool": choice.get("name"), "none": "none"}.get(kind)
    output_format = (body.get("output_config") or {}).get("format") or body.get("output_format")
    schema = None
    if isinstance(output_format, dict) and output_format.get("type") == "json_schema":
        schema = output_format.get("schema") or {}
    thinking = (body.get("thinking") or {}).get("type") in ("enabled", "adaptive")
    return Turn(
        prompt=prompts[-1] if prompts else "",
        tool_result=text_of(results[-1].get("content")) if results else None,
        tools=tools,
        tool_choice=tool_choice,
        schema=schema,
        max_tokens=optional_int(body, "max_tokens"),
        stop=tuple(s for s in body.get("stop_sequences") or () if isinstance(s, str)),
        thinking=thinking,
    )


def _segments(body: dict[str, Any]) -> list[_Segment]:
    """Tools, then system, then message blocks: the order of Anthropic's prompt cache."""
    segments = [
        _Segment(
            tool,
            count_tokens(str(tool.get("name", "")), str(tool.get("description", ""))),
            "cache_control" in tool,
        )
        for tool in body.get("tools") or []
        if isinstance(tool, dict)
    ]
    blocks = _blocks(body.get("system"))
    for message in body["messages"]:
        blocks.extend(_blocks(message.get("content")) if isinstance(message, dict) else [])
    for block in blocks:
        if block.get("type") == "tool_use":
            text = json.dumps(block.get("input"))
        else:
            text = text_of(block) or str(block.get("thinking", ""))
        segments.append(_Segment(block, count_tokens(text), "cache_control" in block))
    return segments


def _usage(state: ServerState, model: str, body: dict[str, Any]) -> dict[str, Any]:
    """Input usage; prefixes up to a `cache_control` block are written, and read when seen."""
    segments = _segments(body)
    breakpoints: list[tuple[str, int]] = []
    tokens = 0
    for number, segment in enumerate(segments):
        tokens += segment.tokens
        if segment.breakpoint:
            prefix = [s.content for s in segments[: number + 1]]
            breakpoints.append((prefix_key("anthropic", model, prefix), tokens))
    read, written = state.cache.lookup(breakpoints)
    cached = breakpoints[-1][1] if breakpoints else 0
    return {
        "input_tokens": tokens - cached if breakpoints else max(1, tokens),
        "cache_creation_input_tokens": written,
        "cache_read_input_tokens": read,
        "cache_creation": {"ephemeral_5m_input_tokens": written, "ephemeral_1h_input_tokens": 0},
        "output_tokens": 0,
        "service_tier": "standard",
    }


def _preamble(tool_name: str) -> str:
    # Claude usually says what it is about to do before a tool call.
    return f"I will call {tool_name}."


def _content(result: Answer) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    if result.thinking:
        blocks.append({"type": "thinking", "thinking": result.thinking, "signature": _SIGNATURE})
    if result.tool_call is None:
        blocks.append({"type": "text", "text": result.text})
        return blocks
    blocks.append({"type": "text", "text": _preamble(result.tool_call.name)})
    blocks.append(
        {
            "type": "tool_use",
            "id": "toolu_fake_0",
            "name": result.tool_call.name,
            "input": result.tool_call.args,
        }
    )
    return blocks


def _block_events(block: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The empty block of content_block_start, and the deltas that fill it."""
    kind = block["type"]
    if kind == "thinking":
        deltas = [
            {"type": "thinking_delta", "thinking": p} for p in split_pieces(block["thinking"])
        ]
        deltas.append({"type": "signature_delta", "signature": block["signature"]})
        return {"type": "thinking", "thinking": "", "signature": ""}, deltas
    if kind == "tool_use":
        arguments = json.dumps(block["input"])
        # The API opens a tool input with an empty partial_json.
        pieces = ["", *split_pieces(arguments)]
        deltas = [{"type": "input_json_delta", "partial_json": p} for p in pieces]
        return {**block, "input": {}}, deltas
    deltas = [{"type": "text_delta", "text": p} for p in split_pieces(block["text"])]
    return {"type": "text", "text": ""}, deltas


def _events(message: dict[str, Any], fail: bool) -> Iterator[Event]:
    usage = message["usage"]
    start = {**message, "content": [], "stop_reason": None, "stop_sequence": None}
    start["usage"] = {**usage, "output_tokens": 1}
    yield "message_start", {"type": "message_start", "message": start}
    for index, block in enumerate(message["content"]):
        empty, deltas = _block_events(block)
        yield (
            "content_block_start",
            {"type": "content_block_start", "index": index, "content_block": empty},
        )
        if index == 0:
            yield "ping", {"type": "ping"}
        for delta in deltas:
            yield (
                "content_block_delta",
                {"type": "content_block_delta", "index": index, "delta": delta},
            )
            if fail:  # the stream breaks after its first piece
                yield "error", error_body("anthropic", 529, "Overloaded")
                return
        yield "content_block_stop", {"type": "content_block_stop", "index": index}
    if fail:  # an empty answer still breaks
        yield "error", error_body("anthropic", 529, "Overloaded")
        return
    delta = {"stop_reason": message["stop_reason"], "stop_sequence": message["stop_sequence"]}
    final_usage = {
        "input_tokens": usage["input_tokens"],
        "cache_creation_input_tokens": usage["cache_creation_input_tokens"],
        "cache_read_input_tokens": usage["cache_read_input_tokens"],
        "output_tokens": usage["output_tokens"],
    }
    yield "message_delta", {"type": "message_delta", "delta": delta, "usage": final_usage}
    yield "message_stop", {"type": "message_stop"}
