"""Vercel AI SDK telemetry (`ai.*` attributes) mapped onto the spanscope span.

The AI SDK's spans: `ai.generateText` / `ai.streamText` / `ai.generateObject` /
`ai.streamObject` (and `ai.embed` / `ai.embedMany`) around the whole call, a `.doGenerate` /
`.doStream` (`.doEmbed`) span per provider call, and an `ai.toolCall` span per tool run.

* `ai.operationId` (else the first word of `operation.name`) gives the type: the outer calls
  are CHAINs, the provider calls CHAT_MODEL (EMBEDDING for `.doEmbed`), tool runs TOOL.
* Input messages come from `ai.prompt.messages` (a provider call: the AI SDK's message list)
  or `ai.prompt` (the outer call: `{system, prompt, messages}`); the output message from
  `ai.response.text`, `ai.response.reasoning` and `ai.response.toolCalls` with
  `ai.response.finishReason` (`ai.result.*` / `ai.finishReason` before AI SDK 4). The AI SDK's
  parts become GenAI parts: `tool-call` (arguments `input`, or `args` before AI SDK 5, as
  objects) and `tool-result` (`output` `{type, value}`, or `result`) become `tool_call` and
  `tool_call_response`; `reasoning`, `image` and `file` parts become `reasoning`, `uri` or
  `blob`. `ai.prompt.tools` (one JSON text per tool) become the tool definitions.
* A tool span's `ai.toolCall.args` / `.result` are its inputs and outputs (decoded), its
  `ai.toolCall.name` / `.id` the GenAI tool name and call id.
* `ai.response.object` is the outputs of an object call; `ai.value(s)` the inputs of an
  embedding call.
* Usage: `ai.usage.inputTokens` / `promptTokens` (`tokens` on embeddings) and
  `outputTokens` / `completionTokens`, `reasoningTokens`, `cachedInputTokens` move to the GenAI
  keys (`ai.usage.totalTokens` is dropped when it is input + output). The outer span reports
  the whole call's usage and its provider calls their own: the trace's roll-up counts the
  outermost only.
* Model: `ai.model.id` is the request model, `ai.response.model` / `.id` the response's; the
  provider is `ai.model.provider` without its API suffix (`openai.chat` -> `openai`; the
  attribute stays, and the provider call's `gen_ai.system`, which repeats it, is dropped).

Consumed keys are removed; any other `ai.*` key (settings, `ai.telemetry.*`, headers) stays.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from spanscope.constants import SpanAttributeKey as K
from spanscope.entities.chat import normalize_tool_definition, text_part, tool_call_part
from spanscope.otel.conventions import VERCEL_OPERATION_SPAN_TYPES, GenAIKey
from spanscope.otel.conventions import VercelKey as AI
from spanscope.otel.draft import SpanDraft, move, parse_json
from spanscope.otel.genai import drop_consistent_total

__all__ = ["apply_vercel", "is_vercel"]

_PREFIX = "ai."
_OPERATION_NAME = "operation.name"
_MODALITIES = frozenset({"image", "audio", "video"})


def is_vercel(key: str) -> bool:
    """Whether an attribute key is one this module reads."""
    return key.startswith(_PREFIX)


def apply_vercel(draft: SpanDraft) -> None:
    """Map Vercel AI SDK attributes of a foreign span (see the module docstring)."""
    attrs = draft.attributes
    if draft.span_type is None:
        draft.span_type = VERCEL_OPERATION_SPAN_TYPES.get(_operation(attrs))
    _model(attrs)
    _usage(attrs)
    _messages(attrs)
    _tools(attrs)
    if draft.inputs is None:
        draft.inputs = _pop_decoded(attrs, AI.TOOL_CALL_ARGS)
    if draft.outputs is None:
        draft.outputs = _pop_decoded(attrs, AI.TOOL_CALL_RESULT)
    if AI.TOOL_CALL_NAME in attrs:
        move(attrs, AI.TOOL_CALL_NAME, K.GEN_AI_TOOL_NAME)
        move(attrs, AI.TOOL_CALL_ID, GenAIKey.TOOL_CALL_ID)
    if draft.outputs is None:
        for key in AI.RESPONSE_OBJECT:
            if key in attrs:
                draft.outputs = _pop_decoded(attrs, key)
                break
    if draft.inputs is None:
        for key in (AI.VALUE, AI.VALUES):
            if key in attrs:
                draft.inputs = _pop_decoded(attrs, key)
                break


def _operation(attrs: Mapping[str, Any]) -> str:
    operation = attrs.get(AI.OPERATION_ID)
    if not isinstance(operation, str):
        # operation.name is "<operationId> <functionId>".
        name = attrs.get(_OPERATION_NAME)
        operation = name.split(" ", 1)[0] if isinstance(name, str) else ""
    return operation


def _model(attrs: dict[str, Any]) -> None:
    move(attrs, AI.MODEL_ID, K.GEN_AI_REQUEST_MODEL)
    move(attrs, AI.RESPONSE_MODEL, K.GEN_AI_RESPONSE_MODEL)
    move(attrs, AI.RESPONSE_ID, K.GEN_AI_RESPONSE_ID)
    provider = attrs.get(AI.MODEL_PROVIDER)
    if isinstance(provider, str) and provider:
        if attrs.get(GenAIKey.SYSTEM) == provider:
            del attrs[GenAIKey.SYSTEM]
        attrs.setdefault(K.GEN_AI_PROVIDER, provider.split(".", 1)[0])


def _usage(attrs: dict[str, Any]) -> None:
    for keys, target in (
        (AI.INPUT_TOKENS, K.GEN_AI_INPUT_TOKENS),
        (AI.OUTPUT_TOKENS, K.GEN_AI_OUTPUT_TOKENS),
        ((AI.REASONING_TOKENS,), K.GEN_AI_REASONING_TOKENS),
        ((AI.CACHED_INPUT_TOKENS,), K.GEN_AI_CACHE_READ_TOKENS),
    ):
        for key in keys:
            if key in attrs:
                move(attrs, key, target)
    drop_consistent_total(attrs, AI.TOTAL_TOKENS)


def _messages(attrs: dict[str, Any]) -> None:
    if K.GEN_AI_INPUT_MESSAGES not in attrs:
        messages = _input_messages(attrs)
        if messages is not None:
            attrs[K.GEN_AI_INPUT_MESSAGES] = messages
    reason = _pop_first(attrs, AI.FINISH_REASON)
    if reason is not None and K.GEN_AI_FINISH_REASONS not in attrs:
        attrs[K.GEN_AI_FINISH_REASONS] = [reason]
    parts: list[dict[str, Any]] = []
    reasoning = attrs.pop(AI.RESPONSE_REASONING, None)
    if reasoning:
        parts.append({"type": "reasoning", "content": reasoning})
    text = _pop_first(attrs, AI.RESPONSE_TEXT)
    if text is not None and text != "":
        parts.append(text_part(text))
    calls = parse_json(_pop_first(attrs, AI.RESPONSE_TOOL_CALLS))
    if isinstance(calls, list):
        parts.extend(_tool_call(call) for call in calls)
    if parts and K.GEN_AI_OUTPUT_MESSAGES not in attrs:
        message: dict[str, Any] = {"role": "assistant", "parts": parts}
        if isinstance(reason, str) and reason:
            message["finish_reason"] = reason
        attrs[K.GEN_AI_OUTPUT_MESSAGES] = [message]


def _input_messages(attrs: dict[str, Any]) -> list[dict[str, Any]] | None:
    listed = parse_json(attrs.get(AI.PROMPT_MESSAGES))
    if isinstance(listed, list):
        del attrs[AI.PROMPT_MESSAGES]
        return [_message(message) for message in listed]
    prompt = parse_json(attrs.get(AI.PROMPT))
    if not isinstance(prompt, Mapping):
        return None
    del attrs[AI.PROMPT]
    messages: list[dict[str, Any]] = []
    system = prompt.get("system")
    if system:
        messages.append({"role": "system", "parts": [text_part(system)]})
    text = prompt.get("prompt")
    if isinstance(text, list):  # a prompt given as messages
        messages.extend(_message(message) for message in text)
    elif text is not None:
        messages.append({"role": "user", "parts": [text_part(text)]})
    if isinstance(prompt.get("messages"), list):
        messages.extend(_message(message) for message in prompt["messages"])
    return messages


def _message(message: Any) -> dict[str, Any]:
    if not isinstance(message, Mapping):
        return {"role": "user", "parts": [text_part(message)]}
    content = message.get("content")
    if isinstance(content, list):
        parts = [_part(part) for part in content]
    elif content is None or content == "":
        parts = []
    else:
        parts = [text_part(content)]
    return {"role": message.get("role") or "user", "parts": parts}


def _part(part: Any) -> dict[str, Any]:
    if not isinstance(part, Mapping):
        return text_part(part)
    kind = part.get("type")
    if kind == "text":
        return text_part(part.get("text"))
    if kind == "reasoning":
        return {"type": "reasoning", "content": part.get("text")}
    if kind == "tool-call":
        return _tool_call(part)
    if kind == "tool-result":
        output = part["output"] if "output" in part else part.get("result")
        # AI SDK 5+: {"type": "text" | "json" | "error-text" | "error-json" | ..., "value"}.
        if isinstance(output, Mapping) and "type" in output and "value" in output:
            output = output["value"]
        return {"type": "tool_call_response", "id": part.get("toolCallId"), "response": output}
    if kind in ("image", "file"):
        return _media(part)
    return dict(part)


def _tool_call(call: Any) -> dict[str, Any]:
    if not isinstance(call, Mapping):
        return tool_call_part(None, None, call)
    arguments = call["input"] if "input" in call else call.get("args")
    return tool_call_part(call.get("toolCallId"), call.get("toolName"), arguments)


def _media(part: Mapping[str, Any]) -> dict[str, Any]:
    data = part.get("image") if part.get("type") == "image" else part.get("data")
    mime = part.get("mediaType") or part.get("mimeType")
    media: dict[str, Any] = {}
    modality = mime.partition("/")[0] if isinstance(mime, str) else part.get("type")
    if modality in _MODALITIES:
        media["modality"] = modality
    if isinstance(mime, str):
        media["mime_type"] = mime
    if isinstance(data, str) and data.startswith(("http://", "https://", "data:")):
        return {"type": "uri", **media, "uri": data}
    return {"type": "blob", **media, "content": data}


def _tools(attrs: dict[str, Any]) -> None:
    value = attrs.get(AI.PROMPT_TOOLS)
    if value is None or K.GEN_AI_TOOL_DEFINITIONS in attrs:
        return
    listed = parse_json(value)
    if not isinstance(listed, list):
        return
    tools = []
    for item in listed:
        tool = parse_json(item)
        if isinstance(tool, Mapping) and "function" not in tool and "input_schema" not in tool:
            definition: dict[str, Any] = {
                "type": tool.get("type") or "function",
                "name": tool.get("name"),
            }
            if tool.get("description") is not None:
                definition["description"] = tool["description"]
            schema = tool.get("inputSchema", tool.get("parameters"))
            if schema is not None:
                definition["parameters"] = schema
            tools.append(definition)
        else:
            tools.append(normalize_tool_definition(tool))
    del attrs[AI.PROMPT_TOOLS]
    attrs[K.GEN_AI_TOOL_DEFINITIONS] = tools


def _pop_first(attrs: dict[str, Any], keys: tuple[str, ...]) -> Any:
    found = None
    for key in keys:
        if key in attrs:
            value = attrs.pop(key)
            found = value if found is None else found
    return found


def _pop_decoded(attrs: dict[str, Any], key: str) -> Any:
    if key not in attrs:
        return None
    return parse_json(attrs.pop(key), containers_only=False)
