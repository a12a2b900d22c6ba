"""The OpenAI SDK's requests, responses and stream chunks in the GenAI shape.

Pure functions over the SDK's pydantic objects or the equivalent dicts (the wire JSON):
messages with typed parts, finish reasons, token usage, tool definitions, and the response a
stream of chunks adds up to, for Chat Completions and legacy completions (the Responses API
is in `_responses`). Nothing here touches a span.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from openai._types import NotGiven, Omit

from spanscope.entities.chat import text_part
from spanscope.tracing.chat_completions import (
    Message,
    Output,
    assemble_chat_stream,
    call_inputs,
    chat_input_messages,
    chat_output,
    chat_tools,
    copy_fields,
    get,
    plain,
    request_model,
    usage,
)

__all__ = [
    "Message",
    "Output",
    "assemble_chat_stream",
    "assemble_completion_stream",
    "chat_input_messages",
    "chat_output",
    "chat_tools",
    "completion_input_messages",
    "completion_output",
    "get",
    "plain",
    "request_inputs",
    "request_model",
    "usage",
]


def request_inputs(request: Mapping[str, Any]) -> dict[str, Any]:
    """The span inputs: the call's arguments without the SDK's `omit` placeholders (the
    `.stream()` helpers pass every parameter) and without credentials."""
    return call_inputs(request, (Omit, NotGiven))


# --- Legacy completions -----------------------------------------------------------------------


def completion_input_messages(prompt: Any) -> list[Message]:
    """One user message per prompt; prompts given as token ids have no text to show."""
    prompts = [prompt] if isinstance(prompt, str) else prompt
    if not isinstance(prompts, (list, tuple)) or not all(isinstance(p, str) for p in prompts):
        return []
    return [{"role": "user", "parts": [text_part(p)]} for p in prompts]


def completion_output(response: Any) -> Output:
    messages: list[Message] = []
    reasons: list[str | None] = []
    for choice in sorted(get(response, "choices", []), key=lambda c: get(c, "index", 0)):
        message: Message = {"role": "assistant", "parts": [text_part(get(choice, "text", ""))]}
        reason = get(choice, "finish_reason")
        if reason:
            message["finish_reason"] = reason
        messages.append(message)
        reasons.append(reason)
    return messages, reasons


def assemble_completion_stream(chunks: Iterable[Any]) -> dict[str, Any]:
    """The text completion (as JSON) that stream chunks add up to, text joined per choice."""
    completion: dict[str, Any] = {"id": None, "object": "text_completion", "model": None}
    choices: dict[int, dict[str, Any]] = {}
    usage_value: Any = None
    for chunk in chunks:
        copy_fields(chunk, completion, ("id", "created", "model", "system_fingerprint"))
        usage_value = get(chunk, "usage", usage_value)
        for part in get(chunk, "choices", []):
            index = get(part, "index", 0)
            choice = choices.setdefault(index, {"index": index, "text": "", "finish_reason": None})
            choice["text"] += get(part, "text", "")
            choice["finish_reason"] = get(part, "finish_reason", choice["finish_reason"])
    completion["choices"] = [choices[i] for i in sorted(choices)]
    completion["usage"] = plain(usage_value)
    return completion
