"""OpenTelemetry GenAI conventions (and their older forms) mapped onto the spanscope span.

Messages come from, in this order (the first found wins; the others stay untouched):
`gen_ai.input.messages` / `gen_ai.output.messages` (JSON text or structured), the deprecated
per-message span events (`gen_ai.user.message`, ..., `gen_ai.choice`, or the older
`gen_ai.content.prompt` / `gen_ai.content.completion`), then OpenLLMetry's flattened
`gen_ai.prompt.N.*` / `gen_ai.completion.N.*`. Whatever source is used is replaced by the
normalised structured attribute (consumed events and flattened keys are removed).

Message parts are brought to one dialect whoever wrote them (`tidy_messages`): tool-call
arguments sent as JSON text become objects, a `tool_call_response` part's `result` (Pydantic
AI, some semconv examples) becomes `response`, and a `user` message holding only tool results
(Pydantic AI before its format 6) becomes a `tool` message; Pydantic AI's `thinking`,
`binary` and `*-url` parts become `reasoning`, `blob` and `uri`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from spanscope.constants import SpanAttributeKey as K
from spanscope.entities.chat import (
    normalize_message,
    normalize_messages,
    normalize_tool_definition,
    text_part,
)
from spanscope.entities.span_event import SpanEvent
from spanscope.entities.span_type import SpanType
from spanscope.otel.conventions import (
    GENAI_OPERATION_SPAN_TYPES,
    LLM_REQUEST_TYPE_SPAN_TYPES,
    GenAIEvent,
    GenAIKey,
)
from spanscope.otel.draft import SpanDraft, move, parse_json, pop_indexed, put_back

__all__ = ["apply_genai", "decode_genai_content", "drop_consistent_total", "tidy_messages"]

# Old names first mapped onto the current ones; a conflicting value keeps both keys.
_ALIASES = (
    (GenAIKey.SYSTEM, K.GEN_AI_PROVIDER),
    (GenAIKey.PROMPT_TOKENS, K.GEN_AI_INPUT_TOKENS),
    (GenAIKey.COMPLETION_TOKENS, K.GEN_AI_OUTPUT_TOKENS),
    (GenAIKey.CACHE_READ_TOKENS_OLD, K.GEN_AI_CACHE_READ_TOKENS),
    (GenAIKey.CACHE_CREATION_TOKENS_OLD, K.GEN_AI_CACHE_CREATION_TOKENS),
    (GenAIKey.CACHE_WRITE_TOKENS, K.GEN_AI_CACHE_CREATION_TOKENS),
    (GenAIKey.REASONING_TOKENS_OLD, K.GEN_AI_REASONING_TOKENS),
)
_STRUCTURED = (
    K.GEN_AI_INPUT_MESSAGES,
    K.GEN_AI_OUTPUT_MESSAGES,
    K.GEN_AI_SYSTEM_INSTRUCTIONS,
    K.GEN_AI_TOOL_DEFINITIONS,
)
_FLATTENED = (
    GenAIKey.PROMPT_PREFIX + ".",
    GenAIKey.COMPLETION_PREFIX + ".",
    GenAIKey.LLM_REQUEST_FUNCTIONS + ".",
)
_INPUT_EVENTS = {
    GenAIEvent.SYSTEM_MESSAGE: "system",
    GenAIEvent.USER_MESSAGE: "user",
    GenAIEvent.ASSISTANT_MESSAGE: "assistant",
    GenAIEvent.TOOL_MESSAGE: "tool",
}


def apply_genai(draft: SpanDraft) -> None:
    """Map GenAI attributes and events of a foreign span (see the module docstring)."""
    attrs = draft.attributes
    for old, new in _ALIASES:
        if old in attrs:
            move(attrs, old, new)
    drop_consistent_total(attrs, GenAIKey.TOTAL_TOKENS)
    decode_genai_content(attrs)
    _system_instructions(attrs)
    # One scan for the flattened forms instead of one per prefix: most spans have none.
    flattened = any(key.startswith(_FLATTENED) for key in attrs)
    inputs = _input_messages(draft, flattened)
    outputs = _output_messages(draft, flattened)
    _tool_definitions(attrs, flattened)
    if outputs and K.GEN_AI_FINISH_REASONS not in attrs:
        reasons = [m["finish_reason"] for m in outputs if m.get("finish_reason")]
        if reasons:
            attrs[K.GEN_AI_FINISH_REASONS] = reasons
    if draft.span_type is None:
        draft.span_type = _span_type(attrs, bool(inputs or outputs))
    if draft.span_type == SpanType.TOOL:
        _tool_call(draft)
    if draft.inputs is None and GenAIKey.RETRIEVAL_QUERY in attrs:
        draft.inputs = {"query": attrs.pop(GenAIKey.RETRIEVAL_QUERY)}
    instructions = attrs.get(K.GEN_AI_SYSTEM_INSTRUCTIONS)
    if draft.inputs is None and (inputs or isinstance(instructions, list)):
        messages = list(inputs or [])
        if isinstance(instructions, list):
            messages.insert(0, {"role": "system", "parts": instructions})
        draft.inputs = {"messages": messages}
    if draft.outputs is None and outputs:
        draft.outputs = outputs


def drop_consistent_total(attrs: dict[str, Any], key: str) -> None:
    """Remove a total token count that says exactly input + output (it is derivable)."""
    total = attrs.get(key)
    if total is None:
        return
    counts = [attrs.get(K.GEN_AI_INPUT_TOKENS), attrs.get(K.GEN_AI_OUTPUT_TOKENS)]
    numbers = [c for c in counts if isinstance(c, int) and not isinstance(c, bool)]
    if len(numbers) == len(counts) and total == sum(numbers):
        del attrs[key]


def tidy_messages(messages: list[Any]) -> list[Any]:
    """GenAI messages with their parts in the one dialect (see the module docstring)."""
    return [_tidy_message(message) for message in messages]


def _tidy_message(message: Any) -> Any:
    if not isinstance(message, Mapping) or not isinstance(message.get("parts"), list):
        return message
    parts = [_tidy_part(part) for part in message["parts"]]
    tidy = {**message, "parts": parts}
    if tidy.get("role") == "user" and parts and all(_is_tool_result(p) for p in parts):
        tidy["role"] = "tool"
    return tidy


def _is_tool_result(part: Any) -> bool:
    return isinstance(part, Mapping) and part.get("type") == "tool_call_response"


_MEDIA_URL_PARTS = {
    "image-url": "image",
    "audio-url": "audio",
    "video-url": "video",
    "document-url": "document",
}


def _tidy_part(part: Any) -> Any:
    if not isinstance(part, Mapping):
        return part
    kind = part.get("type")
    if kind == "tool_call":
        arguments = part.get("arguments")
        parsed = parse_json(arguments)
        return part if parsed is arguments else {**part, "arguments": parsed}
    if kind == "tool_call_response":
        if "response" in part or "result" not in part:
            return part
        tidy = dict(part)
        tidy["response"] = tidy.pop("result")
        return tidy
    if kind == "thinking":
        return {**part, "type": "reasoning"}
    if kind == "binary":
        mime = part.get("media_type")
        blob: dict[str, Any] = {"type": "blob"}
        if isinstance(mime, str):
            modality = mime.partition("/")[0]
            if modality in ("image", "audio", "video"):
                blob["modality"] = modality
            blob["mime_type"] = mime
        blob["content"] = part.get("content")
        return blob
    if kind in _MEDIA_URL_PARTS:
        return {"type": "uri", "modality": _MEDIA_URL_PARTS[kind], "uri": part.get("url")}
    return part


def decode_genai_content(attrs: dict[str, Any]) -> None:
    """Structured GenAI attributes sent as JSON text become JSON values."""
    for key in _STRUCTURED:
        if key in attrs:
            attrs[key] = parse_json(attrs[key])


def _system_instructions(attrs: dict[str, Any]) -> None:
    if K.GEN_AI_SYSTEM_INSTRUCTIONS in attrs:
        value = attrs[K.GEN_AI_SYSTEM_INSTRUCTIONS]
        if isinstance(value, str):
            value = [text_part(value)]
        elif isinstance(value, Mapping):
            value = [value]
        attrs[K.GEN_AI_SYSTEM_INSTRUCTIONS] = value


def _span_type(attrs: dict[str, Any], has_messages: bool) -> str | None:
    operation = attrs.get(K.GEN_AI_OPERATION)
    if isinstance(operation, str) and operation.lower() in GENAI_OPERATION_SPAN_TYPES:
        return GENAI_OPERATION_SPAN_TYPES[operation.lower()]
    request_type = attrs.get(GenAIKey.LLM_REQUEST_TYPE)
    if isinstance(request_type, str) and request_type.lower() in LLM_REQUEST_TYPE_SPAN_TYPES:
        return LLM_REQUEST_TYPE_SPAN_TYPES[request_type.lower()]
    return SpanType.LLM if has_messages else None


def _input_messages(draft: SpanDraft, flattened: bool) -> list[dict[str, Any]] | None:
    attrs = draft.attributes
    if K.GEN_AI_INPUT_MESSAGES in attrs:
        messages = normalize_messages(attrs[K.GEN_AI_INPUT_MESSAGES], "user")
    else:
        messages = _from_events(draft, output=False)
        if messages is None and flattened:
            messages = _from_flattened(attrs, GenAIKey.PROMPT_PREFIX, "user")
    if messages is not None:
        messages = tidy_messages(messages)
        attrs[K.GEN_AI_INPUT_MESSAGES] = messages
    return messages


def _output_messages(draft: SpanDraft, flattened: bool) -> list[dict[str, Any]] | None:
    attrs = draft.attributes
    if K.GEN_AI_OUTPUT_MESSAGES in attrs:
        messages = normalize_messages(attrs[K.GEN_AI_OUTPUT_MESSAGES], "assistant")
    else:
        messages = _from_events(draft, output=True)
        if messages is None and flattened:
            messages = _from_flattened(attrs, GenAIKey.COMPLETION_PREFIX, "assistant")
    if messages is not None:
        messages = tidy_messages(messages)
        attrs[K.GEN_AI_OUTPUT_MESSAGES] = messages
    return messages


def _from_events(draft: SpanDraft, output: bool) -> list[dict[str, Any]] | None:
    kept: list[SpanEvent] = []
    messages: list[tuple[int, dict[str, Any]]] = []
    for position, event in enumerate(draft.events):
        found = _event_messages(event, output)
        if found is None:
            kept.append(event)
        else:
            # Choices carry their index; message events keep the order they were recorded in.
            messages.extend((index if index is not None else position, m) for index, m in found)
    if len(kept) == len(draft.events):
        return None
    draft.events = kept
    return [message for _, message in sorted(messages, key=lambda pair: pair[0])]


def _event_messages(event: SpanEvent, output: bool) -> list[tuple[int | None, Any]] | None:
    attrs = event.attributes
    if not output and event.name in _INPUT_EVENTS:
        return [(None, normalize_message(_event_body(attrs), _INPUT_EVENTS[event.name]))]
    if output and event.name == GenAIEvent.CHOICE:
        body = _event_body(attrs)
        message = parse_json(body.get("message"))
        if not isinstance(message, Mapping):
            message = {k: v for k, v in body.items() if k not in ("index", "finish_reason")}
        normalized = normalize_message(message, "assistant")
        if body.get("finish_reason"):
            normalized["finish_reason"] = body["finish_reason"]
        index = body.get("index")
        return [(index if isinstance(index, int) else None, normalized)]
    name, key, role = (
        (GenAIEvent.CONTENT_COMPLETION, GenAIKey.EVENT_COMPLETION, "assistant")
        if output
        else (GenAIEvent.CONTENT_PROMPT, GenAIKey.EVENT_PROMPT, "user")
    )
    if event.name == name:
        messages = normalize_messages(attrs.get(key), role) or []
        return [(None, message) for message in messages]
    return None


def _event_body(attrs: Mapping[str, Any]) -> dict[str, Any]:
    body = parse_json(attrs.get(GenAIKey.EVENT_CONTENT))
    if isinstance(body, Mapping):
        return dict(body)
    return {k: v for k, v in attrs.items() if k not in (GenAIKey.SYSTEM, K.GEN_AI_PROVIDER)}


def _from_flattened(
    attrs: dict[str, Any], prefix: str, default_role: str
) -> list[dict[str, Any]] | None:
    groups = pop_indexed(attrs, prefix)
    if not groups:
        return None
    messages = []
    for index, rest in groups:
        message: dict[str, Any] = {}
        for key in ("role", "content", "tool_call_id", "name", "finish_reason"):
            if key in rest:
                message[key] = rest.pop(key)
        calls = []
        for call_index, call in pop_indexed(rest, "tool_calls"):
            calls.append({k: call.pop(k, None) for k in ("id", "name", "arguments")})
            put_back(rest, "tool_calls", call_index, call)
        if "function_call.name" in rest:
            message["function_call"] = {
                "name": rest.pop("function_call.name"),
                "arguments": rest.pop("function_call.arguments", None),
            }
        message["tool_calls"] = calls
        messages.append(normalize_message(message, default_role))
        put_back(attrs, prefix, index, rest)
    return messages


def _tool_definitions(attrs: dict[str, Any], flattened: bool) -> None:
    value = attrs.get(K.GEN_AI_TOOL_DEFINITIONS)
    if isinstance(value, list):
        attrs[K.GEN_AI_TOOL_DEFINITIONS] = [normalize_tool_definition(t) for t in value]
        return
    if value is not None or not flattened:
        return
    groups = pop_indexed(attrs, GenAIKey.LLM_REQUEST_FUNCTIONS)
    if not groups:
        return
    tools = []
    for index, rest in groups:
        tool: dict[str, Any] = {"type": "function", "name": rest.pop("name", None)}
        if "description" in rest:
            tool["description"] = rest.pop("description")
        if "parameters" in rest:
            tool["parameters"] = parse_json(rest.pop("parameters"))
        tools.append(tool)
        put_back(attrs, GenAIKey.LLM_REQUEST_FUNCTIONS, index, rest)
    attrs[K.GEN_AI_TOOL_DEFINITIONS] = tools


def _tool_call(draft: SpanDraft) -> None:
    attrs = draft.attributes
    if draft.inputs is None and GenAIKey.TOOL_CALL_ARGUMENTS in attrs:
        draft.inputs = parse_json(attrs.pop(GenAIKey.TOOL_CALL_ARGUMENTS))
    if draft.outputs is None and GenAIKey.TOOL_CALL_RESULT in attrs:
        draft.outputs = parse_json(attrs.pop(GenAIKey.TOOL_CALL_RESULT))
