"""Chat completions in the OpenAI wire shape, spoken by several providers' SDKs (OpenAI,
Groq, Mistral...): requests, responses and stream chunks -> GenAI messages, usage, finish
reasons, tool definitions, and the response a stream of chunks adds up to.

Pure functions over an SDK's pydantic objects or the equivalent dicts (the wire JSON), plus
`set_output` / `set_response`, which record them on an `LLMCall`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping
from typing import Any

from spanscope.constants import SpanAttributeKey
from spanscope.entities.chat import normalize_message
from spanscope.tracing.llm import LLMCall, Usage

__all__ = [
    "Message",
    "Output",
    "assemble_chat_stream",
    "call_inputs",
    "chat_input_messages",
    "chat_message",
    "chat_output",
    "chat_tools",
    "copy_fields",
    "get",
    "plain",
    "request_model",
    "set_output",
    "set_response",
    "usage",
]

Message = dict[str, Any]
Output = tuple[list[Message], list[str | None]]
"""Output messages (one per choice) and their finish reasons, in the same order."""


def get(obj: Any, key: str, default: Any = None) -> Any:
    """`obj[key]` of a mapping or `obj.key` of an SDK object; `default` when missing or None."""
    if obj is None:
        return default
    value = obj.get(key) if isinstance(obj, Mapping) else getattr(obj, key, None)
    return default if value is None else value


def plain(value: Any) -> Any:
    """A pydantic object as JSON-ready data; anything else unchanged.

    `warnings=False`: the SDK's parsed models (`message.parsed`) trip pydantic's serializer
    warnings, which must not surface in the user's program because of tracing.
    """
    dump = getattr(value, "model_dump", None)
    if callable(dump) and not isinstance(value, type):
        return dump(mode="json", warnings=False)
    return value


def usage(value: Any) -> Usage | None:
    """Token usage of chat/completions (`prompt_tokens`...) or Responses (`input_tokens`...)."""
    if value is None:
        return None
    input_details = get(value, "prompt_tokens_details") or get(value, "input_tokens_details")
    output_details = get(value, "completion_tokens_details") or get(value, "output_tokens_details")
    return Usage(
        input_tokens=get(value, "prompt_tokens", get(value, "input_tokens")),
        output_tokens=get(value, "completion_tokens", get(value, "output_tokens")),
        cache_read_tokens=get(input_details, "cached_tokens"),
        cache_creation_tokens=get(input_details, "cache_write_tokens"),
        reasoning_tokens=get(output_details, "reasoning_tokens"),
    )


def chat_input_messages(messages: Any) -> list[Message]:
    """The request's `messages` (dicts or SDK objects); an iterator is left unconsumed."""
    if not isinstance(messages, (list, tuple)):
        return []
    return [chat_message(message, "user") for message in messages]


def chat_message(message: Any, default_role: str) -> Message:
    data = plain(message)
    normalized = normalize_message(data, default_role)
    if isinstance(data, Mapping) and data.get("refusal"):
        normalized["parts"].append({"type": "refusal", "content": data["refusal"]})
    return normalized


def chat_tools(request: Mapping[str, Any]) -> list[Any]:
    """Tool definitions: `tools`, or the older `functions`."""
    tools = request.get("tools")
    if isinstance(tools, (list, tuple)):
        return [plain(tool) for tool in tools]
    functions = request.get("functions")
    if isinstance(functions, (list, tuple)):
        return [{"type": "function", "function": plain(f)} for f in functions]
    return []


def chat_output(response: Any) -> Output:
    """One assistant message per choice (text, refusal, tool calls) and its finish reason."""
    messages: list[Message] = []
    reasons: list[str | None] = []
    for choice in sorted(get(response, "choices", []), key=lambda c: get(c, "index", 0)):
        message = chat_message(get(choice, "message", {}), "assistant")
        reason = get(choice, "finish_reason")
        if reason:
            message["finish_reason"] = reason
        messages.append(message)
        reasons.append(reason)
    return messages, reasons


def assemble_chat_stream(chunks: Iterable[Any]) -> dict[str, Any]:
    """The chat completion (as JSON) that stream chunks add up to: text, refusal and tool-call
    deltas joined per choice, the last finish reason, and usage from the final usage chunk."""
    completion: dict[str, Any] = {"id": None, "object": "chat.completion", "model": None}
    choices: dict[int, dict[str, Any]] = {}
    usage_value: Any = None
    for chunk in chunks:
        copy_fields(chunk, completion, ("id", "created", "model", "system_fingerprint"))
        usage_value = get(chunk, "usage", usage_value)
        for delta_choice in get(chunk, "choices", []):
            index = get(delta_choice, "index", 0)
            choice = choices.setdefault(index, {"index": index, "message": {}, "calls": {}})
            _add_delta(choice, get(delta_choice, "delta"))
            choice["finish_reason"] = get(
                delta_choice, "finish_reason", choice.get("finish_reason")
            )
    completion["choices"] = [_chat_choice(choices[i]) for i in sorted(choices)]
    completion["usage"] = plain(usage_value)
    return completion


def _add_delta(choice: dict[str, Any], delta: Any) -> None:
    message = choice["message"]
    if get(delta, "role"):
        message["role"] = get(delta, "role")
    for key in ("content", "refusal"):
        piece = get(delta, key)
        if isinstance(piece, str) and piece:
            message[key] = message.get(key, "") + piece
    for call_delta in get(delta, "tool_calls", []):
        call = choice["calls"].setdefault(get(call_delta, "index", 0), {"function": {}})
        for key in ("id", "type"):
            if get(call_delta, key):
                call[key] = get(call_delta, key)
        _add_function_delta(call["function"], get(call_delta, "function"))
    if get(delta, "function_call") is not None:  # the pre-tools form
        _add_function_delta(message.setdefault("function_call", {}), get(delta, "function_call"))


def _add_function_delta(function: dict[str, Any], delta: Any) -> None:
    if get(delta, "name"):
        function["name"] = get(delta, "name")
    arguments = get(delta, "arguments", "")
    if isinstance(arguments, str) and isinstance(function.get("arguments", ""), str):
        function["arguments"] = function.get("arguments", "") + arguments
    else:  # arguments sent whole as an object (Mistral)
        function["arguments"] = arguments


def _chat_choice(choice: dict[str, Any]) -> dict[str, Any]:
    message = {"role": "assistant", "content": None, **choice["message"]}
    if choice["calls"]:
        message["tool_calls"] = [
            {"type": "function", **choice["calls"][i]} for i in sorted(choice["calls"])
        ]
    return {
        "index": choice["index"],
        "message": message,
        "finish_reason": choice.get("finish_reason"),
    }


def copy_fields(source: Any, target: dict[str, Any], keys: Iterable[str]) -> None:
    for key in keys:
        value = get(source, key)
        if value is not None:
            target[key] = value


def call_inputs(request: Mapping[str, Any], placeholders: tuple[type, ...] = ()) -> dict[str, Any]:
    """The span inputs: the call's arguments, without the SDK's placeholders for arguments not
    given (instances of `placeholders`) and without `extra_headers`, which may carry
    credentials. A pydantic class (structured outputs) is recorded as its JSON schema."""
    inputs: dict[str, Any] = {}
    for key, value in request.items():
        if key == "extra_headers" or isinstance(value, placeholders):
            continue
        if value is None and (key.startswith("extra_") or key == "timeout"):
            continue
        inputs[key] = _schema_of(value) if _is_model_class(value) else value
    return inputs


def request_model(request: Mapping[str, Any]) -> str | None:
    model = request.get("model")
    return model if isinstance(model, str) else None


def set_output(call: LLMCall, output: Output) -> None:
    """The output messages and finish reasons, kept with their choices when some are missing."""
    messages, reasons = output
    if not messages:
        return
    known = [reason for reason in reasons if reason]
    if len(known) == len(reasons):
        call.set_output_messages(messages, known)
    else:  # some choices unfinished (a stream cut short): keep reasons with their choices
        call.set_output_messages(messages)
        if known:
            call.span.set_attribute(SpanAttributeKey.GEN_AI_FINISH_REASONS, known)


def set_response(call: LLMCall, response: Any) -> None:
    """Usage, response model and id of a response."""
    call.set_usage(usage(get(response, "usage")))
    call.set_response(get(response, "model"), get(response, "id"))


def _is_model_class(value: Any) -> bool:
    return isinstance(value, type) and callable(getattr(value, "model_json_schema", None))


def _schema_of(model: Any) -> dict[str, Any]:
    described: dict[str, Any] = {"type": "json_schema", "name": model.__name__}
    # A model pydantic cannot describe keeps its name alone.
    with contextlib.suppress(Exception):
        described["schema"] = model.model_json_schema()
    return described
