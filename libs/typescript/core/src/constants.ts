// Generated from spanscope/constants.py by scripts/generate_keys.py: do not edit by hand.
// Change the Python constants (or the script's tables), then run `make keys`.

/**
 * Reserved keys and environment variables, the same as the Python SDK's
 * (`spanscope.constants`): spans written here are stored exactly like Python ones.
 */

/** Span attribute keys spanscope writes. Chat and usage keys follow OpenTelemetry GenAI. */
export const SpanAttributeKey = {
  SPAN_TYPE: "spanscope.span.type",
  INPUTS: "spanscope.span.inputs",
  OUTPUTS: "spanscope.span.outputs",
  FUNCTION_NAME: "spanscope.span.function_name",
  TIME_TO_FIRST_TOKEN_NS: "spanscope.span.time_to_first_token_ns",
  /** On the root span: the trace's metadata (read back as trace metadata by the server). */
  TRACE_METADATA: "spanscope.trace.metadata",
  GEN_AI_PROVIDER: "gen_ai.provider.name",
  GEN_AI_OPERATION: "gen_ai.operation.name",
  GEN_AI_REQUEST_MODEL: "gen_ai.request.model",
  GEN_AI_RESPONSE_MODEL: "gen_ai.response.model",
  GEN_AI_RESPONSE_ID: "gen_ai.response.id",
  GEN_AI_FINISH_REASONS: "gen_ai.response.finish_reasons",
  GEN_AI_INPUT_MESSAGES: "gen_ai.input.messages",
  GEN_AI_OUTPUT_MESSAGES: "gen_ai.output.messages",
  GEN_AI_SYSTEM_INSTRUCTIONS: "gen_ai.system_instructions",
  GEN_AI_TOOL_DEFINITIONS: "gen_ai.tool.definitions",
  GEN_AI_INPUT_TOKENS: "gen_ai.usage.input_tokens",
  GEN_AI_OUTPUT_TOKENS: "gen_ai.usage.output_tokens",
  GEN_AI_CACHE_READ_TOKENS: "gen_ai.usage.cache_read.input_tokens",
  GEN_AI_CACHE_CREATION_TOKENS: "gen_ai.usage.cache_creation.input_tokens",
  GEN_AI_REASONING_TOKENS: "gen_ai.usage.reasoning.output_tokens",
  GEN_AI_IMAGE_INPUT_TOKENS: "gen_ai.usage.image.input_tokens",
  GEN_AI_IMAGE_CACHE_READ_TOKENS: "gen_ai.usage.image.cache_read.input_tokens",
  GEN_AI_IMAGE_OUTPUT_TOKENS: "gen_ai.usage.image.output_tokens",
  IMAGES: "spanscope.usage.images",
  COST: "spanscope.span.cost",
} as const;

/** Trace-level attributes of the root span, read back as trace metadata by the server. */
export const TraceAttributeKey = {
  SESSION_ID: "session.id",
  USER_ID: "user.id",
} as const;

/** Headers of the OTLP ingest endpoint that route spans to an experiment. */
export const ExperimentHeader = {
  ID: "x-spanscope-experiment-id",
  NAME: "x-spanscope-experiment-name",
} as const;

/** The OpenTelemetry exception event convention. */
export const ExceptionEventKey = {
  EVENT_NAME: "exception",
  TYPE: "exception.type",
  MESSAGE: "exception.message",
  STACKTRACE: "exception.stacktrace",
} as const;

/** Span types; any other string is allowed too. */
export const SpanType = {
  LLM: "LLM",
  CHAT_MODEL: "CHAT_MODEL",
  CHAIN: "CHAIN",
  AGENT: "AGENT",
  TOOL: "TOOL",
  RETRIEVER: "RETRIEVER",
  EMBEDDING: "EMBEDDING",
  RERANKER: "RERANKER",
  PARSER: "PARSER",
  MEMORY: "MEMORY",
  WORKFLOW: "WORKFLOW",
  TASK: "TASK",
  GUARDRAIL: "GUARDRAIL",
  EVALUATOR: "EVALUATOR",
  UNKNOWN: "UNKNOWN",
} as const;

/** The instrumentation scope of spanscope's spans: the server does not record it. */
export const SCOPE_NAME = "spanscope";
export const OTLP_TRACES_PATH = "/v1/traces";
export const STREAM_CHUNK_EVENT = "stream.chunk";
export const MAX_CHUNK_EVENTS = 1000;

/** Environment variables (the Python SDK's names). */
export const Env = {
  TRACKING_URI: "SPANSCOPE_TRACKING_URI",
  TRACKING_TOKEN: "SPANSCOPE_TRACKING_TOKEN",
  EXPERIMENT_ID: "SPANSCOPE_EXPERIMENT_ID",
  EXPERIMENT_NAME: "SPANSCOPE_EXPERIMENT_NAME",
  TRACING_DISABLED: "SPANSCOPE_TRACING_DISABLED",
  STRICT: "SPANSCOPE_STRICT",
  QUEUE_SIZE: "SPANSCOPE_EXPORT_QUEUE_SIZE",
  BATCH_SIZE: "SPANSCOPE_EXPORT_BATCH_SIZE",
  EXPORT_INTERVAL_MS: "SPANSCOPE_EXPORT_INTERVAL_MS",
  MAX_VALUE_BYTES: "SPANSCOPE_MAX_VALUE_BYTES",
} as const;
