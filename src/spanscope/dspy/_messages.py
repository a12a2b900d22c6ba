"""DSPy objects -> spanscope shapes: LM calls in the GenAI form, usage, outputs, documents.

Pure, duck-typed functions (no DSPy import).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from spanscope.entities.chat import field, first_int, normalize_messages
from spanscope.entities.document import Document
from spanscope.tracing.llm import Usage

__all__ = [
    "call_inputs",
    "find_history_entry",
    "finish_reasons",
    "input_messages",
    "model_and_provider",
    "output_messages",
    "passages",
    "plain",
    "usage_of",
]

_HISTORY_SCAN = 64  # newest history entries searched for a call's own entry


def model_and_provider(model: Any) -> tuple[str | None, str]:
    """`"openai/gpt-4o-mini"` -> `("gpt-4o-mini", "openai")`; no prefix -> provider `dspy`."""
    if not isinstance(model, str) or not model:
        return None, "dspy"
    provider, sep, name = model.partition("/")
    return (name, provider) if sep and name else (model, "dspy")


def call_inputs(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """A module's `(args, kwargs)` (or a tool's `kwargs`) as one flat dict of arguments."""
    flat = {k: v for k, v in inputs.items() if k not in ("args", "kwargs")}
    kwargs = inputs.get("kwargs")
    if isinstance(kwargs, Mapping):
        flat.update(kwargs)
    args = inputs.get("args")
    if args:
        flat["args"] = list(args)
    return {name: plain(value) for name, value in flat.items()}


def plain(value: Any) -> Any:
    """DSPy values as data: a Prediction or Example as its fields, a signature as its text."""
    to_dict = getattr(value, "toDict", None)
    if callable(to_dict):
        return to_dict()
    signature = getattr(value, "signature", None)
    if isinstance(signature, str) and isinstance(value, type):
        return signature  # a Signature class: "question -> answer"
    return value


def input_messages(inputs: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The messages an LM was called with (OpenAI-style), or its prompt as a user message."""
    messages = inputs.get("messages")
    if messages:
        return normalize_messages(list(messages), "user") or []
    prompt = inputs.get("prompt")
    if prompt is None:
        return []
    return normalize_messages([{"role": "user", "content": prompt}], "user") or []


def output_messages(outputs: Any) -> list[dict[str, Any]]:
    """An LM's outputs (one per choice: text, or a dict with text and tool calls)."""
    if not isinstance(outputs, Sequence) or isinstance(outputs, (str, bytes)):
        return []
    messages = []
    for output in outputs:
        if isinstance(output, Mapping):
            message: dict[str, Any] = {"role": "assistant", "content": output.get("text")}
            if output.get("tool_calls"):
                message["tool_calls"] = [_dump(call) for call in output["tool_calls"]]
            messages.append(message)
        else:
            messages.append({"role": "assistant", "content": str(output)})
    return normalize_messages(messages, "assistant") or []


def find_history_entry(history: Any, messages: Any, prompt: Any) -> Mapping[str, Any] | None:
    """The LM history entry of one call: the newest whose messages (or prompt) are the call's,
    so a call is not credited with another thread's usage."""
    if not isinstance(history, list):
        return None
    for entry in reversed(history[-_HISTORY_SCAN:]):
        if not isinstance(entry, Mapping):
            continue
        if messages is not None and entry.get("messages") is messages:
            return entry
        if messages is None and prompt is not None and entry.get("prompt") == prompt:
            return entry
    for entry in reversed(history[-_HISTORY_SCAN:]):  # the entry may hold a copy
        if isinstance(entry, Mapping) and messages and entry.get("messages") == messages:
            return entry
    return None


def usage_of(entry: Mapping[str, Any]) -> Usage | None:
    usage = entry.get("usage")
    if not isinstance(usage, Mapping) or not usage:
        return None
    prompt_details = usage.get("prompt_tokens_details")
    completion_details = usage.get("completion_tokens_details")
    return Usage(
        input_tokens=first_int(usage.get("prompt_tokens"), usage.get("input_tokens")),
        output_tokens=first_int(usage.get("completion_tokens"), usage.get("output_tokens")),
        cache_read_tokens=first_int(field(prompt_details, "cached_tokens")),
        reasoning_tokens=first_int(field(completion_details, "reasoning_tokens")),
    )


def finish_reasons(entry: Mapping[str, Any]) -> list[str]:
    choices = field(entry.get("response"), "choices") or []
    return [str(r) for r in (field(choice, "finish_reason") for choice in choices) if r]


def passages(prediction: Any) -> list[dict[str, Any]] | None:
    """A `dspy.Retrieve` result as retriever-schema documents."""
    found = getattr(prediction, "passages", None)
    if not isinstance(found, list):
        return None
    docs = []
    for rank, passage in enumerate(found):
        if isinstance(passage, Mapping):
            text = passage.get("long_text") or passage.get("text") or ""
            metadata = {k: v for k, v in passage.items() if k not in ("long_text", "text")}
        else:
            text, metadata = str(passage), {}
        metadata.setdefault("rank", rank)
        docs.append(Document(str(text), metadata, None).to_dict())
    return docs


def _dump(value: Any) -> Any:
    dump = getattr(value, "model_dump", None)
    return dump() if callable(dump) else value
