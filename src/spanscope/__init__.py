"""spanscope: tracing and observability for GenAI applications."""

# isort: off
# The tracing package goes first: the entities import its serialiser and safety modules.
from spanscope import tracing
from spanscope.tracing.fluent import (
    flush,
    get_active_trace_id,
    get_current_active_span,
    get_last_active_trace_id,
    get_trace,
    start_span,
    trace,
    update_current_trace,
)

# isort: on
from spanscope.entities import (
    Document,
    LiveSpan,
    NoOpSpan,
    Span,
    SpanEvent,
    SpanStatus,
    SpanStatusCode,
    SpanType,
    Trace,
    TraceData,
    TraceInfo,
    TraceState,
)
from spanscope.exceptions import InvalidArgumentError, NotFoundError, SpanscopeError
from spanscope.tracing.client import TracingClient

__version__ = "0.1.0"

__all__ = [
    "Document",
    "InvalidArgumentError",
    "LiveSpan",
    "NoOpSpan",
    "NotFoundError",
    "Span",
    "SpanEvent",
    "SpanStatus",
    "SpanStatusCode",
    "SpanType",
    "SpanscopeError",
    "Trace",
    "TraceData",
    "TraceInfo",
    "TraceState",
    "TracingClient",
    "__version__",
    "flush",
    "get_active_trace_id",
    "get_current_active_span",
    "get_last_active_trace_id",
    "get_trace",
    "start_span",
    "trace",
    "tracing",
    "update_current_trace",
]
