"""Pure functions: AutoGen's model messages, results, usage and tools in the shapes spanscope
records (OpenAI-style messages, which `spanscope.entities.chat` normalises)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from spanscope.tracing.llm import Usage

__all__ = [
    "assemble",
    "finish_reason",
    "model_of",
    "output_message",
    "provider_of",
    "request_messages",
    "tool_definitions",
    "usage",
]

# AutoGen's own finish reasons, in the words of the OpenAI API that most UIs show.
_FINISH = {"function_calls": "tool_calls"}


def _kind(message: Any) -> str:
    return str(getattr(message, "type", type(message).__name__))


def _calls(calls: Iterable[Any]) -> list[dict[str, Any]]:
    return [
        {
            "id": getattr(call, "id", None),
            "type": "function",
            "function": {
                "name": getattr(call, "name", None),
                "arguments": getattr(call, "arguments", None),
            },
        }
        for call in calls
    ]


def _user_content(content: Any) -> Any:
    if isinstance(content, str):
        return content
    parts: list[dict[str, Any]] = []
    for part in content or []:
        if isinstance(part, str):
            parts.append({"type": "text", "text": part})
        else:  # an Image: its data URI would bloat every span; its kind is enough
            parts.append({"type": "text", "text": f"[{type(part).__name__}]"})
    return parts


def request_messages(messages: Sequence[Any]) -> tuple[list[dict[str, Any]], list[str]]:
    """The conversation (OpenAI-style dicts) and the system instructions, apart."""
    chat: list[dict[str, Any]] = []
    system: list[str] = []
    for message in messages:
        kind = _kind(message)
        content = getattr(message, "content", None)
        if kind == "SystemMessage":
            system.append(str(content))
        elif kind == "UserMessage":
            chat.append({"role": "user", "content": _user_content(content)})
        elif kind == "AssistantMessage":
            chat.append(_assistant(content))
        elif kind == "FunctionExecutionResultMessage":
            chat.extend(
                {
                    "role": "tool",
                    "tool_call_id": getattr(result, "call_id", None),
                    "content": getattr(result, "content", None),
                }
                for result in content or []
            )
    return chat, system


def _assistant(content: Any) -> dict[str, Any]:
    if isinstance(content, str):
        return {"role": "assistant", "content": content}
    return {"role": "assistant", "content": None, "tool_calls": _calls(content or [])}


def output_message(result: Any) -> dict[str, Any]:
    """A CreateResult as the assistant's message."""
    return _assistant(getattr(result, "content", None))


def finish_reason(result: Any) -> str | None:
    reason = getattr(result, "finish_reason", None)
    return _FINISH.get(reason, reason) if isinstance(reason, str) else None


def usage(result: Any) -> Usage | None:
    counts = getattr(result, "usage", None)
    if counts is None:
        return None
    return Usage(
        input_tokens=getattr(counts, "prompt_tokens", None),
        output_tokens=getattr(counts, "completion_tokens", None),
    )


def tool_definitions(tools: Sequence[Any] | None) -> list[dict[str, Any]]:
    """Tools (objects with a `schema`) and tool schemas as OpenAI function definitions."""
    definitions: list[dict[str, Any]] = []
    for tool in tools or []:
        schema = tool if isinstance(tool, Mapping) else getattr(tool, "schema", None)
        if isinstance(schema, Mapping):
            definitions.append({"type": "function", "function": dict(schema)})
    return definitions


def model_of(client: Any) -> str | None:
    """The model a client asks for: the clients keep it among their create arguments."""
    arguments = getattr(client, "_create_args", None)
    model = arguments.get("model") if isinstance(arguments, Mapping) else None
    return model if isinstance(model, str) else None


def provider_of(client: Any) -> str:
    name = type(client).__name__.lower()
    if "azure" in name:
        return "azure.ai.openai"
    for provider in ("anthropic", "ollama"):
        if provider in name:
            return provider
    return "openai"


def assemble(chunks: Sequence[Any]) -> tuple[Any, dict[str, Any] | None]:
    """A stream's final CreateResult (the last chunk), or the text that came before it was
    dropped, as (outputs, output message)."""
    for chunk in reversed(chunks):
        if not isinstance(chunk, str):
            return chunk, output_message(chunk)
    text = "".join(chunk for chunk in chunks if isinstance(chunk, str))
    if not text:
        return None, None
    return text, {"role": "assistant", "content": text}
