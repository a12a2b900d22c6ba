"""InvokeModel bodies in the GenAI chat shape: pure functions, no boto3 import.

InvokeModel sends and returns the model's own JSON. The common case is Anthropic's Messages
body (`anthropic_version: bedrock-2023-05-31`), whose messages, system prompt and tools are
Anthropic's; Amazon Nova's body is Converse-shaped (`messages` of `{"text"}` blocks); other
models take a prompt (`prompt`, `inputText`, `message`) and answer with text (`generation`,
`results[].outputText`, `outputs[].text`, `completion`, `text`). Usage comes from the body,
else from Bedrock's `X-Amzn-Bedrock-*-Token-Count` headers (or, for a stream, the
`amazon-bedrock-invocationMetrics` of its last chunk).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from spanscope.bedrock import _messages
from spanscope.entities.chat import field, first_int, parse_json, text_part
from spanscope.tracing.llm import Usage

__all__ = [
    "assemble",
    "decode",
    "finish_reasons",
    "input_messages",
    "output_messages",
    "request_inputs",
    "response_id",
    "system",
    "tool_definitions",
    "usage",
]

_ANTHROPIC_FINISH = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "tool_use": "tool_call",
    "refusal": "content_filter",
}
_TEXT_FINISH = {"FINISH": "stop", "LENGTH": "length", "CONTENT_FILTERED": "content_filter"}
_METRICS = "amazon-bedrock-invocationMetrics"


def decode(body: Any) -> Any:
    """A request or response body (bytes or text) as JSON; text that is not JSON stays text.
    None for a file object, which is not read here (the call reads it)."""
    if isinstance(body, (bytes, bytearray)):
        try:
            body = bytes(body).decode()
        except UnicodeDecodeError:
            return None
    if not isinstance(body, str):
        return None
    return parse_json(body)


def request_inputs(params: Mapping[str, Any]) -> dict[str, Any]:
    """A span's inputs: the parameters, with the body as JSON when it is."""
    inputs = _messages.request_inputs({k: v for k, v in params.items() if k != "body"})
    body = decode(params.get("body"))
    if body is not None:
        inputs["body"] = body
    return inputs


def _is_anthropic(body: Mapping[str, Any]) -> bool:
    return "anthropic_version" in body or body.get("type") == "message"


def input_messages(body: Any) -> Any:
    """The conversation of a request body (Anthropic or Converse-shaped messages, or a prompt
    as one user message); None when it has none."""
    if not isinstance(body, Mapping):
        return None
    messages = body.get("messages")
    if isinstance(messages, list):
        if _is_anthropic(body):
            return messages  # Anthropic's shape, which the GenAI normaliser reads
        return _messages.input_messages(messages)
    for key in ("prompt", "inputText", "message"):
        if isinstance(body.get(key), str):
            return [{"role": "user", "parts": [text_part(body[key])]}]
    return None


def system(body: Any) -> Any:
    """The system prompt: Anthropic's (a string or text blocks) or Converse-shaped blocks."""
    if not isinstance(body, Mapping) or body.get("system") in (None, "", []):
        return None
    if _is_anthropic(body):
        return body["system"]
    return _messages.system_parts(body["system"])


def tool_definitions(body: Any) -> list[Any] | None:
    """Anthropic's `tools` (the normaliser reads their `input_schema`) or Nova's
    `toolConfig`."""
    if not isinstance(body, Mapping):
        return None
    tools = body.get("tools")
    if isinstance(tools, list) and tools:
        return list(tools)
    return _messages.tool_definitions(body.get("toolConfig"))


# -- the response -----------------------------------------------------------------------------


def output_messages(body: Any) -> list[dict[str, Any]]:
    """The reply as one assistant message (Anthropic's content blocks stay Anthropic's)."""
    if not isinstance(body, Mapping):
        return []
    if isinstance(body.get("content"), list):
        return [{"role": "assistant", "content": body["content"]}]
    if isinstance(body.get("output"), Mapping):
        return _messages.output_messages(body)
    text = _text(body)
    return [{"role": "assistant", "parts": [text_part(text)]}] if text is not None else []


def _text(body: Mapping[str, Any]) -> str | None:
    for key in ("generation", "completion", "text", "outputText"):
        if isinstance(body.get(key), str):
            return str(body[key])
    for key, inner in (("results", "outputText"), ("outputs", "text"), ("generations", "text")):
        items = body.get(key)
        if isinstance(items, list) and items and isinstance(field(items[0], inner), str):
            return str(items[0][inner])
    return None


def finish_reasons(body: Any) -> list[str | None]:
    if not isinstance(body, Mapping):
        return []
    if isinstance(body.get("output"), Mapping):
        return [_messages.finish_reason(body)]
    reason = body.get("stop_reason") or body.get("finish_reason")
    results = body.get("results") or body.get("outputs")
    if reason is None and isinstance(results, list) and results:
        reason = field(results[0], "completionReason") or field(results[0], "stop_reason")
    if not isinstance(reason, str) or not reason:
        return [None]
    return [_ANTHROPIC_FINISH.get(reason) or _TEXT_FINISH.get(reason.upper()) or reason]


def response_id(body: Any) -> str | None:
    value = field(body, "id") if isinstance(body, Mapping) else None
    return value if isinstance(value, str) else None


def usage(body: Any, headers: Mapping[str, Any] | None = None) -> Usage | None:
    """Token usage from the body (Anthropic's, Nova's, Titan's or Llama's counts), else from
    Bedrock's headers. Input tokens include cache reads and writes (GenAI conventions)."""
    if isinstance(body, Mapping):
        counts = body.get("usage")
        if isinstance(counts, Mapping) and "input_tokens" in counts:
            fresh = first_int(counts.get("input_tokens"))
            read = first_int(counts.get("cache_read_input_tokens"))
            written = first_int(counts.get("cache_creation_input_tokens"))
            return Usage(
                input_tokens=None if fresh is None else fresh + (read or 0) + (written or 0),
                output_tokens=first_int(counts.get("output_tokens")),
                cache_read_tokens=read,
                cache_creation_tokens=written,
            )
        if isinstance(counts, Mapping):
            return _messages.usage(body)
        inputs = first_int(body.get("prompt_token_count"), body.get("inputTextTokenCount"))
        outputs = first_int(body.get("generation_token_count"))
        results = body.get("results")
        if outputs is None and isinstance(results, list) and results:
            outputs = first_int(field(results[0], "tokenCount"))
        if inputs is not None or outputs is not None:
            return Usage(input_tokens=inputs, output_tokens=outputs)
        metrics = body.get(_METRICS)
        if isinstance(metrics, Mapping):
            return Usage(
                input_tokens=first_int(metrics.get("inputTokenCount")),
                output_tokens=first_int(metrics.get("outputTokenCount")),
            )
    return _header_usage(headers or {})


def _header_usage(headers: Mapping[str, Any]) -> Usage | None:
    inputs = _header_int(headers.get("x-amzn-bedrock-input-token-count"))
    outputs = _header_int(headers.get("x-amzn-bedrock-output-token-count"))
    if inputs is None and outputs is None:
        return None
    return Usage(input_tokens=inputs, output_tokens=outputs)


def _header_int(value: Any) -> int | None:
    return int(value) if isinstance(value, str) and value.isdigit() else None


# -- streams ----------------------------------------------------------------------------------


def assemble(events: Iterable[Any]) -> dict[str, Any] | None:
    """The body an InvokeModelWithResponseStream's `chunk` events add up to: an Anthropic
    message from Anthropic's stream events, a Converse-shaped body from Nova's, else the text
    joined with the last chunk's stop reason and invocation metrics. None before a chunk."""
    chunks = [c for c in map(_chunk, events) if isinstance(c, dict)]
    if not chunks:
        return None
    if any(isinstance(c.get("type"), str) and c["type"].startswith("message") for c in chunks):
        return _anthropic(chunks)
    if any(key in chunk for chunk in chunks for key in ("messageStart", "contentBlockDelta")):
        return _converse_shaped(chunks)
    texts = [_text(chunk) for chunk in chunks]
    body: dict[str, Any] = {}
    for chunk in chunks:
        body.update({k: v for k, v in chunk.items() if v is not None})
    body["generation"] = "".join(t for t in texts if t)
    return body


def _chunk(event: Any) -> Any:
    data = field(field(event, "chunk"), "bytes")
    return decode(data) if data is not None else None


def _converse_shaped(chunks: list[dict[str, Any]]) -> dict[str, Any] | None:
    body = _messages.assemble(chunks)
    metrics = next((c[_METRICS] for c in reversed(chunks) if _METRICS in c), None)
    if body is not None and "usage" not in body and isinstance(metrics, Mapping):
        counts = {"inputTokens": metrics.get("inputTokenCount")}
        body["usage"] = {**counts, "outputTokens": metrics.get("outputTokenCount")}
    return body


def _anthropic(chunks: list[dict[str, Any]]) -> dict[str, Any]:
    message: dict[str, Any] = {"type": "message", "role": "assistant", "content": []}
    blocks: dict[int, dict[str, Any]] = {}
    delivered = False
    for chunk in chunks:
        kind = chunk.get("type")
        if kind == "message_start" and isinstance(chunk.get("message"), Mapping):
            message.update({k: v for k, v in chunk["message"].items() if k != "content"})
        elif kind == "content_block_start":
            blocks[_position(chunk)] = dict(chunk.get("content_block") or {})
        elif kind == "content_block_delta":
            _anthropic_delta(blocks.setdefault(_position(chunk), {}), chunk.get("delta"))
        elif kind == "message_delta":
            delivered = True
            message.update(chunk.get("delta") or {})
            message["usage"] = {**(message.get("usage") or {}), **(chunk.get("usage") or {})}
        elif kind == "message_stop" and isinstance(chunk.get(_METRICS), Mapping):
            message[_METRICS] = chunk[_METRICS]
    for block in blocks.values():
        if block.get("type") == "tool_use" and isinstance(block.get("partial"), str):
            block["input"] = parse_json(block.pop("partial") or "{}")
    message["content"] = [blocks[index] for index in sorted(blocks)]
    if not delivered and isinstance(message.get("usage"), dict):
        # A stream cut before message_delta: message_start's output count is a placeholder.
        message["usage"] = {k: v for k, v in message["usage"].items() if k != "output_tokens"}
    return message


def _position(chunk: Mapping[str, Any]) -> int:
    index = chunk.get("index")
    return index if isinstance(index, int) else 0


def _anthropic_delta(block: dict[str, Any], delta: Any) -> None:
    if not isinstance(delta, Mapping):
        return
    kind = delta.get("type")
    if kind == "text_delta":
        block["text"] = block.get("text", "") + str(delta.get("text", ""))
    elif kind == "input_json_delta":
        block["partial"] = block.get("partial", "") + str(delta.get("partial_json", ""))
    elif kind == "thinking_delta":
        block["thinking"] = block.get("thinking", "") + str(delta.get("thinking", ""))
    elif kind == "signature_delta":
        block["signature"] = delta.get("signature")
