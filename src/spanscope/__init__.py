"""spanscope: tracing and observability for GenAI applications."""

from spanscope import datasets, integrations, judges, scorers, tracing
from spanscope.autologging import autolog
from spanscope.display import disable_notebook_display, display_traces, enable_notebook_display
from spanscope.entities import (
    Assessment,
    AssessmentError,
    AssessmentSource,
    AssessmentSourceType,
    Document,
    EvaluationRun,
    Expectation,
    Experiment,
    Feedback,
    Session,
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
from spanscope.evaluation.result import EvaluationResult
from spanscope.evaluation.runner import evaluate
from spanscope.evaluation.runs import get_evaluation_run, search_evaluation_runs
from spanscope.evaluation.scorer import Scorer, scorer
from spanscope.exceptions import (
    InvalidArgumentError,
    InvalidFilterError,
    NotFoundError,
    SpanscopeError,
    StorageUnavailableError,
)
from spanscope.integrations import *  # noqa: F403  (the registered integration modules)
from spanscope.store.uri import get_tracking_uri, set_tracking_uri
from spanscope.tracing.assessments import (
    delete_assessment,
    get_assessment,
    log_expectation,
    log_feedback,
    override_feedback,
    update_assessment,
)
from spanscope.tracing.client import TracingClient
from spanscope.tracing.fluent import (
    flush,
    get_active_trace_id,
    get_current_active_span,
    get_last_active_trace_id,
    start_span,
    trace,
    update_current_trace,
)
from spanscope.tracing.live_span import LiveSpan, NoOpSpan
from spanscope.tracing.span_search import search_spans
from spanscope.tracing.store_fluent import (
    create_experiment,
    delete_experiment,
    delete_trace_tag,
    delete_traces,
    get_experiment,
    get_experiment_by_name,
    get_metrics,
    get_trace,
    search_experiments,
    search_sessions,
    search_traces,
    set_experiment,
    set_trace_tag,
)

__version__ = "0.1.0"

__all__ = [
    "Assessment",
    "AssessmentError",
    "AssessmentSource",
    "AssessmentSourceType",
    "Document",
    "Expectation",
    "Feedback",
    "delete_assessment",
    "get_assessment",
    "log_expectation",
    "log_feedback",
    "override_feedback",
    "update_assessment",
    "EvaluationResult",
    "EvaluationRun",
    "Experiment",
    "InvalidArgumentError",
    "InvalidFilterError",
    "LiveSpan",
    "NoOpSpan",
    "NotFoundError",
    "Session",
    "Span",
    "SpanEvent",
    "SpanStatus",
    "SpanStatusCode",
    "SpanType",
    "Scorer",
    "SpanscopeError",
    "StorageUnavailableError",
    "Trace",
    "TraceData",
    "TraceInfo",
    "TraceState",
    "TracingClient",
    "__version__",
    "autolog",
    "create_experiment",
    "datasets",
    "delete_experiment",
    "delete_trace_tag",
    "delete_traces",
    "disable_notebook_display",
    "display_traces",
    "enable_notebook_display",
    "evaluate",
    "flush",
    "get_active_trace_id",
    "get_current_active_span",
    "get_evaluation_run",
    "get_experiment",
    "get_experiment_by_name",
    "get_metrics",
    "get_last_active_trace_id",
    "get_trace",
    "judges",
    "get_tracking_uri",
    "search_evaluation_runs",
    "search_experiments",
    "search_sessions",
    "search_spans",
    "scorer",
    "scorers",
    "search_traces",
    "set_experiment",
    "set_trace_tag",
    "set_tracking_uri",
    "start_span",
    "trace",
    "tracing",
    "update_current_trace",
]
# Each registered integration's module: spanscope.openai, spanscope.anthropic, ...
__all__ += integrations.__all__
