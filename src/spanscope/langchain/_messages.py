"""Pure conversions of LangChain objects into spanscope's shapes.

Messages become OpenAI-style dicts (role, content, tool_calls, tool_call_id, name), which
`spanscope.entities.chat` turns into the GenAI form; documents follow the retriever schema; an
`LLMResult` yields output messages, finish reasons, usage, response model and id.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.documents import Document as LCDocument
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatGeneration, Generation, LLMResult
from langchain_core.prompt_values import ChatPromptValue, PromptValue

from spanscope.entities.document import Document
from spanscope.tracing.llm import Usage

__all__ = [
    "document_to_dict",
    "finish_reasons",
    "message_to_dict",
    "output_messages",
    "partial_reply",
    "request_model",
    "response_model_and_id",
    "split_system",
    "to_plain",
    "usage",
]

# BaseMessage.type -> OpenAI role; chunk types ("AIMessageChunk") are mapped by their stem.
_ROLES = {
    "human": "user",
    "ai": "assistant",
    "system": "system",
    "developer": "developer",
    "tool": "tool",
    "function": "function",
}
_CHUNK_STEMS = {"AI": "ai", "Human": "human", "System": "system", "Tool": "tool"}
_MAX_DEPTH = 12  # deeper structures are left to the serialiser, which cuts them safely


def message_to_dict(message: BaseMessage) -> dict[str, Any]:
    """One LangChain message as an OpenAI-style chat message."""
    kind = message.type
    if kind.endswith("MessageChunk"):
        kind = _CHUNK_STEMS.get(kind[: -len("MessageChunk")], kind[: -len("MessageChunk")])
    role = _ROLES.get(kind) or str(getattr(message, "role", None) or kind)
    calls = getattr(message, "tool_calls", None) or []
    content: Any = message.content
    if calls and isinstance(content, list):
        # Anthropic-style replies repeat each tool call as a content block; keep one copy.
        content = [b for b in content if not (isinstance(b, Mapping) and _is_call_block(b))]
    out: dict[str, Any] = {"role": role, "content": content}
    if calls:
        out["tool_calls"] = [
            {
                "id": call.get("id"),
                "type": "function",
                "function": {"name": call.get("name"), "arguments": call.get("args")},
            }
            for call in calls
        ]
    call_id = getattr(message, "tool_call_id", None)
    if call_id is not None:
        out["tool_call_id"] = call_id
    if message.name:
        out["name"] = message.name
    return out


def _is_call_block(block: Mapping[str, Any]) -> bool:
    return block.get("type") in ("tool_use", "tool_call")


def document_to_dict(document: Any) -> dict[str, Any]:
    """A LangChain Document in the retriever schema (`source` doubles as `doc_uri`)."""
    metadata = dict(getattr(document, "metadata", None) or {})
    if "source" in metadata and "doc_uri" not in metadata:
        metadata["doc_uri"] = metadata["source"]
    text = getattr(document, "page_content", "")
    doc_id = getattr(document, "id", None)
    return Document(str(text), metadata, None if doc_id is None else str(doc_id)).to_dict()


def to_plain(value: Any, depth: int = 0) -> Any:
    """`value` with LangChain messages, prompt values and documents made plain dicts.

    Containers are copied only as deep as needed; anything else is left to the serialiser.
    """
    if depth > _MAX_DEPTH:
        return value
    if isinstance(value, BaseMessage):
        return message_to_dict(value)
    if isinstance(value, ChatPromptValue):
        return [message_to_dict(m) for m in value.messages]
    if isinstance(value, PromptValue):
        return value.to_string()
    if isinstance(value, LCDocument):
        return document_to_dict(value)
    if isinstance(value, Mapping):
        return {key: to_plain(item, depth + 1) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(item, depth + 1) for item in value]
    return value


def _first_generations(response: LLMResult) -> list[Generation]:
    # One LangChain run covers one prompt: its choices are generations[0].
    return list(response.generations[0]) if response.generations else []


def output_messages(response: LLMResult) -> list[dict[str, Any]]:
    """The reply (one message per choice) as OpenAI-style assistant messages."""
    out = []
    for generation in _first_generations(response):
        if isinstance(generation, ChatGeneration):
            out.append(message_to_dict(generation.message))
        else:
            out.append({"role": "assistant", "content": generation.text})
    return out


def partial_reply(response: Any) -> LLMResult | None:
    """What a failed run replied before it failed (a stream's first chunks), or None.

    LangChain hands `on_llm_error` an LLMResult even when nothing came back: no generation at
    all, or one empty assistant message holding the error's HTTP response as metadata. That is
    no reply, and a span recording it would show an empty assistant turn.
    """
    if not isinstance(response, LLMResult):
        return None
    if any(_has_reply(g) for g in _first_generations(response)):
        return response
    return None


def _has_reply(generation: Generation) -> bool:
    if not isinstance(generation, ChatGeneration):
        return bool(generation.text)
    message = generation.message
    calls = getattr(message, "tool_calls", None) or getattr(message, "invalid_tool_calls", None)
    return bool(message.content) or bool(calls)


def finish_reasons(response: LLMResult) -> list[str | None]:
    """Why each choice stopped, from generation_info or the message's response_metadata."""
    reasons: list[str | None] = []
    for generation in _first_generations(response):
        info = generation.generation_info or {}
        reason = info.get("finish_reason")
        if reason is None and isinstance(generation, ChatGeneration):
            metadata = generation.message.response_metadata or {}
            reason = metadata.get("finish_reason") or metadata.get("stop_reason")
        reasons.append(None if reason is None else str(reason))
    return reasons


def usage(response: LLMResult) -> Usage | None:
    """Token usage from the message's `usage_metadata`, else from `llm_output`."""
    for generation in _first_generations(response):
        message = generation.message if isinstance(generation, ChatGeneration) else None
        metadata = getattr(message, "usage_metadata", None)
        if metadata:
            # Choices of one call share its usage (some providers copy it onto each): take one.
            inputs = dict(metadata.get("input_token_details") or {})
            outputs = dict(metadata.get("output_token_details") or {})
            return Usage(
                input_tokens=metadata.get("input_tokens"),
                output_tokens=metadata.get("output_tokens"),
                cache_read_tokens=inputs.get("cache_read"),
                cache_creation_tokens=inputs.get("cache_creation"),
                reasoning_tokens=outputs.get("reasoning"),
            )
    llm_output = response.llm_output or {}
    counts = llm_output.get("token_usage") or llm_output.get("usage")
    if not isinstance(counts, Mapping):
        return None
    found = Usage(
        input_tokens=_first(counts, "prompt_tokens", "input_tokens"),
        output_tokens=_first(counts, "completion_tokens", "output_tokens"),
    )
    return found if found.attributes() else None


def _first(mapping: Mapping[str, Any], *keys: str) -> Any:
    for key in keys:
        if mapping.get(key) is not None:
            return mapping[key]
    return None


def response_model_and_id(response: LLMResult) -> tuple[str | None, str | None]:
    """The model that answered and the provider's response id, where LangChain kept them."""
    llm_output = response.llm_output or {}
    model = llm_output.get("model_name") or llm_output.get("model")
    response_id = llm_output.get("id")
    for generation in _first_generations(response):
        if isinstance(generation, ChatGeneration):
            metadata = generation.message.response_metadata or {}
            model = model or metadata.get("model_name") or metadata.get("model")
            response_id = response_id or metadata.get("id")
            break
    return (str(model) if model else None, str(response_id) if response_id else None)


def request_model(metadata: Mapping[str, Any], params: Mapping[str, Any]) -> str | None:
    """The model asked for: LangChain's `ls_model_name`, else the invocation parameters."""
    model = metadata.get("ls_model_name") or _first(params, "model", "model_name", "model_id")
    return str(model) if model else None


def split_system(messages: Sequence[dict[str, Any]]) -> tuple[list[Any], list[Any]]:
    """Leading system messages (the instructions) and the rest of the conversation."""
    count = 0
    while count < len(messages) and messages[count].get("role") == "system":
        count += 1
    return list(messages[:count]), list(messages[count:])
