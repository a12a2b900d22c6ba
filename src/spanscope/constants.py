"""Reserved keys of spanscope: span attributes, trace metadata and tags.

No string literal of a reserved key appears anywhere else in the code base.
"""

from __future__ import annotations

from typing import Final

TRACE_SCHEMA_VERSION: Final = "1"
DEFAULT_EXPERIMENT_ID: Final = "0"
DEFAULT_EXPERIMENT_NAME: Final = "Default"


class SpanAttributeKey:
    """Attribute keys spanscope writes on spans."""

    SPAN_TYPE: Final = "spanscope.span.type"
    INPUTS: Final = "spanscope.span.inputs"
    OUTPUTS: Final = "spanscope.span.outputs"
    FUNCTION_NAME: Final = "spanscope.span.function_name"
    TIME_TO_FIRST_TOKEN_NS: Final = "spanscope.span.time_to_first_token_ns"
    # On a root span sent over OTLP (the TypeScript SDK): the trace's metadata, a key-value list.
    TRACE_METADATA: Final = "spanscope.trace.metadata"
    # Chat and usage keys follow the OpenTelemetry GenAI conventions.
    GEN_AI_PROVIDER: Final = "gen_ai.provider.name"
    GEN_AI_OPERATION: Final = "gen_ai.operation.name"
    GEN_AI_REQUEST_MODEL: Final = "gen_ai.request.model"
    GEN_AI_RESPONSE_MODEL: Final = "gen_ai.response.model"
    GEN_AI_RESPONSE_ID: Final = "gen_ai.response.id"
    GEN_AI_FINISH_REASONS: Final = "gen_ai.response.finish_reasons"
    GEN_AI_INPUT_MESSAGES: Final = "gen_ai.input.messages"
    GEN_AI_OUTPUT_MESSAGES: Final = "gen_ai.output.messages"
    GEN_AI_SYSTEM_INSTRUCTIONS: Final = "gen_ai.system_instructions"
    GEN_AI_TOOL_DEFINITIONS: Final = "gen_ai.tool.definitions"
    GEN_AI_TOOL_NAME: Final = "gen_ai.tool.name"
    GEN_AI_INPUT_TOKENS: Final = "gen_ai.usage.input_tokens"
    GEN_AI_OUTPUT_TOKENS: Final = "gen_ai.usage.output_tokens"
    GEN_AI_CACHE_READ_TOKENS: Final = "gen_ai.usage.cache_read.input_tokens"
    GEN_AI_CACHE_CREATION_TOKENS: Final = "gen_ai.usage.cache_creation.input_tokens"
    GEN_AI_REASONING_TOKENS: Final = "gen_ai.usage.reasoning.output_tokens"
    # Image input tokens, counted inside `input_tokens`; their cache reads inside `cache_read`.
    GEN_AI_IMAGE_INPUT_TOKENS: Final = "gen_ai.usage.image.input_tokens"
    GEN_AI_IMAGE_CACHE_READ_TOKENS: Final = "gen_ai.usage.image.cache_read.input_tokens"
    # Image output tokens (a generated image, in tokens), counted inside `output_tokens`.
    GEN_AI_IMAGE_OUTPUT_TOKENS: Final = "gen_ai.usage.image.output_tokens"
    # The number of images a call generated (the conventions have no key for it): priced by a
    # user price's `per_image`.
    IMAGES: Final = "spanscope.usage.images"
    # Set by the store on LLM spans it can price: the call's cost (see docs/cost.md).
    COST: Final = "spanscope.span.cost"


class TraceMetadataKey:
    """Metadata keys spanscope writes on traces (set while the trace runs)."""

    SCHEMA_VERSION: Final = "spanscope.trace.schema_version"
    SESSION: Final = "spanscope.trace.session"
    USER: Final = "spanscope.trace.user"
    TOKEN_USAGE: Final = "spanscope.trace.token_usage"
    SOURCE: Final = "spanscope.trace.source"
    INPUT_TOKENS: Final = "spanscope.trace.input_tokens"
    OUTPUT_TOKENS: Final = "spanscope.trace.output_tokens"
    TOTAL_TOKENS: Final = "spanscope.trace.total_tokens"
    # On an LLM judge's own trace: the trace it judged (when it judged one).
    JUDGED_TRACE_ID: Final = "spanscope.trace.judged_trace_id"


class AssessmentMetadataKey:
    """Metadata keys spanscope writes on assessments: an LLM judge's feedback names the trace
    of its own call and the model it asked."""

    JUDGE_TRACE_ID: Final = "spanscope.judge.trace_id"
    JUDGE_MODEL: Final = "spanscope.judge.model"


class ExceptionEventKey:
    """The OpenTelemetry exception event convention."""

    EVENT_NAME: Final = "exception"
    TYPE: Final = "exception.type"
    MESSAGE: Final = "exception.message"
    STACKTRACE: Final = "exception.stacktrace"


class TraceAttributeKey:
    """OpenTelemetry's general session and user keys.

    On a root span sent over OTLP (the TypeScript SDK) they carry the trace's session and user,
    stored as `TraceMetadataKey.SESSION` and `TraceMetadataKey.USER`.
    """

    SESSION_ID: Final = "session.id"
    USER_ID: Final = "user.id"


class ExperimentHeader:
    """Headers of the OTLP ingest endpoint that route spans to an experiment."""

    ID: Final = "x-spanscope-experiment-id"
    NAME: Final = "x-spanscope-experiment-name"


class ResourceAttributeKey:
    """OpenTelemetry resource attributes that route ingested spans to an experiment."""

    EXPERIMENT_ID: Final = "spanscope.experiment.id"
    EXPERIMENT_NAME: Final = "spanscope.experiment.name"


class EvaluationKey:
    """Keys `spanscope.evaluate` writes: a tag and metadata on the traces it runs, metadata on
    the feedback it logs."""

    RUN_ID: Final = "spanscope.evaluation.run_id"
    RECORD_ID: Final = "spanscope.evaluation.record_id"


# A value too large to keep is replaced by a dict carrying this key, so readers can tell.
TRUNCATED_MARKER: Final = "spanscope.truncated"

# The instrumentation scope of spans spanscope exports; ingest does not record it as an attribute.
SCOPE_NAME: Final = "spanscope"
# The path of OTLP/HTTP trace ingest, on the server and after an exporter's base URL.
OTLP_TRACES_PATH: Final = "/v1/traces"
OTLP_LOGS_PATH: Final = "/v1/logs"

# A traced stream records each chunk as a span event of this name, up to the cap per span.
STREAM_CHUNK_EVENT: Final = "stream.chunk"
MAX_CHUNK_EVENTS: Final = 1000

# The entry point group where other packages register store backends by URI scheme.
STORE_ENTRY_POINT_GROUP: Final = "spanscope.stores"

# A client's loss counters, sent with every batch of traces it delivers (JSON, see
# docs/reliability.md): the server keeps them per experiment.
CLIENT_LOSSES_HEADER: Final = "x-spanscope-client-losses"

# W3C trace context header names.
TRACEPARENT_HEADER: Final = "traceparent"
TRACESTATE_HEADER: Final = "tracestate"

# Environment variables.
ENV_STRICT: Final = "SPANSCOPE_STRICT"
ENV_SAMPLING_RATIO: Final = "SPANSCOPE_TRACE_SAMPLING_RATIO"
ENV_QUEUE_SIZE: Final = "SPANSCOPE_EXPORT_QUEUE_SIZE"
ENV_QUEUE_MAX_BYTES: Final = "SPANSCOPE_EXPORT_QUEUE_MAX_BYTES"
ENV_QUEUE_MEMORY_BYTES: Final = "SPANSCOPE_EXPORT_QUEUE_MEMORY_BYTES"
ENV_BATCH_SIZE: Final = "SPANSCOPE_EXPORT_BATCH_SIZE"
ENV_EXPORT_INTERVAL_MS: Final = "SPANSCOPE_EXPORT_INTERVAL_MS"
ENV_LIVE_INTERVAL_MS: Final = "SPANSCOPE_LIVE_INTERVAL_MS"
ENV_MAX_VALUE_BYTES: Final = "SPANSCOPE_MAX_VALUE_BYTES"
ENV_TRACING_DISABLED: Final = "SPANSCOPE_TRACING_DISABLED"
ENV_TRACKING_URI: Final = "SPANSCOPE_TRACKING_URI"
ENV_TRACKING_TOKEN: Final = "SPANSCOPE_TRACKING_TOKEN"
ENV_HOME: Final = "SPANSCOPE_HOME"
ENV_EXPERIMENT_ID: Final = "SPANSCOPE_EXPERIMENT_ID"
ENV_EXPERIMENT_NAME: Final = "SPANSCOPE_EXPERIMENT_NAME"
ENV_OTLP_ENDPOINT: Final = "SPANSCOPE_OTLP_ENDPOINT"
ENV_EXPORTERS: Final = "SPANSCOPE_EXPORTERS"
ENV_EXIT_FLUSH_TIMEOUT_S: Final = "SPANSCOPE_EXIT_FLUSH_TIMEOUT_S"
ENV_DELIVERY_TIMEOUT_S: Final = "SPANSCOPE_DELIVERY_TIMEOUT_S"
ENV_SPOOL_DIR: Final = "SPANSCOPE_SPOOL_DIR"
ENV_SPOOL_MAX_BYTES: Final = "SPANSCOPE_SPOOL_MAX_BYTES"
ENV_SPOOL_DISABLED: Final = "SPANSCOPE_SPOOL_DISABLED"
# The model URI of the built-in LLM judges when none is given (openai:/gpt-4o-mini otherwise).
ENV_JUDGE_MODEL: Final = "SPANSCOPE_JUDGE_MODEL"
# A JSON file of prices that take precedence over the bundled ones (docs/cost.md).
ENV_PRICE_BOOK: Final = "SPANSCOPE_PRICE_BOOK"
# The SQLite page cache per connection, in MiB (docs/store.md).
ENV_SQLITE_CACHE_MIB: Final = "SPANSCOPE_SQLITE_CACHE_MIB"
# Its default in `spanscope server` (an application's is 2 MiB, SQLite's own): a server reads
# the pages of many traces for each page of the UI.
SERVER_SQLITE_CACHE_MIB: Final = 8
