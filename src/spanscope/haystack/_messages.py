"""Haystack objects -> spanscope shapes: GenAI messages, usage, tools, documents, plain values.

Pure, duck-typed functions (no Haystack import): a `ChatMessage` becomes an OpenAI-style dict
for the shared normaliser, a `Document` a retriever-schema document, a reply's `meta` the
model and token usage of the call.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, TypeGuard

from spanscope.entities.chat import field, first_int, normalize_messages
from spanscope.entities.document import Document
from spanscope.entities.span_type import SpanType
from spanscope.tracing.llm import Usage

__all__ = [
    "chat_messages",
    "component_kind",
    "documents",
    "finish_reasons",
    "first_chunk_ns",
    "is_document_list",
    "plain",
    "provider_of",
    "reply_meta",
    "tool_definitions",
    "usage_of",
    "without_embeddings",
]

# Component class names -> the GenAI provider they call (the first match wins).
_PROVIDERS = (
    ("AzureOpenAI", "azure.ai.openai"),
    ("OpenAI", "openai"),
    ("Anthropic", "anthropic"),
    ("Bedrock", "aws.bedrock"),
    ("Vertex", "gcp.vertex_ai"),
    ("Google", "gcp.gen_ai"),
    ("Gemini", "gcp.gen_ai"),
    ("Mistral", "mistral_ai"),
    ("Cohere", "cohere"),
    ("Ollama", "ollama"),
    ("HuggingFace", "huggingface"),
    ("Groq", "groq"),
)


def provider_of(class_name: str) -> str:
    for marker, provider in _PROVIDERS:
        if marker.lower() in class_name.lower():
            return provider
    return "haystack"


def component_kind(class_name: str, output_spec: Any) -> str:
    """The span type of a component, from its class name and its output sockets."""
    outputs = output_spec if isinstance(output_spec, Mapping) else {}
    replies = outputs.get("replies")
    if "ChatGenerator" in class_name:
        return SpanType.CHAT_MODEL
    if isinstance(replies, Mapping) and "Generator" in class_name:
        return SpanType.CHAT_MODEL if "ChatMessage" in str(replies.get("type")) else SpanType.LLM
    for marker, kind in (
        ("Embedder", SpanType.EMBEDDING),
        ("Retriever", SpanType.RETRIEVER),
        ("Ranker", SpanType.RERANKER),
        ("ToolInvoker", SpanType.TOOL),
    ):
        if marker in class_name:
            return kind
    if class_name == "Agent" or class_name.endswith("Agent"):
        return SpanType.AGENT
    return SpanType.CHAIN


def plain(value: Any, depth: int = 0) -> Any:
    """`value` with Haystack's dataclasses as dicts (their trace form when they have one) and
    callables as their names; anything else is left to spanscope's serialiser."""
    if depth > 20:
        return repr(value)
    if isinstance(value, Mapping):
        return {str(k): plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(v, depth + 1) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if _is_chat_message(value):
        return chat_messages([value])[0]
    for method in ("_to_trace_dict", "to_dict"):
        convert = getattr(value, method, None)
        if callable(convert) and not isinstance(value, type):
            try:
                return plain(convert(), depth + 1)
            except Exception:  # a to_dict needing arguments, or failing: keep the object
                continue
    if callable(value):
        return getattr(value, "__qualname__", None) or type(value).__name__
    return value


def _is_chat_message(value: Any) -> bool:
    return (
        hasattr(value, "role") and hasattr(value, "tool_call_results") and hasattr(value, "texts")
    )


def chat_messages(messages: Any) -> list[dict[str, Any]]:
    """GenAI messages from `ChatMessage`s (or a prompt string, or plain strings)."""
    if isinstance(messages, str):
        messages = [messages]
    if not isinstance(messages, (list, tuple)):
        return []
    openai_style = [_openai_style(m) for m in messages]
    return normalize_messages(openai_style, "user") or []


def _openai_style(message: Any) -> Any:
    if isinstance(message, str) or not _is_chat_message(message):
        return {"role": "user", "content": message if isinstance(message, str) else str(message)}
    role = field(message.role, "value") or str(message.role)
    content: list[dict[str, Any]] = []
    reasoning = getattr(message, "reasoning", None)
    if reasoning is not None and getattr(reasoning, "reasoning_text", None):
        content.append({"type": "reasoning", "content": reasoning.reasoning_text})
    content.extend({"type": "text", "text": text} for text in message.texts or [])
    for image in getattr(message, "images", None) or []:
        mime = getattr(image, "mime_type", None) or "image"
        content.append({"type": "blob", "modality": "image", "mime_type": mime})
    result: dict[str, Any] = {"role": role, "content": content}
    if len(content) == 1 and content[0].get("type") == "text":
        result["content"] = content[0]["text"]
    calls = message.tool_calls or []
    if calls:
        result["tool_calls"] = [
            {"id": c.id, "function": {"name": c.tool_name, "arguments": c.arguments}} for c in calls
        ]
    results = message.tool_call_results or []
    if results:
        tool_result = results[0]
        origin = getattr(tool_result, "origin", None)
        result = {
            "role": "tool",
            "tool_call_id": getattr(origin, "id", None),
            "content": tool_result.result,
        }
    if getattr(message, "name", None):
        result["name"] = message.name
    return result


def tool_definitions(tools: Any) -> list[dict[str, Any]]:
    """`{"type": "function", "name", "description", "parameters"}` for Haystack `Tool`s and
    the tools of a `Toolset`."""
    found: list[Any] = []
    for item in tools if isinstance(tools, (list, tuple)) else [tools]:
        inner = getattr(item, "tools", None)  # a Toolset
        found.extend(inner if isinstance(inner, (list, tuple)) else [item])
    definitions = []
    for tool in found:
        name = getattr(tool, "name", None)
        if not isinstance(name, str):
            continue
        definition: dict[str, Any] = {"type": "function", "name": name}
        if getattr(tool, "description", None):
            definition["description"] = tool.description
        if getattr(tool, "parameters", None) is not None:
            definition["parameters"] = tool.parameters
        definitions.append(definition)
    return definitions


def reply_meta(outputs: Any) -> list[Mapping[str, Any]]:
    """The `meta` of each reply: on the `ChatMessage`s, or the `meta` list of a text generator
    or the `meta` dict of an embedder."""
    if not isinstance(outputs, Mapping):
        return []
    replies = outputs.get("replies")
    metas: list[Any] = []
    if isinstance(replies, list):
        metas = [getattr(reply, "meta", None) for reply in replies]
    listed = outputs.get("meta")
    if isinstance(listed, list):
        metas.extend(listed)
    elif isinstance(listed, Mapping):
        metas.append(listed)
    return [meta for meta in metas if isinstance(meta, Mapping)]


def usage_of(metas: list[Mapping[str, Any]]) -> Usage | None:
    """The call's token usage: each reply of one call carries the same counts, so the first."""
    for meta in metas:
        usage = meta.get("usage")
        if isinstance(usage, Mapping):
            prompt = usage.get("prompt_tokens_details")
            completion = usage.get("completion_tokens_details")
            return Usage(
                input_tokens=first_int(usage.get("prompt_tokens"), usage.get("input_tokens")),
                output_tokens=first_int(usage.get("completion_tokens"), usage.get("output_tokens")),
                cache_read_tokens=first_int(
                    field(prompt, "cached_tokens"), usage.get("cache_read_input_tokens")
                ),
                cache_creation_tokens=first_int(usage.get("cache_creation_input_tokens")),
                reasoning_tokens=first_int(field(completion, "reasoning_tokens")),
            )
    return None


def first_chunk_ns(metas: list[Mapping[str, Any]]) -> int | None:
    """When a streamed reply's first chunk arrived (ns since the epoch), from the
    `completion_start_time` Haystack's generators note: an ISO time, naive ones in local
    time as `datetime.now()` writes them."""
    for meta in metas:
        value = meta.get("completion_start_time")
        if isinstance(value, str):
            try:
                return int(datetime.fromisoformat(value).timestamp() * 1_000_000_000)
            except ValueError:
                return None
    return None


def finish_reasons(metas: list[Mapping[str, Any]]) -> list[str | None]:
    return [
        reason if isinstance(reason := meta.get("finish_reason"), str) else None for meta in metas
    ]


def is_document_list(value: Any) -> TypeGuard[list[Any]]:
    return (
        isinstance(value, list)
        and bool(value)
        and all(hasattr(item, "content") and hasattr(item, "score") for item in value)
    )


def documents(docs: list[Any]) -> list[dict[str, Any]]:
    """Retriever-schema documents; the score goes into the metadata."""
    out = []
    for doc in docs:
        metadata = dict(getattr(doc, "meta", None) or {})
        uri = metadata.get("file_path") or metadata.get("url") or metadata.get("source")
        if uri is not None:
            metadata.setdefault("doc_uri", uri)
        if getattr(doc, "score", None) is not None:
            metadata["score"] = doc.score
        text = getattr(doc, "content", None) or ""
        out.append(Document(str(text), plain(metadata), getattr(doc, "id", None)).to_dict())
    return out


def without_embeddings(value: Any) -> Any:
    """An embedder's outputs with each vector replaced by its size: the vectors would swamp
    the trace."""
    if not isinstance(value, Mapping):
        return plain(value)
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key == "embedding" and isinstance(item, list):
            out[key] = {"dimensions": len(item)}
        elif key == "documents" and isinstance(item, list):
            out[key] = [_document_without_embedding(doc) for doc in item]
        else:
            out[key] = plain(item)
    return out


def _document_without_embedding(doc: Any) -> Any:
    data = plain(doc)
    if isinstance(data, dict) and isinstance(data.get("embedding"), list):
        data["embedding"] = {"dimensions": len(data["embedding"])}
    return data
