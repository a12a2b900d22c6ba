"""OpenInference (Arize) attributes mapped onto the spanscope span.

The span kind gives the type (PROMPT, a template being rendered, becomes a CHAIN and DECISION,
a decision model's call, an LLM; both keep their `openinference.span.kind`); `input.value` /
`output.value` give inputs and outputs (decoded when the mime type is JSON); flattened
`llm.input_messages.N.message.*` become structured `gen_ai.input.messages` (the GenAI step then
derives inputs from them; a message of a role alone is dropped); token counts, model
(`llm.model_name`, else `embedding.model_name` or `decision.*`), provider, finish reason, tools
and a TOOL span's `tool.name` / `tool.description` move to their `gen_ai.*` keys;
`retrieval.documents.N.*` become a RETRIEVER's outputs in the retriever schema. Consumed keys
are removed; keys inside a flattened group that are not understood stay where they were.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from spanscope.constants import SpanAttributeKey as K
from spanscope.entities.chat import (
    content_parts,
    normalize_tool_definition,
    text_part,
    tool_call_part,
    tool_response_part,
)
from spanscope.entities.span_type import SpanType
from spanscope.otel.conventions import OPENINFERENCE_SPAN_TYPES, GenAIKey
from spanscope.otel.conventions import OpenInferenceKey as OI
from spanscope.otel.draft import SpanDraft, move, parse_json, pop_indexed, put_back

__all__ = ["apply_openinference"]

_MOVES = (
    (OI.TOKEN_PROMPT, K.GEN_AI_INPUT_TOKENS),
    (OI.TOKEN_COMPLETION, K.GEN_AI_OUTPUT_TOKENS),
    (OI.TOKEN_CACHE_READ, K.GEN_AI_CACHE_READ_TOKENS),
    (OI.TOKEN_CACHE_WRITE, K.GEN_AI_CACHE_CREATION_TOKENS),
    (OI.TOKEN_REASONING, K.GEN_AI_REASONING_TOKENS),
    (OI.REQUEST_MODEL_NAME, K.GEN_AI_REQUEST_MODEL),
    (OI.RESPONSE_MODEL_NAME, K.GEN_AI_RESPONSE_MODEL),
    # llm.model_name is "the model" (often the response's); request.model is the GenAI key
    # every LLM span has, so it lands there unless the span names a request model itself.
    (OI.MODEL_NAME, K.GEN_AI_REQUEST_MODEL),
    (OI.EMBEDDING_MODEL_NAME, K.GEN_AI_REQUEST_MODEL),
    (OI.DECISION_TOKEN_INPUT, K.GEN_AI_INPUT_TOKENS),
    (OI.DECISION_TOKEN_OUTPUT, K.GEN_AI_OUTPUT_TOKENS),
    (OI.DECISION_REQUEST_MODEL_NAME, K.GEN_AI_REQUEST_MODEL),
    (OI.DECISION_RESPONSE_MODEL_NAME, K.GEN_AI_RESPONSE_MODEL),
    (OI.DECISION_MODEL_NAME, K.GEN_AI_REQUEST_MODEL),
    (OI.DECISION_PROVIDER, K.GEN_AI_PROVIDER),
    (OI.DECISION_SYSTEM, K.GEN_AI_PROVIDER),
    (OI.PROVIDER, K.GEN_AI_PROVIDER),
    (OI.SYSTEM, K.GEN_AI_PROVIDER),
    # A TOOL span's own tool (`tool.*`, not the `llm.tools.N.tool.*` an LLM was offered).
    (OI.TOOL_NAME, K.GEN_AI_TOOL_NAME),
    (OI.TOOL_DESCRIPTION, GenAIKey.TOOL_DESCRIPTION),
)


# Every key this module reads starts with one of these; a span with none is left as it is
# (most foreign spans: OpenTelemetry GenAI ones), without the per-prefix scans below.
_PREFIXES = (
    "openinference.",
    "input.",
    "output.",
    "llm.",
    "embedding.",
    "decision.",
    "retrieval.",
    "reranker.",
    "metadata",
    "tool.",
)


def apply_openinference(draft: SpanDraft) -> None:
    """Map OpenInference attributes of a foreign span (see the module docstring)."""
    attrs = draft.attributes
    for key in attrs:  # a loop, not any(<generator>): this runs for every foreign span
        if key.startswith(_PREFIXES):
            break
    else:
        return
    kind = attrs.get(OI.SPAN_KIND)
    if isinstance(kind, str) and draft.span_type is None:
        draft.span_type = OPENINFERENCE_SPAN_TYPES.get(kind.upper(), kind)
        # The kind is the type: dropped, unless it was mapped onto another (PROMPT -> CHAIN).
        if draft.span_type in (kind, kind.upper()):
            del attrs[OI.SPAN_KIND]
    _documents(draft)
    if draft.inputs is None:
        draft.inputs = _value(attrs, OI.INPUT_VALUE, OI.INPUT_MIME_TYPE)
    if draft.outputs is None:
        draft.outputs = _value(attrs, OI.OUTPUT_VALUE, OI.OUTPUT_MIME_TYPE)
    for prefix, key, role in (
        (OI.INPUT_MESSAGES, K.GEN_AI_INPUT_MESSAGES, "user"),
        (OI.OUTPUT_MESSAGES, K.GEN_AI_OUTPUT_MESSAGES, "assistant"),
    ):
        if key not in attrs:
            messages = _messages(attrs, prefix, role)
            if messages is not None:
                attrs[key] = messages
    if K.GEN_AI_TOOL_DEFINITIONS not in attrs:
        _tools(attrs)
    for old, new in _MOVES:
        move(attrs, old, new)
    total = attrs.get(OI.TOKEN_TOTAL)
    # The total is derivable from input + output; drop it only when it says exactly that.
    if total is not None and total == _sum(attrs, K.GEN_AI_INPUT_TOKENS, K.GEN_AI_OUTPUT_TOKENS):
        del attrs[OI.TOKEN_TOTAL]
    reason = attrs.get(OI.FINISH_REASON)
    if reason is not None and K.GEN_AI_FINISH_REASONS not in attrs:
        attrs[K.GEN_AI_FINISH_REASONS] = [attrs.pop(OI.FINISH_REASON)]
    for key in (OI.INVOCATION_PARAMETERS, OI.METADATA):
        if key in attrs:
            attrs[key] = parse_json(attrs[key])


def _value(attrs: dict[str, Any], value_key: str, mime_key: str) -> Any:
    if value_key not in attrs:
        return None
    value = attrs.pop(value_key)
    mime = attrs.pop(mime_key, None)
    if isinstance(mime, str) and "json" in mime.lower():
        return parse_json(value, containers_only=False)
    return value


def _sum(attrs: Mapping[str, Any], *keys: str) -> int | None:
    values = [attrs.get(key) for key in keys]
    if all(isinstance(v, int) for v in values):
        return sum(v for v in values if isinstance(v, int))
    return None


def _messages(attrs: dict[str, Any], prefix: str, role: str) -> list[dict[str, Any]] | None:
    groups = pop_indexed(attrs, prefix)
    if not groups:
        return None
    messages = []
    for index, rest in groups:
        message = _message(rest, role)
        # A role alone (what LangChain's instrumentation records for a call that failed)
        # says nothing: no empty message is shown.
        if message["parts"] or "name" in message:
            messages.append(message)
        put_back(attrs, prefix, index, rest)
    return messages or None


def _message(rest: dict[str, Any], default_role: str) -> dict[str, Any]:
    role = rest.pop(OI.MESSAGE_ROLE, None) or default_role
    call_id = rest.pop(OI.MESSAGE_TOOL_CALL_ID, None)
    content = rest.pop(OI.MESSAGE_CONTENT, None)
    parts: list[dict[str, Any]] = []
    if role == "tool" or call_id is not None:
        parts.append(tool_response_part(call_id, content))
    else:
        parts.extend(content_parts(content))
    for index, block in pop_indexed(rest, OI.MESSAGE_CONTENTS):
        part = _content_block(block)
        if part is not None:
            parts.append(part)
        put_back(rest, OI.MESSAGE_CONTENTS, index, block)
    for index, call in pop_indexed(rest, OI.MESSAGE_TOOL_CALLS):
        parts.append(
            tool_call_part(
                call.pop(OI.TOOL_CALL_ID, None),
                call.pop(OI.TOOL_CALL_NAME, None),
                call.pop(OI.TOOL_CALL_ARGUMENTS, None),
            )
        )
        put_back(rest, OI.MESSAGE_TOOL_CALLS, index, call)
    if OI.MESSAGE_FUNCTION_CALL_NAME in rest:
        name = rest.pop(OI.MESSAGE_FUNCTION_CALL_NAME)
        parts.append(tool_call_part(None, name, rest.pop(OI.MESSAGE_FUNCTION_CALL_ARGUMENTS, None)))
    message: dict[str, Any] = {"role": role, "parts": parts}
    if OI.MESSAGE_NAME in rest:
        message["name"] = rest.pop(OI.MESSAGE_NAME)
    return message


def _content_block(block: dict[str, Any]) -> dict[str, Any] | None:
    if OI.CONTENT_TEXT in block:
        block.pop(OI.CONTENT_TYPE, None)
        return text_part(block.pop(OI.CONTENT_TEXT))
    if OI.CONTENT_IMAGE_URL in block:
        block.pop(OI.CONTENT_TYPE, None)
        return {"type": "uri", "modality": "image", "uri": block.pop(OI.CONTENT_IMAGE_URL)}
    return None  # unknown block: its keys stay as attributes


def _tools(attrs: dict[str, Any]) -> None:
    tools = []
    for index, rest in pop_indexed(attrs, OI.TOOLS):
        if OI.TOOL_JSON_SCHEMA in rest:
            tools.append(normalize_tool_definition(rest.pop(OI.TOOL_JSON_SCHEMA)))
        put_back(attrs, OI.TOOLS, index, rest)
    if tools:
        attrs[K.GEN_AI_TOOL_DEFINITIONS] = tools


def _documents(draft: SpanDraft) -> None:
    attrs = draft.attributes
    if draft.span_type == SpanType.RERANKER:
        documents = _document_list(attrs, OI.RERANKER_INPUT_DOCUMENTS)
        if documents is not None and draft.inputs is None:
            draft.inputs = {"query": attrs.get(OI.RERANKER_QUERY), "documents": documents}
        documents = _document_list(attrs, OI.RERANKER_OUTPUT_DOCUMENTS)
        if documents is not None and draft.outputs is None:
            draft.outputs = documents
        return
    documents = _document_list(attrs, OI.RETRIEVAL_DOCUMENTS)
    # The documents are the retriever's outputs; output.value, if any, then stays an attribute.
    if documents is not None and draft.outputs is None:
        draft.outputs = documents


def _document_list(attrs: dict[str, Any], prefix: str) -> list[dict[str, Any]] | None:
    groups = pop_indexed(attrs, prefix)
    if not groups:
        return None
    documents = []
    for index, rest in groups:
        content = rest.pop(OI.DOCUMENT_CONTENT, "")
        doc_id = rest.pop(OI.DOCUMENT_ID, None)
        raw_metadata = parse_json(rest.pop(OI.DOCUMENT_METADATA, None))
        if isinstance(raw_metadata, Mapping):
            metadata = dict(raw_metadata)
        else:
            metadata = {} if raw_metadata is None else {"metadata": raw_metadata}
        if OI.DOCUMENT_URL in rest:
            metadata.setdefault("doc_uri", rest.pop(OI.DOCUMENT_URL))
        if OI.DOCUMENT_SCORE in rest:
            metadata.setdefault("score", rest.pop(OI.DOCUMENT_SCORE))
        documents.append(
            {
                "page_content": content if isinstance(content, str) else str(content),
                "metadata": metadata,
                "id": None if doc_id is None else str(doc_id),
            }
        )
        put_back(attrs, prefix, index, rest)
    return documents
