"""Pure functions: Strands' messages (the Bedrock Converse shape), tool specs, stop reasons
and usage -> the GenAI forms spanscope records."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from spanscope.entities.chat import text_part, tool_call_part, tool_response_part
from spanscope.tracing.llm import Usage

__all__ = [
    "finish_reason",
    "messages",
    "model_id",
    "plain_message",
    "prompt_inputs",
    "provider",
    "tool_definitions",
    "tool_output",
    "usage",
]

# Strands' model classes -> the GenAI provider name (the model's own SDK's, where one speaks
# for it: LiteLLM and SageMaker subclass the OpenAI model).
_PROVIDERS = {
    "AnthropicModel": "anthropic",
    "BedrockModel": "aws.bedrock",
    "GeminiModel": "gcp.gemini",
    "LiteLLMModel": "litellm",
    "LlamaAPIModel": "meta",
    "LlamaCppModel": "llama.cpp",
    "MistralModel": "mistral_ai",
    "OllamaModel": "ollama",
    "OpenAIModel": "openai",
    "OpenAIResponsesModel": "openai",
    "SageMakerAIModel": "aws.sagemaker",
    "WriterModel": "writer",
}

# Strands' stop reasons -> the GenAI finish reasons.
_FINISH = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "tool_use": "tool_call",
    "max_tokens": "length",
    "content_filtered": "content_filter",
    "guardrail_intervened": "content_filter",
}


def provider(model: Any) -> str:
    for cls in type(model).__mro__:
        if cls.__name__ in _PROVIDERS:
            return _PROVIDERS[cls.__name__]
    return "strands"


def model_id(model: Any) -> str | None:
    config = getattr(model, "config", None)
    value = config.get("model_id") if isinstance(config, Mapping) else None
    return value if isinstance(value, str) else None


def messages(history: Any) -> list[dict[str, Any]]:
    """A Strands conversation as GenAI messages; a user message of tool results only is the
    `tool` message of the GenAI form."""
    if not isinstance(history, Sequence) or isinstance(history, str):
        return []
    return [_message(m) for m in history if isinstance(m, Mapping)]


def _message(message: Mapping[str, Any]) -> dict[str, Any]:
    blocks = message.get("content")
    blocks = blocks if isinstance(blocks, list) else []
    parts = [_part(b) for b in blocks if isinstance(b, Mapping)]
    role = str(message.get("role") or "user")
    if parts and all(p["type"] == "tool_call_response" for p in parts):
        role = "tool"
    return {"role": role, "parts": parts}


def _part(block: Mapping[str, Any]) -> dict[str, Any]:
    if "text" in block:
        return text_part(block["text"])
    use = block.get("toolUse")
    if isinstance(use, Mapping):
        return tool_call_part(use.get("toolUseId"), use.get("name"), use.get("input"))
    result = block.get("toolResult")
    if isinstance(result, Mapping):
        return tool_response_part(result.get("toolUseId"), _content(result.get("content")))
    reasoning = block.get("reasoningContent")
    if isinstance(reasoning, Mapping):
        text = reasoning.get("reasoningText")
        content = text.get("text") if isinstance(text, Mapping) else None
        return {"type": "reasoning", "content": content}
    for kind in ("image", "document", "video"):
        media = block.get(kind)
        if isinstance(media, Mapping):  # the bytes stay out of the span
            return {"type": "blob", "modality": kind, "mime_type": media.get("format")}
    return {"type": next(iter(block), "unknown"), **{k: v for k, v in block.items()}}


def _content(content: Any) -> Any:
    """A tool result's content blocks: their text when all are text, else the blocks."""
    if not isinstance(content, list):
        return content
    if content and all(isinstance(b, Mapping) and "text" in b for b in content):
        return "\n".join(str(b["text"]) for b in content)
    if len(content) == 1 and isinstance(content[0], Mapping) and "json" in content[0]:
        return content[0]["json"]
    return content


def plain_message(message: Any) -> Any:
    """A Strands message without the bookkeeping Strands adds to it (usage, ids)."""
    if not isinstance(message, Mapping):
        return message
    return {"role": message.get("role"), "content": message.get("content")}


def prompt_inputs(history: Any) -> dict[str, Any]:
    """The invocation's input: the prompt text when it is one user text message."""
    if isinstance(history, list) and len(history) == 1 and isinstance(history[0], Mapping):
        only = history[0]
        blocks = only.get("content")
        if only.get("role") == "user" and isinstance(blocks, list) and _all_text(blocks):
            return {"prompt": "\n".join(str(b["text"]) for b in blocks)}
    if isinstance(history, list):
        return {"messages": [plain_message(m) for m in history]}
    return {"messages": []}  # the agent's history alone (`agent()` with no prompt)


def _all_text(blocks: list[Any]) -> bool:
    return bool(blocks) and all(isinstance(b, Mapping) and set(b) == {"text"} for b in blocks)


def tool_definitions(specs: Any) -> list[dict[str, Any]]:
    if not isinstance(specs, Sequence):
        return []
    definitions = []
    for spec in specs:
        if not isinstance(spec, Mapping):
            continue
        schema = spec.get("inputSchema")
        definition: dict[str, Any] = {"type": "function", "name": spec.get("name")}
        if spec.get("description") is not None:
            definition["description"] = spec["description"]
        if isinstance(schema, Mapping):
            definition["parameters"] = schema.get("json", schema)
        definitions.append(definition)
    return definitions


def finish_reason(stop_reason: Any) -> str | None:
    if not isinstance(stop_reason, str):
        return None
    return _FINISH.get(stop_reason, stop_reason)


def usage(message: Any) -> Usage | None:
    """The call's token usage, which Strands attaches to the reply's metadata."""
    metadata = message.get("metadata") if isinstance(message, Mapping) else None
    counts = metadata.get("usage") if isinstance(metadata, Mapping) else None
    if not isinstance(counts, Mapping):
        return None
    return Usage(
        input_tokens=counts.get("inputTokens"),
        output_tokens=counts.get("outputTokens"),
        cache_read_tokens=counts.get("cacheReadInputTokens") or None,
        cache_creation_tokens=counts.get("cacheWriteInputTokens") or None,
    )


def tool_output(result: Any) -> Any:
    """A tool result as the tool span's output: its content (text when it is all text)."""
    if not isinstance(result, Mapping):
        return result
    return _content(result.get("content"))
