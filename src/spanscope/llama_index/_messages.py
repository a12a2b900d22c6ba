"""LlamaIndex objects -> spanscope shapes: GenAI messages, usage, tools, documents.

Pure, duck-typed functions (no LlamaIndex import): `ChatMessage`s become OpenAI-style dicts
for the shared normaliser, `NodeWithScore`s become retriever-schema documents.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from spanscope.entities.chat import field, first_int, normalize_messages, normalize_tool_definition
from spanscope.entities.document import Document
from spanscope.tracing.llm import Usage

__all__ = [
    "chat_messages",
    "documents",
    "embedding_summary",
    "finish_reasons",
    "is_node_list",
    "provider_of",
    "response_message",
    "response_model",
    "text_message",
    "tool_definitions",
    "usage_of",
]

# LlamaIndex LLM class names (`class_name()`) -> the GenAI provider they call.
_PROVIDERS = (
    "azure_openai",
    "openai",
    "anthropic",
    "bedrock",
    "vertex",
    "gemini",
    "mistral",
    "groq",
    "cohere",
    "ollama",
    "huggingface",
)


def provider_of(class_name: Any) -> str:
    """`openai_llm` -> `openai`; mocks and unknown classes -> `llama_index`."""
    name = str(class_name or "").lower()
    return next((p for p in _PROVIDERS if p in name), "llama_index")


def chat_messages(messages: Any) -> list[dict[str, Any]]:
    """GenAI messages from a sequence of LlamaIndex `ChatMessage`s."""
    if not isinstance(messages, Iterable) or isinstance(messages, (str, bytes, Mapping)):
        return []
    return normalize_messages([_openai_style(m) for m in messages], "user") or []


def response_message(response: Any) -> list[dict[str, Any]]:
    """The assistant message of a `ChatResponse`, or the text of a `CompletionResponse`."""
    message = getattr(response, "message", None)
    if message is not None:
        return chat_messages([message])
    text = getattr(response, "text", None)
    return [] if text is None else text_message("assistant", text)


def text_message(role: str, text: Any) -> list[dict[str, Any]]:
    return normalize_messages([{"role": role, "content": str(text)}], role) or []


def _openai_style(message: Any) -> dict[str, Any]:
    role = getattr(message, "role", "user")
    role = str(getattr(role, "value", role))
    extra = getattr(message, "additional_kwargs", None) or {}
    content: list[dict[str, Any]] = []
    calls: list[dict[str, Any]] = []
    for block in getattr(message, "blocks", None) or []:
        kind = getattr(block, "block_type", None)
        if kind == "text":
            content.append({"type": "text", "text": block.text})
        elif kind == "image" and getattr(block, "url", None) is not None:
            content.append({"type": "image_url", "image_url": {"url": str(block.url)}})
        elif kind == "tool_call":
            arguments = block.tool_kwargs
            calls.append(
                {
                    "id": block.tool_call_id,
                    "function": {"name": block.tool_name, "arguments": arguments},
                }
            )
        elif kind == "thinking":
            content.append({"type": "reasoning", "content": block.content})
        elif kind is not None:
            content.append({"type": str(kind)})  # audio, documents...: the kind, not the bytes
    if not calls:  # older LLM classes keep the provider's tool calls here instead of blocks
        calls = [_dump(call) for call in extra.get("tool_calls") or []]
    result: dict[str, Any] = {"role": role, "content": _flatten(content)}
    if calls:
        result["tool_calls"] = calls
    call_id = extra.get("tool_call_id")
    if role == "tool" or call_id is not None:
        result["tool_call_id"] = call_id
    if extra.get("name"):
        result["name"] = extra["name"]
    return result


def _flatten(content: list[dict[str, Any]]) -> Any:
    """A single text block as plain text (the common case), else the list of blocks."""
    if len(content) == 1 and content[0].get("type") == "text":
        return content[0]["text"]
    return content or None


def _dump(value: Any) -> Any:
    dump = getattr(value, "model_dump", None)
    return dump() if callable(dump) else value


def usage_of(response: Any) -> Usage | None:
    """Token usage of a chat or completion response: the provider's raw response, else the
    counts LlamaIndex LLM classes copy into `additional_kwargs`."""
    raw = getattr(response, "raw", None)
    usage = field(raw, "usage")
    found = _usage(usage) if usage is not None else None
    if found is None:
        found = _usage(getattr(response, "additional_kwargs", None) or {})
    return found


def _usage(source: Any) -> Usage | None:
    inputs = first_int(field(source, "prompt_tokens"), field(source, "input_tokens"))
    outputs = first_int(field(source, "completion_tokens"), field(source, "output_tokens"))
    if inputs is None and outputs is None:
        return None
    details = field(source, "prompt_tokens_details")
    completion_details = field(source, "completion_tokens_details")
    return Usage(
        input_tokens=inputs,
        output_tokens=outputs,
        cache_read_tokens=first_int(
            field(details, "cached_tokens"), field(source, "cache_read_input_tokens")
        ),
        cache_creation_tokens=first_int(field(source, "cache_creation_input_tokens")),
        reasoning_tokens=first_int(field(completion_details, "reasoning_tokens")),
    )


def finish_reasons(response: Any) -> list[str]:
    raw = getattr(response, "raw", None)
    reasons = [field(choice, "finish_reason") for choice in field(raw, "choices") or []]
    stop = field(raw, "stop_reason")  # Anthropic-style raw responses
    return [str(r) for r in [*reasons, stop] if r]


def response_model(response: Any) -> str | None:
    model = field(getattr(response, "raw", None), "model")
    return model if isinstance(model, str) else None


def tool_definitions(tools: Any) -> list[Any]:
    """GenAI tool definitions from LlamaIndex tools or the provider's tool dicts."""
    if not isinstance(tools, Iterable) or isinstance(tools, (str, bytes, Mapping)):
        return []
    definitions = []
    for tool in tools:
        metadata = getattr(tool, "metadata", None)
        to_openai = getattr(metadata, "to_openai_tool", None)
        definitions.append(normalize_tool_definition(to_openai() if callable(to_openai) else tool))
    return definitions


def is_node_list(value: Any) -> bool:
    """A non-empty list of `NodeWithScore`s (what retrievers and rerankers return)."""
    return (
        isinstance(value, list)
        and bool(value)
        and all(hasattr(item, "node") and hasattr(item, "score") for item in value)
    )


def documents(nodes: list[Any]) -> list[dict[str, Any]]:
    """Retriever-schema documents; the score goes into the metadata."""
    out = []
    for item in nodes:
        node = item.node
        metadata = dict(getattr(node, "metadata", None) or {})
        uri = metadata.get("file_path") or metadata.get("url") or metadata.get("source")
        if uri is not None:
            metadata.setdefault("doc_uri", uri)
        source_id = getattr(node, "ref_doc_id", None)
        if source_id is not None:
            metadata.setdefault("doc_id", source_id)
        metadata["score"] = item.score
        get_content = getattr(node, "get_content", None)
        text = get_content() if callable(get_content) else getattr(node, "text", "")
        out.append(Document(str(text), metadata, getattr(node, "node_id", None)).to_dict())
    return out


def embedding_summary(embeddings: Any) -> dict[str, int] | None:
    """How many vectors of which size; the vectors themselves would swamp the trace."""
    if not isinstance(embeddings, list) or not embeddings:
        return None
    if all(isinstance(x, (int, float)) for x in embeddings):
        return {"count": 1, "dimensions": len(embeddings)}
    if all(isinstance(x, list) for x in embeddings):
        return {"count": len(embeddings), "dimensions": len(embeddings[0])}
    return None
