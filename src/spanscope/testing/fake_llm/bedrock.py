"""Amazon Bedrock Runtime (`boto3.client("bedrock-runtime")`): Converse and InvokeModel.

    POST /model/{modelId}/converse
    POST /model/{modelId}/converse-stream                (AWS event stream of Converse events)
    POST /model/{modelId}/invoke                         (the model's own body: Anthropic's)
    POST /model/{modelId}/invoke-with-response-stream    (event stream of `chunk` events)

The model id arrives URL-encoded (`anthropic.claude-x-v1%3A0`). Converse requests use
Bedrock's shapes: `messages` of `{"role", "content": [{"text"} | {"toolUse"} | {"toolResult"}
| {"cachePoint"}]}`, `system` blocks, `inferenceConfig` and `toolConfig` (`tools[].toolSpec`
with `inputSchema.json`, `toolChoice` of `auto` / `any` / `tool`). A `cachePoint` block marks
a prompt prefix the cache keeps, read back (`cacheReadInputTokens`) when seen again. InvokeModel
takes an Anthropic Messages body (`anthropic_version: bedrock-2023-05-31`), answered as
the Anthropic API would, with Bedrock's token-count headers.

Streams use the AWS event stream framing (`application/vnd.amazon.eventstream`): each
message is a prelude (total length, headers length, CRC32 of those 8 bytes), headers
(`:event-type`, `:content-type`, `:message-type`), a JSON payload and the CRC32 of it all.
A stream that must break sends an exception message after its first event.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import struct
from collections.abc import Iterable, Iterator, Mapping
from typing import Any
from urllib.parse import unquote

from spanscope.testing.fake_llm import anthropic_messages
from spanscope.testing.fake_llm.conversation import (
    Answer,
    Tool,
    Turn,
    answer,
    count_tokens,
    split_pieces,
    text_of,
)
from spanscope.testing.fake_llm.errors import response_headers
from spanscope.testing.fake_llm.state import ServerState, prefix_key
from spanscope.testing.fake_llm.wire import (
    BadRequest,
    FullReply,
    RecordedRequest,
    Reply,
    StreamReply,
    json_reply,
)

__all__ = ["ENDPOINT", "METHODS", "event_message", "model_in_path"]

ENDPOINT = re.compile(
    r"/model/([^/]+)/(converse|converse-stream|invoke|invoke-with-response-stream)"
)
"""A Bedrock Runtime model path: (URL-encoded model id, operation)."""

EVENT_STREAM = "application/vnd.amazon.eventstream"
TOOL_USE_ID = "tooluse_fake_0"
_HEADERS = response_headers("bedrock")
_STOP_REASONS = {
    "stop": "end_turn",
    "stop_sequence": "stop_sequence",
    "length": "max_tokens",
    "tool_calls": "tool_use",
}
_LATENCY_MS = 42


def model_in_path(path: str) -> str | None:
    """The model id a Bedrock Runtime path names, decoded."""
    match = ENDPOINT.fullmatch(path)
    return unquote(match.group(1)) if match else None


def _model(request: RecordedRequest) -> str:
    model = model_in_path(request.path)
    if model is None:  # routes only send matching paths here
        raise BadRequest(f"not a Bedrock Runtime model path: {request.path}")
    return model


# -- the event stream framing ---------------------------------------------------------------


def _header(name: str, value: str) -> bytes:
    encoded_name, encoded_value = name.encode(), value.encode()
    # Type 7: a string, with a two-byte length.
    return (
        struct.pack("!B", len(encoded_name))
        + encoded_name
        + struct.pack("!BH", 7, len(encoded_value))
        + encoded_value
    )


def event_message(headers: Mapping[str, str], payload: bytes) -> bytes:
    """One AWS event stream message: prelude, prelude CRC, headers, payload, message CRC."""
    head = b"".join(_header(name, value) for name, value in headers.items())
    total = 12 + len(head) + len(payload) + 4
    prelude = struct.pack("!II", total, len(head))
    prelude += struct.pack("!I", binascii.crc32(prelude) & 0xFFFFFFFF)
    message = prelude + head + payload
    return message + struct.pack("!I", binascii.crc32(message) & 0xFFFFFFFF)


def _event(kind: str, payload: Any) -> bytes:
    headers = {":event-type": kind, ":content-type": "application/json", ":message-type": "event"}
    return event_message(headers, json.dumps(payload, separators=(",", ":")).encode())


def _exception(kind: str, message: str) -> bytes:
    headers = {
        ":exception-type": kind,
        ":content-type": "application/json",
        ":message-type": "exception",
    }
    return event_message(headers, json.dumps({"message": message}).encode())


def _event_stream(messages: Iterable[bytes]) -> StreamReply:
    return StreamReply(messages, EVENT_STREAM, dict(_HEADERS))


# -- Converse -------------------------------------------------------------------------------


def converse(request: RecordedRequest, state: ServerState, fail_stream: bool) -> Reply:
    result, usage = _converse(request, state)
    response = {
        "output": {"message": {"role": "assistant", "content": _content(result)}},
        "stopReason": _STOP_REASONS[result.finish],
        "usage": usage,
        "metrics": {"latencyMs": _LATENCY_MS},
    }
    return json_reply(response, headers=_HEADERS)


def converse_stream(request: RecordedRequest, state: ServerState, fail_stream: bool) -> Reply:
    result, usage = _converse(request, state)
    return _event_stream(_converse_events(result, usage, fail_stream))


def _converse(request: RecordedRequest, state: ServerState) -> tuple[Answer, dict[str, Any]]:
    model = _model(request)
    body = request.json
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise BadRequest("A conversation must start with a user message.")
    result = answer(_turn(body), state.reply)
    return result, _usage(state, model, body, result)


def _blocks(message: Any) -> list[dict[str, Any]]:
    content = message.get("content") if isinstance(message, dict) else None
    return [block for block in content or [] if isinstance(block, dict)]


def _result_text(result: Mapping[str, Any]) -> str:
    texts = []
    for item in result.get("content") or []:
        if isinstance(item, dict) and "json" in item:
            texts.append(json.dumps(item["json"], sort_keys=True))
        elif isinstance(item, dict):
            texts.append(text_of(item))
    return " ".join(texts)


def _turn(body: Mapping[str, Any]) -> Turn:
    messages = [m for m in body["messages"] if isinstance(m, dict)]
    prompts = [
        text_of([b for b in _blocks(m) if "text" in b]) for m in messages if m.get("role") == "user"
    ]
    prompts = [text for text in prompts if text]
    results = [
        b["toolResult"] for b in _blocks(messages[-1]) if isinstance(b.get("toolResult"), dict)
    ]
    tool_config = body.get("toolConfig") or {}
    config = body.get("inferenceConfig") or {}
    max_tokens = config.get("maxTokens")
    if max_tokens is not None and (isinstance(max_tokens, bool) or not isinstance(max_tokens, int)):
        raise BadRequest(f"inferenceConfig.maxTokens must be an integer, got {max_tokens!r}")
    return Turn(
        prompt=prompts[-1] if prompts else "",
        tool_result=_result_text(results[-1]) if results else None,
        tools=_tools(tool_config),
        tool_choice=_tool_choice(tool_config.get("toolChoice")),
        max_tokens=max_tokens,
        stop=tuple(s for s in config.get("stopSequences") or () if isinstance(s, str)),
    )


def _tools(tool_config: Mapping[str, Any]) -> tuple[Tool, ...]:
    tools = []
    for tool in tool_config.get("tools") or []:
        spec = tool.get("toolSpec") if isinstance(tool, dict) else None
        if not isinstance(spec, dict) or "name" not in spec:
            continue  # a cachePoint among the tools
        schema = (spec.get("inputSchema") or {}).get("json")
        tools.append(Tool(str(spec["name"]), schema if isinstance(schema, dict) else {}))
    return tuple(tools)


def _tool_choice(choice: Any) -> str | None:
    if not isinstance(choice, dict):
        return None
    if "any" in choice:
        return "required"
    tool = choice.get("tool")
    if isinstance(tool, dict) and tool.get("name"):
        return str(tool["name"])
    return None


def _segments(body: Mapping[str, Any]) -> list[tuple[Any, int, bool]]:
    """(content, tokens, whether it is a cache point): tools, system, then messages."""
    blocks: list[Any] = list((body.get("toolConfig") or {}).get("tools") or [])
    blocks.extend(body.get("system") or [])
    for message in body.get("messages") or []:
        blocks.extend(_blocks(message))
    segments = []
    for block in blocks:
        if not isinstance(block, dict):
            continue
        if "cachePoint" in block:
            segments.append((block, 0, True))
        elif "toolSpec" in block:
            spec = block["toolSpec"]
            segments.append((block, count_tokens(str(spec.get("name", ""))), False))
        elif "toolUse" in block:
            segments.append((block, count_tokens(json.dumps(block["toolUse"].get("input"))), False))
        elif "toolResult" in block:
            segments.append((block, count_tokens(_result_text(block["toolResult"])), False))
        else:
            segments.append((block, count_tokens(text_of(block)), False))
    return segments


def _usage(
    state: ServerState, model: str, body: Mapping[str, Any], result: Answer
) -> dict[str, Any]:
    """Bedrock's usage: `inputTokens` leaves out what was read from or written to the cache."""
    segments = _segments(body)
    breakpoints: list[tuple[str, int]] = []
    tokens = 0
    for number, (_, count, is_cache_point) in enumerate(segments):
        tokens += count
        if is_cache_point:
            prefix = [content for content, _, _ in segments[: number + 1]]
            breakpoints.append((prefix_key("bedrock", model, prefix), tokens))
    read, written = state.cache.lookup(breakpoints)
    cached = breakpoints[-1][1] if breakpoints else 0
    inputs = max(1, tokens - cached) if not breakpoints else tokens - cached
    usage: dict[str, Any] = {
        "inputTokens": inputs,
        "outputTokens": result.output_tokens,
        "totalTokens": inputs + result.output_tokens + read + written,
    }
    if breakpoints:
        usage.update(cacheReadInputTokens=read, cacheWriteInputTokens=written)
    return usage


def _content(result: Answer) -> list[dict[str, Any]]:
    if result.tool_call is None:
        return [{"text": result.text}]
    call = {"toolUseId": TOOL_USE_ID, "name": result.tool_call.name, "input": result.tool_call.args}
    return [{"toolUse": call}]


def _converse_events(result: Answer, usage: dict[str, Any], fail: bool) -> Iterator[bytes]:
    yield _event("messageStart", {"role": "assistant"})
    deltas: list[dict[str, Any]]
    if result.tool_call is not None:
        start = {"toolUse": {"toolUseId": TOOL_USE_ID, "name": result.tool_call.name}}
        yield _event("contentBlockStart", {"start": start, "contentBlockIndex": 0})
        deltas = [{"toolUse": {"input": p}} for p in split_pieces(result.tool_call.arguments)]
    else:
        deltas = [{"text": p} for p in split_pieces(result.text) or [""]]
    for delta in deltas:
        yield _event("contentBlockDelta", {"delta": delta, "contentBlockIndex": 0})
        if fail:  # the stream breaks after its first piece
            yield _exception("modelStreamErrorException", "The model stream broke off.")
            return
    yield _event("contentBlockStop", {"contentBlockIndex": 0})
    yield _event("messageStop", {"stopReason": _STOP_REASONS[result.finish]})
    yield _event("metadata", {"usage": usage, "metrics": {"latencyMs": _LATENCY_MS}})


# -- InvokeModel ----------------------------------------------------------------------------


def _anthropic_body(request: RecordedRequest) -> dict[str, Any]:
    body = request.json
    if not body.get("anthropic_version"):
        raise BadRequest("The fake Bedrock Runtime takes Anthropic Messages bodies only.")
    if body.get("stream") is not None or body.get("model") is not None:
        raise BadRequest("extraneous key [model] is not permitted")
    return body


def _anthropic_reply(request: RecordedRequest, state: ServerState, stream: bool) -> Reply:
    """The Anthropic API's own answer to the body, with the model named in the path."""
    body = {**_anthropic_body(request), "model": _model(request)}
    if stream:
        body["stream"] = True
    inner = RecordedRequest(
        request.method, "/v1/messages", request.query, request.headers, body, request.raw_body
    )
    return anthropic_messages.messages(inner, state, False)


def invoke(request: RecordedRequest, state: ServerState, fail_stream: bool) -> Reply:
    reply = _anthropic_reply(request, state, stream=False)
    if not isinstance(reply, FullReply):  # pragma: no cover - a JSON body was asked for
        raise BadRequest("expected a whole Anthropic message")
    message = json.loads(reply.content)
    message.pop("model", None)  # Bedrock's answer does not repeat the model
    usage = message.get("usage") or {}
    headers = {
        **_HEADERS,
        "X-Amzn-Bedrock-Input-Token-Count": str(usage.get("input_tokens", 0)),
        "X-Amzn-Bedrock-Output-Token-Count": str(usage.get("output_tokens", 0)),
        "X-Amzn-Bedrock-Invocation-Latency": str(_LATENCY_MS),
    }
    return json_reply(message, headers=headers)


def invoke_stream(request: RecordedRequest, state: ServerState, fail_stream: bool) -> Reply:
    reply = _anthropic_reply(request, state, stream=True)
    if not isinstance(reply, StreamReply):  # pragma: no cover - a stream was asked for
        raise BadRequest("expected an Anthropic event stream")
    return _event_stream(_chunks(reply.frames, fail_stream))


def _chunks(frames: Iterable[bytes], fail: bool) -> Iterator[bytes]:
    """Each Anthropic server-sent event's JSON as one `chunk` event (base64 bytes); the last
    one carries Bedrock's invocation metrics, as Bedrock adds them."""
    usage: dict[str, Any] = {}
    sent = 0
    for frame in frames:
        data = _sse_data(frame)
        if data is None or data.get("type") == "ping":
            continue
        if data.get("type") == "message_start":
            usage.update(data["message"]["usage"])
        if data.get("type") == "message_delta":
            usage.update(data.get("usage") or {})
        if data.get("type") == "message_stop":
            data["amazon-bedrock-invocationMetrics"] = {
                "inputTokenCount": usage.get("input_tokens", 0),
                "outputTokenCount": usage.get("output_tokens", 0),
                "invocationLatency": _LATENCY_MS,
                "firstByteLatency": _LATENCY_MS // 2,
            }
        encoded = base64.b64encode(json.dumps(data).encode()).decode()
        yield _event("chunk", {"bytes": encoded})
        sent += 1
        if fail and sent == 1:
            yield _exception("modelStreamErrorException", "The model stream broke off.")
            return


def _sse_data(frame: bytes) -> dict[str, Any] | None:
    for line in frame.decode().splitlines():
        if line.startswith("data: "):
            data = json.loads(line[len("data: ") :])
            return data if isinstance(data, dict) else None
    return None


METHODS = {
    "converse": converse,
    "converse-stream": converse_stream,
    "invoke": invoke,
    "invoke-with-response-stream": invoke_stream,
}
"""Endpoints by the operation at the end of the path."""
