"""Pure functions: MCP requests and results -> span inputs, outputs and attributes."""

from __future__ import annotations

from typing import Any

__all__ = [
    "content",
    "documents",
    "dump",
    "error_text",
    "field",
    "names",
    "prompt_messages",
    "tool_list",
]


def field(value: Any, name: str, camel: str) -> Any:
    """A result's field by its mcp 2 name (`is_error`) or its mcp 1 name (`isError`)."""
    found = getattr(value, name, None)
    return found if found is not None else getattr(value, camel, None)


def dump(value: Any) -> Any:
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        return dump(mode="json", exclude_none=True, by_alias=True)
    return value


def content(result: Any) -> Any:
    """A tool result: its content blocks, and its structured content when it has one."""
    blocks = [dump(block) for block in getattr(result, "content", None) or ()]
    structured = field(result, "structured_content", "structuredContent")
    if structured is not None:
        return {"content": blocks, "structured_content": structured}
    return blocks


def error_text(result: Any) -> str:
    """What a result marked `isError` says (its text blocks)."""
    texts = [
        str(getattr(block, "text", ""))
        for block in getattr(result, "content", None) or ()
        if getattr(block, "type", None) == "text"
    ]
    return "\n".join(texts) or "the tool reported an error"


def tool_list(result: Any) -> list[dict[str, Any]]:
    """A `tools/list` result as tool definitions (name, description, input schema)."""
    tools = []
    for tool in getattr(result, "tools", None) or ():
        definition: dict[str, Any] = {"name": tool.name}
        if getattr(tool, "description", None):
            definition["description"] = tool.description
        definition["input_schema"] = field(tool, "input_schema", "inputSchema")
        tools.append(definition)
    return tools


def documents(result: Any) -> list[dict[str, Any]]:
    """A `resources/read` result as retrieved documents (text, or a blob's size)."""
    docs = []
    for item in getattr(result, "contents", None) or ():
        metadata = {"uri": str(item.uri)}
        mime = field(item, "mime_type", "mimeType")
        if mime:
            metadata["mime_type"] = mime
        text = getattr(item, "text", None)
        if text is None:
            blob = getattr(item, "blob", None) or ""
            text = f"<blob of {len(blob)} base64 characters>"
        docs.append({"page_content": text, "metadata": metadata, "id": str(item.uri)})
    return docs


def prompt_messages(result: Any) -> list[dict[str, Any]]:
    """A `prompts/get` result's messages, as dicts."""
    return [dump(message) for message in getattr(result, "messages", None) or ()]


def names(result: Any, field: str) -> list[dict[str, Any]]:
    """A listing (`resources/list`, `prompts/list`) as dicts."""
    return [dump(item) for item in getattr(result, field, None) or ()]
