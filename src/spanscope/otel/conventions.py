"""Attribute keys of the conventions the OTLP bridge reads and writes.

spanscope's own reserved keys live in `spanscope.constants`; this module holds the keys of
other conventions (OpenTelemetry GenAI and general, OpenInference, OpenLLMetry, Logfire and
Pydantic AI, the Vercel AI SDK) and the few OTLP-specific names of the bridge itself.
"""

from __future__ import annotations

from typing import Final

from spanscope import constants as C
from spanscope.constants import ResourceAttributeKey, SpanAttributeKey
from spanscope.entities.span_type import SpanType

__all__ = [
    "CONTENT_TYPE_JSON",
    "CONTENT_TYPE_PROTOBUF",
    "ENV_OTEL_ENDPOINT",
    "ENV_OTEL_HEADERS",
    "ENV_OTEL_RESOURCE_ATTRIBUTES",
    "ENV_OTEL_SERVICE_NAME",
    "ENV_OTEL_TRACES_ENDPOINT",
    "ENV_OTEL_TRACES_HEADERS",
    "GENAI_OPERATION_SPAN_TYPES",
    "GenAIEvent",
    "GenAIKey",
    "LLM_REQUEST_TYPE_SPAN_TYPES",
    "LogfireKey",
    "OPENINFERENCE_SPAN_TYPES",
    "OTLP_TRACES_PATH",
    "OpenInferenceKey",
    "OtelKey",
    "PydanticAIKey",
    "ResourceKey",
    "SPANSCOPE_SCOPE_NAME",
    "TRACELOOP_SPAN_TYPES",
    "TraceloopKey",
    "VERCEL_OPERATION_SPAN_TYPES",
    "VercelKey",
]

CONTENT_TYPE_PROTOBUF: Final = "application/x-protobuf"
CONTENT_TYPE_JSON: Final = "application/json"
OTLP_TRACES_PATH: Final = C.OTLP_TRACES_PATH
# The instrumentation scope of spans spanscope exports; ingest does not record it as an attribute.
SPANSCOPE_SCOPE_NAME: Final = C.SCOPE_NAME

# SPANSCOPE_OTLP_ENDPOINT (spanscope.constants) is used as-is, a full URL like this one.
ENV_OTEL_TRACES_ENDPOINT: Final = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
ENV_OTEL_ENDPOINT: Final = "OTEL_EXPORTER_OTLP_ENDPOINT"
ENV_OTEL_HEADERS: Final = "OTEL_EXPORTER_OTLP_HEADERS"
ENV_OTEL_TRACES_HEADERS: Final = "OTEL_EXPORTER_OTLP_TRACES_HEADERS"
ENV_OTEL_SERVICE_NAME: Final = "OTEL_SERVICE_NAME"
ENV_OTEL_RESOURCE_ATTRIBUTES: Final = "OTEL_RESOURCE_ATTRIBUTES"


class ResourceKey:
    """Resource attributes: the OTel service name and spanscope's experiment routing."""

    SERVICE_NAME: Final = "service.name"
    # Which experiment the spans belong to; the id wins over the name when both are set.
    EXPERIMENT_ID: Final = ResourceAttributeKey.EXPERIMENT_ID
    EXPERIMENT_NAME: Final = ResourceAttributeKey.EXPERIMENT_NAME


class OtelKey:
    """General OpenTelemetry keys, and where ingest keeps OTLP span fields spanscope lacks."""

    SESSION_ID: Final = C.TraceAttributeKey.SESSION_ID
    USER_ID: Final = C.TraceAttributeKey.USER_ID
    # `otel.scope.*` are the OTel names for the scope on non-OTLP formats.
    SCOPE_NAME: Final = "otel.scope.name"
    SCOPE_VERSION: Final = "otel.scope.version"
    SPAN_KIND: Final = "otel.span.kind"
    TRACE_STATE: Final = "otel.trace_state"
    LINKS: Final = "otel.links"


class GenAIKey:
    """OpenTelemetry GenAI keys that are not spanscope-reserved (older names included)."""

    SYSTEM: Final = "gen_ai.system"  # renamed gen_ai.provider.name in semconv 1.37
    CONVERSATION_ID: Final = "gen_ai.conversation.id"
    PROMPT_TOKENS: Final = "gen_ai.usage.prompt_tokens"
    COMPLETION_TOKENS: Final = "gen_ai.usage.completion_tokens"
    CACHE_READ_TOKENS_OLD: Final = "gen_ai.usage.cache_read_input_tokens"
    CACHE_CREATION_TOKENS_OLD: Final = "gen_ai.usage.cache_creation_input_tokens"
    CACHE_WRITE_TOKENS: Final = "gen_ai.usage.cache_write.input_tokens"
    TOOL_NAME: Final = SpanAttributeKey.GEN_AI_TOOL_NAME
    TOOL_DESCRIPTION: Final = "gen_ai.tool.description"
    TOOL_CALL_ID: Final = "gen_ai.tool.call.id"
    TOOL_CALL_ARGUMENTS: Final = "gen_ai.tool.call.arguments"
    TOOL_CALL_RESULT: Final = "gen_ai.tool.call.result"
    # Not in the conventions: OpenLLMetry's (and others') totals and reasoning count.
    TOTAL_TOKENS: Final = "gen_ai.usage.total_tokens"
    REASONING_TOKENS_OLD: Final = "gen_ai.usage.reasoning_tokens"
    RETRIEVAL_QUERY: Final = "gen_ai.retrieval.query.text"
    # Flattened messages of OpenLLMetry-era instrumentations: gen_ai.prompt.0.role, ...
    PROMPT_PREFIX: Final = "gen_ai.prompt"
    COMPLETION_PREFIX: Final = "gen_ai.completion"
    # Span-event attributes of the deprecated per-message events.
    EVENT_CONTENT: Final = "gen_ai.event.content"
    EVENT_PROMPT: Final = "gen_ai.prompt"
    EVENT_COMPLETION: Final = "gen_ai.completion"
    # OpenLLMetry's request kind and flattened tool definitions.
    LLM_REQUEST_TYPE: Final = "llm.request.type"
    LLM_REQUEST_FUNCTIONS: Final = "llm.request.functions"
    AGENT_NAME: Final = "gen_ai.agent.name"


class GenAIEvent:
    """Span events of the deprecated GenAI message conventions."""

    SYSTEM_MESSAGE: Final = "gen_ai.system.message"
    USER_MESSAGE: Final = "gen_ai.user.message"
    ASSISTANT_MESSAGE: Final = "gen_ai.assistant.message"
    TOOL_MESSAGE: Final = "gen_ai.tool.message"
    CHOICE: Final = "gen_ai.choice"
    CONTENT_PROMPT: Final = "gen_ai.content.prompt"
    CONTENT_COMPLETION: Final = "gen_ai.content.completion"


GENAI_OPERATION_SPAN_TYPES: Final[dict[str, str]] = {
    "chat": SpanType.CHAT_MODEL,
    "text_completion": SpanType.LLM,
    "generate_content": SpanType.LLM,
    "completion": SpanType.LLM,
    "response": SpanType.LLM,
    "embeddings": SpanType.EMBEDDING,
    "embedding": SpanType.EMBEDDING,
    "execute_tool": SpanType.TOOL,
    "create_agent": SpanType.AGENT,
    "invoke_agent": SpanType.AGENT,
    "retrieval": SpanType.RETRIEVER,
    "invoke_workflow": SpanType.WORKFLOW,
}
# OpenLLMetry's llm.request.type, used when gen_ai.operation.name is absent.
LLM_REQUEST_TYPE_SPAN_TYPES: Final[dict[str, str]] = {
    "chat": SpanType.CHAT_MODEL,
    "completion": SpanType.LLM,
    "embedding": SpanType.EMBEDDING,
    "rerank": SpanType.RERANKER,
}


class OpenInferenceKey:
    """OpenInference (Arize) span attributes."""

    SPAN_KIND: Final = "openinference.span.kind"
    INPUT_VALUE: Final = "input.value"
    INPUT_MIME_TYPE: Final = "input.mime_type"
    OUTPUT_VALUE: Final = "output.value"
    OUTPUT_MIME_TYPE: Final = "output.mime_type"
    INPUT_MESSAGES: Final = "llm.input_messages"
    OUTPUT_MESSAGES: Final = "llm.output_messages"
    MODEL_NAME: Final = "llm.model_name"
    REQUEST_MODEL_NAME: Final = "llm.request.model_name"
    RESPONSE_MODEL_NAME: Final = "llm.response.model_name"
    PROVIDER: Final = "llm.provider"
    SYSTEM: Final = "llm.system"
    INVOCATION_PARAMETERS: Final = "llm.invocation_parameters"
    FINISH_REASON: Final = "llm.finish_reason"
    TOOLS: Final = "llm.tools"
    TOKEN_PROMPT: Final = "llm.token_count.prompt"
    TOKEN_COMPLETION: Final = "llm.token_count.completion"
    TOKEN_TOTAL: Final = "llm.token_count.total"
    TOKEN_CACHE_READ: Final = "llm.token_count.prompt_details.cache_read"
    TOKEN_CACHE_WRITE: Final = "llm.token_count.prompt_details.cache_write"
    TOKEN_REASONING: Final = "llm.token_count.completion_details.reasoning"
    RETRIEVAL_DOCUMENTS: Final = "retrieval.documents"
    RERANKER_INPUT_DOCUMENTS: Final = "reranker.input_documents"
    RERANKER_OUTPUT_DOCUMENTS: Final = "reranker.output_documents"
    RERANKER_QUERY: Final = "reranker.query"
    METADATA: Final = "metadata"
    # Keys inside one flattened message / tool call / content part / document / tool.
    MESSAGE_ROLE: Final = "message.role"
    MESSAGE_CONTENT: Final = "message.content"
    MESSAGE_CONTENTS: Final = "message.contents"
    MESSAGE_NAME: Final = "message.name"
    MESSAGE_TOOL_CALL_ID: Final = "message.tool_call_id"
    MESSAGE_TOOL_CALLS: Final = "message.tool_calls"
    MESSAGE_FUNCTION_CALL_NAME: Final = "message.function_call_name"
    MESSAGE_FUNCTION_CALL_ARGUMENTS: Final = "message.function_call_arguments_json"
    CONTENT_TYPE: Final = "message_content.type"
    CONTENT_TEXT: Final = "message_content.text"
    CONTENT_IMAGE_URL: Final = "message_content.image.image.url"
    TOOL_CALL_ID: Final = "tool_call.id"
    TOOL_CALL_NAME: Final = "tool_call.function.name"
    TOOL_CALL_ARGUMENTS: Final = "tool_call.function.arguments"
    DOCUMENT_ID: Final = "document.id"
    DOCUMENT_CONTENT: Final = "document.content"
    DOCUMENT_METADATA: Final = "document.metadata"
    DOCUMENT_SCORE: Final = "document.score"
    DOCUMENT_URL: Final = "document.url"
    TOOL_JSON_SCHEMA: Final = "tool.json_schema"
    TOOL_NAME: Final = "tool.name"
    TOOL_DESCRIPTION: Final = "tool.description"
    # Embedding spans name their model here, not in llm.model_name.
    EMBEDDING_MODEL_NAME: Final = "embedding.model_name"
    # DECISION spans: a model answering typed questions, with its own model and usage keys.
    DECISION_MODEL_NAME: Final = "decision.model_name"
    DECISION_REQUEST_MODEL_NAME: Final = "decision.request.model_name"
    DECISION_RESPONSE_MODEL_NAME: Final = "decision.response.model_name"
    DECISION_PROVIDER: Final = "decision.provider"
    DECISION_SYSTEM: Final = "decision.system"
    DECISION_TOKEN_INPUT: Final = "decision.token_count.input"
    DECISION_TOKEN_OUTPUT: Final = "decision.token_count.output"


OPENINFERENCE_SPAN_TYPES: Final[dict[str, str]] = {
    "LLM": SpanType.LLM,
    "CHAIN": SpanType.CHAIN,
    "TOOL": SpanType.TOOL,
    "RETRIEVER": SpanType.RETRIEVER,
    "EMBEDDING": SpanType.EMBEDDING,
    "RERANKER": SpanType.RERANKER,
    "AGENT": SpanType.AGENT,
    "GUARDRAIL": SpanType.GUARDRAIL,
    "EVALUATOR": SpanType.EVALUATOR,
    # A prompt template being rendered: a step of the chain, not a model call. The kind itself
    # stays as an attribute, so a PROMPT span can still be told apart.
    "PROMPT": SpanType.CHAIN,
    # A decision model's call (typed answers instead of text): a model call, kind kept too.
    "DECISION": SpanType.LLM,
    "UNKNOWN": SpanType.UNKNOWN,
}


# --- OTLP export --------------------------------------------------------------------------
# What `otel/export.py` writes beyond the span's own attributes so that other OpenTelemetry
# tools read spanscope's spans by the GenAI conventions, and what spanscope's ingest takes out
# again (so a trace sent over OTLP is stored as it would be written directly).


class ExportKey:
    """Keys spanscope's OTLP export writes; the last two are read back by ingest."""

    # GenAI's agent name (set on AGENT spans, like `gen_ai.tool.name` on TOOL spans).
    AGENT_NAME: Final = "gen_ai.agent.name"
    # The keys the exporter derived for a span (absent from the span itself), as a string
    # array; `otel.span.kind` among them when the exporter chose the OTLP span kind.
    DERIVED: Final = "spanscope.otel.derived"
    # On a root span: the trace's tags, a key-value list (metadata travels in
    # `spanscope.trace.metadata`).
    TRACE_TAGS: Final = "spanscope.trace.tags"


# `gen_ai.operation.name` by span type, for spans that do not name their operation.
EXPORT_OPERATIONS: Final[dict[str, str]] = {
    SpanType.CHAT_MODEL: "chat",
    SpanType.LLM: "text_completion",
    SpanType.EMBEDDING: "embeddings",
    SpanType.TOOL: "execute_tool",
    SpanType.AGENT: "invoke_agent",
    SpanType.RETRIEVER: "retrieval",
    SpanType.WORKFLOW: "invoke_workflow",
}
# Span types exported as OTLP CLIENT spans, unless the span names its kind: calls to a model and
# retrievals, as the GenAI conventions have them (tools, agents and workflows are INTERNAL).
EXPORT_CLIENT_SPAN_TYPES: Final = frozenset(
    {SpanType.LLM, SpanType.CHAT_MODEL, SpanType.EMBEDDING, SpanType.RETRIEVER}
)

__all__ += ["EXPORT_CLIENT_SPAN_TYPES", "EXPORT_OPERATIONS", "ExportKey"]


class TraceloopKey:
    """OpenLLMetry (Traceloop): decorator spans and the legacy `llm.*` attributes."""

    SPAN_KIND: Final = "traceloop.span.kind"
    ENTITY_NAME: Final = "traceloop.entity.name"
    ENTITY_INPUT: Final = "traceloop.entity.input"
    ENTITY_OUTPUT: Final = "traceloop.entity.output"
    WORKFLOW_NAME: Final = "traceloop.workflow.name"
    # traceloop.association.properties.<key>: ids the application set (user, session, ...).
    ASSOCIATION_PREFIX: Final = "traceloop.association.properties."
    SESSION_PROPERTIES: Final = ("session_id", "sessionId", "thread_id", "conversation_id")
    USER_PROPERTIES: Final = ("user_id", "userId")
    USAGE_TOTAL_TOKENS: Final = "llm.usage.total_tokens"
    USAGE_REASONING_TOKENS: Final = "llm.usage.reasoning_tokens"
    USAGE_CACHE_READ_TOKENS: Final = "llm.usage.cache_read_input_tokens"
    RESPONSE_FINISH_REASON: Final = "llm.response.finish_reason"
    RESPONSE_FINISH_REASON_NEW: Final = "gen_ai.response.finish_reason"


# traceloop.span.kind, set by the @workflow / @task / @agent / @tool decorators.
TRACELOOP_SPAN_TYPES: Final[dict[str, str]] = {
    "workflow": SpanType.WORKFLOW,
    "task": SpanType.TASK,
    "agent": SpanType.AGENT,
    "tool": SpanType.TOOL,
    "session": SpanType.CHAIN,  # the JavaScript SDK's conversation span
    "unknown": SpanType.UNKNOWN,
}


class LogfireKey:
    """Pydantic Logfire span attributes."""

    MSG_TEMPLATE: Final = "logfire.msg_template"
    MSG: Final = "logfire.msg"
    JSON_SCHEMA: Final = "logfire.json_schema"
    SPAN_TYPE: Final = "logfire.span_type"
    TAGS: Final = "logfire.tags"


class PydanticAIKey:
    """Pydantic AI's own attributes (beside the GenAI ones it writes)."""

    ALL_MESSAGES: Final = "pydantic_ai.all_messages"
    FINAL_RESULT: Final = "final_result"
    MODEL_NAME: Final = "model_name"
    AGENT_NAME: Final = "agent_name"
    AGGREGATED_USAGE_PREFIX: Final = "gen_ai.aggregated_usage."
    # Instrumentation format 1-2 (Pydantic AI before 1.0): tool spans named "running tool".
    TOOL_ARGUMENTS: Final = "tool_arguments"
    TOOL_RESPONSE: Final = "tool_response"


class VercelKey:
    """Vercel AI SDK telemetry (`ai.*` spans: ai.generateText, ...doGenerate, ai.toolCall)."""

    OPERATION_ID: Final = "ai.operationId"
    MODEL_ID: Final = "ai.model.id"
    MODEL_PROVIDER: Final = "ai.model.provider"
    PROMPT: Final = "ai.prompt"
    PROMPT_MESSAGES: Final = "ai.prompt.messages"
    PROMPT_TOOLS: Final = "ai.prompt.tools"
    # ai.response.* since AI SDK 4; ai.result.* before it.
    RESPONSE_TEXT: Final = ("ai.response.text", "ai.result.text")
    RESPONSE_OBJECT: Final = ("ai.response.object", "ai.result.object")
    RESPONSE_TOOL_CALLS: Final = ("ai.response.toolCalls", "ai.result.toolCalls")
    RESPONSE_REASONING: Final = "ai.response.reasoning"
    FINISH_REASON: Final = ("ai.response.finishReason", "ai.finishReason")
    RESPONSE_ID: Final = "ai.response.id"
    RESPONSE_MODEL: Final = "ai.response.model"
    TOOL_CALL_NAME: Final = "ai.toolCall.name"
    TOOL_CALL_ID: Final = "ai.toolCall.id"
    TOOL_CALL_ARGS: Final = "ai.toolCall.args"
    TOOL_CALL_RESULT: Final = "ai.toolCall.result"
    VALUE: Final = "ai.value"
    VALUES: Final = "ai.values"
    # Usage: promptTokens / completionTokens (AI SDK 4, generateText in 5-6) or
    # inputTokens / outputTokens (streamText in 5-6, 7); ai.usage.tokens on embeddings.
    INPUT_TOKENS: Final = ("ai.usage.inputTokens", "ai.usage.promptTokens", "ai.usage.tokens")
    OUTPUT_TOKENS: Final = ("ai.usage.outputTokens", "ai.usage.completionTokens")
    TOTAL_TOKENS: Final = "ai.usage.totalTokens"
    REASONING_TOKENS: Final = "ai.usage.reasoningTokens"
    CACHED_INPUT_TOKENS: Final = "ai.usage.cachedInputTokens"


# ai.operationId (else the span name): the outer calls are chains, their provider calls models.
VERCEL_OPERATION_SPAN_TYPES: Final[dict[str, str]] = {
    "ai.generateText": SpanType.CHAIN,
    "ai.streamText": SpanType.CHAIN,
    "ai.generateObject": SpanType.CHAIN,
    "ai.streamObject": SpanType.CHAIN,
    "ai.embed": SpanType.CHAIN,
    "ai.embedMany": SpanType.CHAIN,
    "ai.generateText.doGenerate": SpanType.CHAT_MODEL,
    "ai.streamText.doStream": SpanType.CHAT_MODEL,
    "ai.generateObject.doGenerate": SpanType.CHAT_MODEL,
    "ai.streamObject.doStream": SpanType.CHAT_MODEL,
    "ai.embed.doEmbed": SpanType.EMBEDDING,
    "ai.embedMany.doEmbed": SpanType.EMBEDDING,
    "ai.toolCall": SpanType.TOOL,
}
