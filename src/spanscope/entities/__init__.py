"""Plain typed data of spanscope: traces, spans, events, statuses, documents."""

from spanscope.entities.assessment import (
    Assessment,
    AssessmentError,
    AssessmentSource,
    AssessmentSourceType,
    AssessmentSummary,
    Expectation,
    Feedback,
)
from spanscope.entities.dataset import Dataset, DatasetRecord, DatasetVersion
from spanscope.entities.document import Document
from spanscope.entities.evaluation_run import (
    EvaluationItem,
    EvaluationRun,
    EvaluationRunStatus,
    Score,
    ScoreMetrics,
    ScorerSpec,
)
from spanscope.entities.experiment import Experiment
from spanscope.entities.session import Session
from spanscope.entities.span import Span
from spanscope.entities.span_event import SpanEvent
from spanscope.entities.span_status import SpanStatus, SpanStatusCode
from spanscope.entities.span_type import SpanType
from spanscope.entities.trace import Trace, TraceData
from spanscope.entities.trace_info import TraceInfo, TraceState

__all__ = [
    "Assessment",
    "AssessmentError",
    "AssessmentSource",
    "AssessmentSourceType",
    "AssessmentSummary",
    "Expectation",
    "Feedback",
    "Dataset",
    "DatasetRecord",
    "DatasetVersion",
    "Document",
    "EvaluationItem",
    "EvaluationRun",
    "EvaluationRunStatus",
    "Score",
    "ScoreMetrics",
    "ScorerSpec",
    "Experiment",
    "Session",
    "Span",
    "SpanEvent",
    "SpanStatus",
    "SpanStatusCode",
    "SpanType",
    "Trace",
    "TraceData",
    "TraceInfo",
    "TraceState",
]
