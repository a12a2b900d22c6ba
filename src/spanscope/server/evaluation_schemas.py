"""Request and response bodies of the dataset and evaluation run routes (docs/evaluation.md)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from spanscope.server.schemas import (
    AssessmentModel,
    ExperimentId,
    Int64,
    Key,
    Name,
    TraceId,
    _Strict,
)

__all__ = [
    "AssessmentBatch",
    "CreateDataset",
    "DatasetModel",
    "DatasetPage",
    "DatasetRecordModel",
    "DatasetRecordPage",
    "DatasetVersionList",
    "DeleteRecords",
    "EvaluationItemList",
    "EvaluationItemModel",
    "EvaluationItemPage",
    "EvaluationRunModel",
    "EvaluationRunPage",
    "FinishEvaluationRun",
    "MergeRecords",
    "NewEvaluationRun",
    "RecordsFromTraces",
]

# Record ids, dataset ids and run ids: short printable strings.
Id = Annotated[str, Field(min_length=1, max_length=64)]
RunStatus = Literal["RUNNING", "FINISHED", "INTERRUPTED", "FAILED"]
MAX_BATCH = 10_000


class CreateDataset(_Strict):
    name: Name
    experiment_id: ExperimentId | None = None
    tags: dict[Key, str] = Field(default_factory=dict)


class DatasetModel(_Strict):
    """A dataset; `version` is its latest (0 while empty)."""

    dataset_id: str
    name: str
    experiment_id: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)
    version: int = 0
    record_count: int = 0
    created_ms: int = 0
    updated_ms: int = 0


class DatasetPage(_Strict):
    datasets: list[DatasetModel]
    next_page_token: str | None = None


class RecordSourceModel(_Strict):
    type: Literal["HUMAN", "CODE", "TRACE", "DOCUMENT"] = "CODE"
    id: str | None = None


class DatasetRecordModel(_Strict):
    """A record: `inputs` (the keyword arguments of predict_fn) identify it (`record_id` is a
    digest of them: sent ids are ignored), `expectations` are its ground truths."""

    record_id: str | None = None
    inputs: dict[str, Any] = Field(min_length=1)
    expectations: dict[str, Any] = Field(default_factory=dict)
    tags: dict[str, str] = Field(default_factory=dict)
    source: RecordSourceModel | None = None
    created_version: int | None = None
    updated_version: int | None = None


class MergeRecords(_Strict):
    """Records to add; one whose inputs the dataset holds is merged into it."""

    records: list[DatasetRecordModel] = Field(max_length=MAX_BATCH)


class RecordsFromTraces(_Strict):
    """Traces to add as records: inputs from each root span, expectations from the trace's."""

    trace_ids: list[TraceId] = Field(min_length=1, max_length=1000)


class DeleteRecords(_Strict):
    record_ids: list[Annotated[str, Field(max_length=64)]] = Field(max_length=MAX_BATCH)


class DatasetRecordPage(_Strict):
    records: list[DatasetRecordModel]
    version: int
    next_page_token: str | None = None


class DatasetVersionModel(_Strict):
    version: int
    created_ms: int
    record_count: int
    added: int = 0
    updated: int = 0
    removed: int = 0


class DatasetVersionList(_Strict):
    versions: list[DatasetVersionModel]


class ScorerSpecModel(_Strict):
    name: Annotated[str, Field(min_length=1, max_length=250)]
    kind: Literal["CODE", "LLM_JUDGE"] = "CODE"
    model: str | None = None


class ScoreMetricsModel(_Strict):
    """One score name over a run: values and errors counted, mean of numbers (booleans as
    0/1), pass rate of booleans, counts of strings."""

    count: int = Field(default=0, ge=0)
    errors: int = Field(default=0, ge=0)
    mean: float | None = None
    pass_rate: float | None = None
    value_counts: dict[str, int] = Field(default_factory=dict)


class EvaluationRunModel(_Strict):
    run_id: str
    experiment_id: str
    name: str
    status: RunStatus
    dataset_id: str | None = None
    dataset_name: str | None = None
    dataset_version: int | None = None
    scorers: list[ScorerSpecModel] = Field(default_factory=list)
    metrics: dict[str, ScoreMetricsModel] = Field(default_factory=dict)
    item_count: int = 0
    tags: dict[str, str] = Field(default_factory=dict)
    created_ms: int = 0
    finished_ms: int | None = None


class NewEvaluationRun(_Strict):
    """A run to store; without `run_id` the server gives it one, without `created_ms` the
    current time. `dataset_version` defaults to the dataset's latest."""

    run_id: Id | None = None
    experiment_id: ExperimentId | None = None
    name: Annotated[str, Field(max_length=500)] = ""
    status: RunStatus = "RUNNING"
    dataset_id: Id | None = None
    dataset_name: str | None = None
    dataset_version: Annotated[int, Field(ge=0, le=2**31 - 1)] | None = None
    scorers: list[ScorerSpecModel] = Field(default_factory=list, max_length=1000)
    metrics: dict[str, ScoreMetricsModel] = Field(default_factory=dict)
    item_count: int = 0
    tags: dict[Key, str] = Field(default_factory=dict)
    created_ms: Int64 | None = None
    finished_ms: Int64 | None = None


class EvaluationRunPage(_Strict):
    runs: list[EvaluationRunModel]
    next_page_token: str | None = None


class ScoreModel(_Strict):
    value: Any = None
    rationale: str | None = None
    error: str | None = None
    assessment_id: str | None = None


class EvaluationItemModel(_Strict):
    """One row of a run: the record, its trace, the outputs, each score, and the error
    predict_fn raised."""

    position: Annotated[int, Field(ge=0, le=2**31 - 1)]
    record_id: Annotated[str, Field(max_length=64)]
    inputs: Any = None
    outputs: Any = None
    expectations: dict[str, Any] = Field(default_factory=dict)
    trace_id: TraceId | None = None
    scores: dict[str, ScoreModel] = Field(default_factory=dict)
    error: str | None = None


class EvaluationItemList(_Strict):
    items: list[EvaluationItemModel] = Field(max_length=MAX_BATCH)


class EvaluationItemPage(_Strict):
    items: list[EvaluationItemModel]
    next_page_token: str | None = None


class FinishEvaluationRun(_Strict):
    status: RunStatus
    metrics: dict[str, ScoreMetricsModel] = Field(default_factory=dict)


class AssessmentBatch(_Strict):
    """Assessments to log at once (ids and times are given by the server)."""

    assessments: list[AssessmentModel] = Field(max_length=MAX_BATCH)
