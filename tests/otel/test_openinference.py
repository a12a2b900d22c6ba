"""OpenInference spans (keys from the official semantic-conventions package) mapped whole."""

from __future__ import annotations

import json
from typing import Any

from openinference.semconv.trace import (
    DocumentAttributes,
    MessageAttributes,
    MessageContentAttributes,
    OpenInferenceMimeTypeValues,
    OpenInferenceSpanKindValues,
    SpanAttributes,
    ToolAttributes,
    ToolCallAttributes,
)

from spanscope.constants import TraceMetadataKey
from spanscope.entities.span_type import SpanType
from spanscope.otel import spans_from_request
from tests.otel.otlp_helpers import expected_span, proto_request

JSON_MIME = OpenInferenceMimeTypeValues.JSON.value
IN = SpanAttributes.LLM_INPUT_MESSAGES
OUT = SpanAttributes.LLM_OUTPUT_MESSAGES
ROLE = MessageAttributes.MESSAGE_ROLE
CONTENT = MessageAttributes.MESSAGE_CONTENT
CALLS = MessageAttributes.MESSAGE_TOOL_CALLS
PARTS = MessageAttributes.MESSAGE_CONTENTS
PART_TYPE = MessageContentAttributes.MESSAGE_CONTENT_TYPE
PART_TEXT = MessageContentAttributes.MESSAGE_CONTENT_TEXT
ARGUMENTS = ToolCallAttributes.TOOL_CALL_FUNCTION_ARGUMENTS_JSON
DOCS = SpanAttributes.RETRIEVAL_DOCUMENTS
KNOWN_TYPES = {value for name, value in vars(SpanType).items() if name.isupper()}


def _mapped(attributes: dict[str, Any], **spec: Any) -> Any:
    [item] = spans_from_request(proto_request({"attributes": attributes, **spec}))
    return item


def test_llm_span() -> None:
    weather = {
        "type": "function",
        "function": {"name": "weather", "parameters": {"type": "object"}},
    }
    request = {"model": "gpt-4o", "messages": [{"role": "user", "content": "Paris?"}]}
    item = _mapped(
        {
            SpanAttributes.OPENINFERENCE_SPAN_KIND: OpenInferenceSpanKindValues.LLM.value,
            SpanAttributes.INPUT_VALUE: json.dumps(request),
            SpanAttributes.INPUT_MIME_TYPE: JSON_MIME,
            SpanAttributes.LLM_MODEL_NAME: "gpt-4o",
            SpanAttributes.LLM_PROVIDER: "openai",
            SpanAttributes.LLM_SYSTEM: "openai",
            SpanAttributes.LLM_INVOCATION_PARAMETERS: '{"temperature": 0}',
            f"{IN}.0.{ROLE}": "system",
            f"{IN}.0.{CONTENT}": "Be brief.",
            f"{IN}.1.{ROLE}": "user",
            f"{IN}.1.{PARTS}.0.{PART_TYPE}": "text",
            f"{IN}.1.{PARTS}.0.{PART_TEXT}": "Paris?",
            f"{OUT}.0.{ROLE}": "assistant",
            f"{OUT}.0.{CALLS}.0.{ToolCallAttributes.TOOL_CALL_ID}": "call_1",
            f"{OUT}.0.{CALLS}.0.{ToolCallAttributes.TOOL_CALL_FUNCTION_NAME}": "weather",
            f"{OUT}.0.{CALLS}.0.{ARGUMENTS}": '{"city": "Paris"}',
            f"{SpanAttributes.LLM_TOOLS}.0.{ToolAttributes.TOOL_JSON_SCHEMA}": json.dumps(weather),
            SpanAttributes.LLM_TOKEN_COUNT_PROMPT: 20,
            SpanAttributes.LLM_TOKEN_COUNT_COMPLETION: 4,
            SpanAttributes.LLM_TOKEN_COUNT_TOTAL: 24,
            SpanAttributes.LLM_TOKEN_COUNT_PROMPT_DETAILS_CACHE_READ: 16,
            SpanAttributes.LLM_TOKEN_COUNT_PROMPT_DETAILS_AUDIO: 0,
        },
        name="ChatCompletion",
    )
    inputs = [
        {"role": "system", "parts": [{"type": "text", "content": "Be brief."}]},
        {"role": "user", "parts": [{"type": "text", "content": "Paris?"}]},
    ]
    outputs = [
        {
            "role": "assistant",
            "parts": [
                {
                    "type": "tool_call",
                    "id": "call_1",
                    "name": "weather",
                    "arguments": {"city": "Paris"},
                }
            ],
        }
    ]
    assert item.span.to_dict() == expected_span(
        name="ChatCompletion",
        span_type="LLM",
        inputs=request,  # input.value wins over the messages
        outputs=outputs,  # no output.value: the output messages
        attributes={
            "gen_ai.request.model": "gpt-4o",
            "gen_ai.provider.name": "openai",
            "llm.invocation_parameters": {"temperature": 0},
            "gen_ai.input.messages": inputs,
            "gen_ai.output.messages": outputs,
            "gen_ai.tool.definitions": [
                {"type": "function", "name": "weather", "parameters": {"type": "object"}}
            ],
            "gen_ai.usage.input_tokens": 20,
            "gen_ai.usage.output_tokens": 4,
            "gen_ai.usage.cache_read.input_tokens": 16,
            "llm.token_count.prompt_details.audio": 0,
        },
    )


def test_retriever_span() -> None:
    item = _mapped(
        {
            SpanAttributes.OPENINFERENCE_SPAN_KIND: "RETRIEVER",
            SpanAttributes.INPUT_VALUE: "refund policy",
            SpanAttributes.OUTPUT_VALUE: "2 documents",
            f"{DOCS}.0.{DocumentAttributes.DOCUMENT_ID}": "doc-1",
            f"{DOCS}.0.{DocumentAttributes.DOCUMENT_CONTENT}": "Refunds within 30 days.",
            f"{DOCS}.0.{DocumentAttributes.DOCUMENT_SCORE}": 0.9,
            f"{DOCS}.0.{DocumentAttributes.DOCUMENT_METADATA}": '{"doc_uri": "kb/refunds.md"}',
            f"{DOCS}.1.{DocumentAttributes.DOCUMENT_CONTENT}": "Shipping is free.",
            f"{DOCS}.1.{DocumentAttributes.DOCUMENT_ID}": 2,
            SpanAttributes.SESSION_ID: "s-1",
        },
    )
    assert item.span.to_dict() == expected_span(
        span_type="RETRIEVER",
        inputs="refund policy",
        outputs=[
            {
                "page_content": "Refunds within 30 days.",
                "metadata": {"doc_uri": "kb/refunds.md", "score": 0.9},
                "id": "doc-1",
            },
            {"page_content": "Shipping is free.", "metadata": {}, "id": "2"},
        ],
        # The documents are the outputs, so output.value is kept as an attribute.
        attributes={"output.value": "2 documents", "session.id": "s-1"},
    )
    assert item.trace_metadata == {TraceMetadataKey.SESSION: "s-1"}


def test_tool_and_chain_spans() -> None:
    tool = _mapped(
        {
            SpanAttributes.OPENINFERENCE_SPAN_KIND: "TOOL",
            SpanAttributes.TOOL_NAME: "weather",
            SpanAttributes.TOOL_DESCRIPTION: "Get the weather",
            SpanAttributes.INPUT_VALUE: '{"city": "Paris"}',
            SpanAttributes.INPUT_MIME_TYPE: JSON_MIME,
            SpanAttributes.OUTPUT_VALUE: "rain",
            SpanAttributes.OUTPUT_MIME_TYPE: "text/plain",
        }
    )
    assert tool.span.to_dict() == expected_span(
        span_type="TOOL",
        inputs={"city": "Paris"},
        outputs="rain",
        # The tool's own name and description under their GenAI keys.
        attributes={"gen_ai.tool.name": "weather", "gen_ai.tool.description": "Get the weather"},
    )
    chain = _mapped(
        {
            SpanAttributes.OPENINFERENCE_SPAN_KIND: "CHAIN",
            SpanAttributes.INPUT_VALUE: "not json {",
            SpanAttributes.INPUT_MIME_TYPE: JSON_MIME,
            SpanAttributes.METADATA: '{"team": "search"}',
            SpanAttributes.USER_ID: "u-7",
        }
    )
    assert chain.span.to_dict() == expected_span(
        span_type="CHAIN",
        inputs="not json {",  # declared JSON but is not: kept as the text it is
        attributes={"metadata": {"team": "search"}, "user.id": "u-7"},
    )
    assert chain.trace_metadata == {TraceMetadataKey.USER: "u-7"}


def test_reranker_and_other_kinds() -> None:
    reranker = _mapped(
        {
            SpanAttributes.OPENINFERENCE_SPAN_KIND: "RERANKER",
            "reranker.query": "refunds",
            "reranker.top_k": 1,
            "reranker.input_documents.0.document.content": "a",
            "reranker.input_documents.1.document.content": "b",
            "reranker.output_documents.0.document.content": "b",
            "reranker.output_documents.0.document.score": 0.7,
        }
    )
    doc: dict[str, Any] = {"page_content": "a", "metadata": {}, "id": None}
    assert reranker.span.inputs == {
        "query": "refunds",
        "documents": [doc, {**doc, "page_content": "b"}],
    }
    assert reranker.span.outputs == [{"page_content": "b", "metadata": {"score": 0.7}, "id": None}]
    assert reranker.span.attributes == {"reranker.query": "refunds", "reranker.top_k": 1}
    # Every kind of the official enum maps onto a span type spanscope knows.
    for value in OpenInferenceSpanKindValues:
        span = _mapped({SpanAttributes.OPENINFERENCE_SPAN_KIND: value.value}).span
        assert span.span_type in KNOWN_TYPES, value
        if value.value in ("PROMPT", "DECISION"):  # mapped onto another type: kind kept
            assert span.span_type == {"PROMPT": "CHAIN", "DECISION": "LLM"}[value.value]
            assert span.attributes == {SpanAttributes.OPENINFERENCE_SPAN_KIND: value.value}
        else:
            assert (span.span_type, span.attributes) == (value.value, {})
    # A kind spanscope has no constant for is kept as it is.
    assert _mapped({SpanAttributes.OPENINFERENCE_SPAN_KIND: "CUSTOM"}).span.span_type == "CUSTOM"


def test_embedding_model_name_is_the_model() -> None:
    span = _mapped(
        {
            SpanAttributes.OPENINFERENCE_SPAN_KIND: "EMBEDDING",
            SpanAttributes.EMBEDDING_MODEL_NAME: "text-embedding-3-small",
            SpanAttributes.INPUT_VALUE: "hello",
        }
    ).span
    assert span.span_type == "EMBEDDING"
    assert span.inputs == "hello"
    assert span.attributes == {"gen_ai.request.model": "text-embedding-3-small"}
