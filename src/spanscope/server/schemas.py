"""Request and response bodies of the REST API (they document /openapi.json too)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "AssessmentList",
    "AssessmentModel",
    "AssessmentSummaryList",
    "CreateAssessment",
    "OverrideFeedback",
    "UpdateAssessment",
    "ClientLossesModel",
    "CostModel",
    "CreateExperiment",
    "DeleteTraces",
    "DeletedCount",
    "ErrorBody",
    "ExperimentModel",
    "ExperimentPage",
    "InvalidField",
    "RecomputedCosts",
    "RenameExperiment",
    "SearchSessions",
    "SearchTraces",
    "SessionModel",
    "SessionPage",
    "SetTag",
    "TraceModel",
    "TracePage",
    "ValidationErrorBody",
    "WriteTraces",
]

MAX_INT64 = 2**63 - 1
Int64 = Annotated[int, Field(ge=0, le=MAX_INT64)]
TraceId = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")]
SpanId = Annotated[str, Field(pattern=r"^[0-9a-f]{16}$")]
ExperimentId = Annotated[str, Field(pattern=r"^[0-9]{1,18}$")]
Key = Annotated[str, Field(min_length=1, max_length=250)]
Name = Annotated[str, Field(min_length=1, max_length=500)]
MaxResults = Annotated[int, Field(ge=1, le=10_000)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SpanStatusModel(_Strict):
    code: Literal["UNSET", "OK", "ERROR"] = "UNSET"
    message: str = ""


class SpanEventModel(_Strict):
    name: str
    timestamp_ns: Int64
    attributes: dict[str, Any] = Field(default_factory=dict)


class SpanModel(_Strict):
    trace_id: TraceId
    span_id: SpanId
    parent_id: SpanId | None = None
    name: str
    span_type: str = "UNKNOWN"
    start_time_ns: Int64
    end_time_ns: Int64 | None = None
    status: SpanStatusModel = Field(default_factory=SpanStatusModel)
    inputs: Any = None
    outputs: Any = None
    attributes: dict[str, Any] = Field(default_factory=dict)
    events: list[SpanEventModel] = Field(default_factory=list)


class AssessmentSourceModel(_Strict):
    source_type: Literal["HUMAN", "LLM_JUDGE", "CODE"] = "CODE"
    source_id: Annotated[str, Field(min_length=1, max_length=250)] = "default"


class AssessmentErrorModel(_Strict):
    error_code: Annotated[str, Field(min_length=1, max_length=250)]
    error_message: str | None = None
    stack_trace: str | None = None


class AssessmentModel(_Strict):
    """A feedback (bool, number, string, list of strings; or an error) or an expectation (any
    JSON value) on a trace or one of its spans."""

    assessment_id: str | None = None
    trace_id: TraceId
    span_id: SpanId | None = None
    name: Key
    kind: Literal["feedback", "expectation"] = "feedback"
    value: Any = None
    rationale: str | None = None
    source: AssessmentSourceModel = Field(default_factory=AssessmentSourceModel)
    metadata: dict[str, str] = Field(default_factory=dict)
    error: AssessmentErrorModel | None = None
    create_time_ms: Int64 | None = None
    update_time_ms: Int64 | None = None
    overrides: str | None = None
    valid: bool = True


class CreateAssessment(_Strict):
    """A new feedback (value: bool, number, string or list of strings; or an error) or
    expectation (value: any JSON value)."""

    name: Key
    kind: Literal["feedback", "expectation"] = "feedback"
    value: Any = None
    rationale: str | None = None
    source: AssessmentSourceModel | None = None
    span_id: SpanId | None = None
    metadata: dict[str, str] = Field(default_factory=dict)
    error: AssessmentErrorModel | None = None


class UpdateAssessment(_Strict):
    """The fields to change; metadata is merged into the old. Absent fields stay."""

    name: Key | None = None
    value: Any = None
    rationale: str | None = None
    metadata: dict[str, str] | None = None
    error: AssessmentErrorModel | None = None


class OverrideFeedback(_Strict):
    """The feedback that replaces another (which stays as history, no longer valid)."""

    value: Any
    rationale: str | None = None
    source: AssessmentSourceModel | None = None
    metadata: dict[str, str] = Field(default_factory=dict)


class AssessmentList(_Strict):
    assessments: list[AssessmentModel]


class AssessmentSummaryModel(_Strict):
    """The valid assessments of one name and kind across an experiment's traces."""

    name: str
    kind: Literal["feedback", "expectation"]
    count: int
    value_type: Literal["boolean", "number", "string", "mixed", "other"]
    pass_rate: float | None = None  # the share of true among boolean values
    mean: float | None = None  # the mean of number values
    values: dict[str, int] = Field(default_factory=dict)  # string value -> count, top 20
    errors: int = 0  # feedback that holds a judge's error instead of a value


class AssessmentSummaryList(_Strict):
    assessments: list[AssessmentSummaryModel]


class CostModel(BaseModel):
    """What LLM calls cost, in USD (docs/cost.md). `input` and `output` include their cache,
    reasoning and image parts, given again on their own when there were any."""

    model_config = ConfigDict(extra="allow")

    input: float
    output: float
    total: float
    currency: Literal["USD"] = "USD"
    cache_read: float | None = None
    cache_write: float | None = None
    reasoning: float | None = None
    image: float | None = None  # image input tokens
    images: float | None = None  # generated images, at a price per image
    image_output: float | None = None  # image output tokens
    request: float | None = None
    unpriced_spans: int | None = None


class RecomputedCosts(_Strict):
    changed_traces: int


class TraceInfoModel(_Strict):
    trace_id: TraceId
    experiment_id: ExperimentId = "0"
    request_time: Int64
    execution_duration: Int64 | None = None
    state: Literal["OK", "ERROR", "IN_PROGRESS"]
    name: str | None = None
    request_preview: str | None = None
    response_preview: str | None = None
    client_request_id: str | None = None
    metadata: dict[str, str] = Field(default_factory=dict)
    tags: dict[str, str] = Field(default_factory=dict)
    assessments: list[AssessmentModel] = Field(default_factory=list)
    # Set by the server's store from its price book; a value sent with a trace is replaced.
    cost: CostModel | None = None


class TraceDataModel(_Strict):
    spans: list[SpanModel] = Field(default_factory=list)


class TraceModel(_Strict):
    """A trace as `Trace.to_dict()` writes it."""

    info: TraceInfoModel
    data: TraceDataModel = Field(default_factory=TraceDataModel)

    @model_validator(mode="after")
    def _spans_belong_to_the_trace(self) -> TraceModel:
        for span in self.data.spans:
            if span.trace_id != self.info.trace_id:
                raise ValueError(
                    f"span {span.span_id} has trace_id {span.trace_id}, "
                    f"not the trace's {self.info.trace_id}"
                )
        return self


class WriteTraces(_Strict):
    traces: list[TraceModel] = Field(max_length=10_000)


class ExperimentModel(_Strict):
    experiment_id: str
    name: str
    created_at: int
    last_update_time: int
    tags: dict[str, str]
    trace_count: int | None = None
    last_trace_time: int | None = None


class ClientLossesModel(_Strict):
    """Traces clients reported losing for an experiment since `since_ms`, by cause:
    queue_full, export_error, evicted, spool_error (and late_spans: spans, not traces)."""

    experiment_id: str
    since_ms: int
    by_cause: dict[str, int]
    clients: int
    traces: int


class MetricsGroupModel(_Strict):
    key: str | None = None
    values: dict[str, list[float | None]] = Field(
        description="per metric, one value per bucket (None: no value, e.g. no latency)"
    )


class MetricsModel(_Strict):
    """Trace metrics per time bucket and group (docs/dashboard.md defines each metric)."""

    experiment_id: str
    start_ms: int
    end_ms: int
    bucket: Literal["minute", "5min", "hour", "day"]
    bucket_ms: int
    group_by: str | None = None
    metrics: list[str]
    buckets: list[int] = Field(description="bucket starts (ms since the epoch), every bucket")
    groups: list[MetricsGroupModel]
    omitted_groups: int = Field(description="groups past the largest 50, left out")


class ExperimentPage(_Strict):
    experiments: list[ExperimentModel]
    next_page_token: str | None = None


class CreateExperiment(_Strict):
    name: Name
    tags: dict[Key, str] = Field(default_factory=dict)


class CreatedExperiment(_Strict):
    experiment_id: str


class RenameExperiment(_Strict):
    name: Name


class SearchTraces(_Strict):
    experiment_ids: list[ExperimentId] = Field(default_factory=lambda: ["0"], min_length=1)
    filter: str | None = Field(default=None, max_length=10_000)
    order_by: list[Annotated[str, Field(max_length=100)]] | None = Field(
        default=None, max_length=10
    )
    max_results: MaxResults = 100
    page_token: str | None = Field(default=None, max_length=2000)
    include_spans: bool = False
    # The count is capped (TOTAL_COUNT_CAP) so it stays cheap on a store of millions.
    include_total: bool = Field(
        default=False,
        description="Also count the traces the filter matches, up to 10,000 (`total_count`).",
    )


class TracePage(_Strict):
    traces: list[TraceModel]
    next_page_token: str | None = None
    total_count: int | None = Field(
        default=None,
        description="With `include_total`: how many traces match, at most 10,000; "
        "`total_count_capped` is true when more do.",
    )
    total_count_capped: bool | None = None


class SearchSpans(_Strict):
    """A span search: `filter` is a span filter (docs/search.md, "Searching spans")."""

    experiment_ids: list[ExperimentId] = Field(default_factory=lambda: ["0"], min_length=1)
    filter: str | None = Field(default=None, max_length=10_000)
    order_by: list[Annotated[str, Field(max_length=100)]] | None = Field(
        default=None, max_length=10
    )
    max_results: MaxResults = 100
    page_token: str | None = Field(default=None, max_length=2000)


class SpanPage(_Strict):
    spans: list[SpanModel]
    next_page_token: str | None = None


class DeleteTraces(_Strict):
    experiment_id: ExperimentId
    trace_ids: list[TraceId] | None = Field(default=None, max_length=10_000)
    older_than_ms: Int64 | None = None
    max_traces: Int64 | None = None


class DeletedCount(_Strict):
    deleted: int


class SetTag(_Strict):
    value: str = Field(max_length=65_536)


class SearchSessions(_Strict):
    experiment_ids: list[ExperimentId] = Field(default_factory=lambda: ["0"], min_length=1)
    max_results: MaxResults = 100
    page_token: str | None = Field(default=None, max_length=2000)
    query: str | None = Field(
        default=None,
        max_length=1000,
        description="Only sessions whose id contains this text (any case).",
    )


class SessionModel(_Strict):
    session_id: str
    experiment_id: str
    trace_count: int
    first_request_time: int
    last_request_time: int
    user_id: str | None = None
    total_tokens: int | None = None
    total_duration_ms: int | None = None
    error_count: int = 0


class SessionPage(_Strict):
    sessions: list[SessionModel]
    next_page_token: str | None = None


class ErrorDetail(_Strict):
    code: str
    message: str
    position: int | None = None


class ErrorBody(_Strict):
    error: ErrorDetail


class InvalidField(_Strict):
    """One invalid field of a request: where (`loc`, e.g. `["body", "name"]`) and why."""

    loc: list[str | int]
    msg: str
    type: str


class ValidationErrorBody(_Strict):
    """A 422: the error, and each invalid field (at most 20); the values sent are not echoed."""

    error: ErrorDetail
    detail: list[InvalidField]
