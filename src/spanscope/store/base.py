"""The TraceStore interface: every backend (SQL, the REST client of a server) implements it."""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Generic, Literal, Protocol, TypeVar

from spanscope.entities.assessment import Assessment, AssessmentSummary
from spanscope.entities.client_losses import ClientLosses
from spanscope.entities.dataset import Dataset, DatasetRecord, DatasetVersion
from spanscope.entities.evaluation_run import (
    EvaluationItem,
    EvaluationRun,
    EvaluationRunStatus,
    ScoreMetrics,
)
from spanscope.entities.experiment import Experiment
from spanscope.entities.metrics import MetricsSeries
from spanscope.entities.session import Session
from spanscope.entities.span import Span
from spanscope.entities.trace import Trace
from spanscope.exceptions import InvalidArgumentError

__all__ = ["PENDING_LOG_RECORDS_TTL_MS", "PagedList", "SpanLogRecord", "TraceStore", "all_pages"]

# How long log records wait for a span that has not arrived (OTLP logs ingest) before they are
# purged.
PENDING_LOG_RECORDS_TTL_MS = 3_600_000

T = TypeVar("T")


class PagedList(list[T], Generic[T]):
    """One page of results; `next_page_token` fetches the next one (None on the last page)."""

    def __init__(self, items: Iterable[T], next_page_token: str | None) -> None:
        super().__init__(items)
        self.next_page_token = next_page_token


def all_pages(fetch: Callable[[str | None], PagedList[T]]) -> list[T]:
    """Every item of a paged search: `fetch(token)` reads the page after `token` (None for the
    first), until a page has no next_page_token."""
    found: list[T] = []
    token: str | None = None
    while True:
        page = fetch(token)
        found.extend(page)
        token = page.next_page_token
        if not token:
            return found


class SpanLogRecord(Protocol):
    """A log record bound to a span, as `log_span_records` takes it (spanscope.otel.logs makes
    them from OTLP log records). `(trace_id, span_id, time_ns, index)` identifies it. A
    `span_id` of "" binds it to its trace's root span (the span without a parent).

    Kind "messages": `messages` holds chat messages (spanscope.entities.chat) under the span
    attribute keys `gen_ai.input.messages` / `gen_ai.output.messages` (each record's lists are
    appended in (time_ns, index) order) and `gen_ai.system_instructions` /
    `gen_ai.tool.definitions`; a `complete` record holds the whole conversation and replaces
    what the records before it held. Kind "event": a span event `name` with `attributes`.
    """

    @property
    def trace_id(self) -> str: ...
    @property
    def span_id(self) -> str: ...
    @property
    def time_ns(self) -> int: ...
    @property
    def index(self) -> int: ...
    @property
    def kind(self) -> Literal["messages", "event"]: ...
    @property
    def name(self) -> str: ...
    @property
    def messages(self) -> Mapping[str, Sequence[Any]]: ...
    @property
    def complete(self) -> bool: ...
    @property
    def attributes(self) -> Mapping[str, Any]: ...


class TraceStore(abc.ABC):
    """Experiments and traces, persisted. Writes are idempotent on (trace_id, span_id).

    Errors, for every method: StorageUnavailableError when the store cannot serve the call
    right now (unreachable, disk full, locked...; nothing of the call was stored, retrying
    later may succeed), InvalidArgumentError for arguments it refuses (InvalidFilterError for
    filters), NotFoundError for unknown ids; never the database's or the transport's own
    exceptions. Text is kept with U+0000 and lone surrogates replaced by U+FFFD, and searched
    the same way (spanscope.search.stored_text).
    """

    # Experiments

    @abc.abstractmethod
    def create_experiment(self, name: str, tags: dict[str, str] | None = None) -> str:
        """Create an experiment; returns its id. InvalidArgumentError if the name is taken."""

    @abc.abstractmethod
    def get_experiment(self, experiment_id: str) -> Experiment:
        """NotFoundError for an unknown id."""

    @abc.abstractmethod
    def get_experiment_by_name(self, name: str) -> Experiment | None: ...

    @abc.abstractmethod
    def search_experiments(
        self, name_like: str | None = None, max_results: int = 1000, page_token: str | None = None
    ) -> PagedList[Experiment]: ...

    @abc.abstractmethod
    def rename_experiment(self, experiment_id: str, new_name: str) -> None: ...

    @abc.abstractmethod
    def delete_experiment(self, experiment_id: str) -> None:
        """Delete an experiment and all its traces."""

    # Traces

    @abc.abstractmethod
    def write_traces(self, traces: Sequence[Trace]) -> None:
        """Store finished traces (info and spans) in one transaction."""

    @abc.abstractmethod
    def log_spans(
        self,
        experiment_id: str,
        spans: Sequence[Span],
        trace_metadata: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        """Store spans arriving piecemeal; each touched trace's row is derived from its spans.

        `trace_metadata` (by trace id) is merged into the traces' metadata (session, user...).
        """

    @abc.abstractmethod
    def get_trace(self, trace_id: str, include_spans: bool = True) -> Trace:
        """NotFoundError for an unknown id."""

    @abc.abstractmethod
    def search_traces(
        self,
        experiment_ids: Sequence[str],
        filter_string: str | None = None,
        order_by: Sequence[str] | None = None,
        max_results: int = 100,
        page_token: str | None = None,
        include_spans: bool = False,
    ) -> PagedList[Trace]:
        """Traces matching `filter_string` (docs/search.md): exactly those the evaluator
        `spanscope.search.matches` accepts. InvalidFilterError for a filter that does not parse
        or exceeds the limits, before any query runs."""

    def count_traces(
        self,
        experiment_ids: Sequence[str],
        filter_string: str | None = None,
        limit: int = 10_000,
    ) -> int:
        """How many traces match `filter_string`, counted up to `limit` + 1 (so a result above
        `limit` means "more than `limit`"). This default pages through search_traces; SQL
        stores count in one query."""
        if limit < 0:
            raise InvalidArgumentError(f"limit must not be negative, got {limit}")
        count, token = 0, None
        while count <= limit:
            page = self.search_traces(
                experiment_ids, filter_string, None, min(1000, limit + 1 - count), token
            )
            count += len(page)
            token = page.next_page_token
            if not token:
                break
        return count

    @abc.abstractmethod
    def search_spans(
        self,
        experiment_ids: Sequence[str],
        filter_string: str | None = None,
        order_by: Sequence[str] | None = None,
        max_results: int = 100,
        page_token: str | None = None,
    ) -> PagedList[Span]:
        """Spans across traces (each carries its trace id) matching the span filter
        `filter_string` (docs/search.md, "Searching spans"): exactly those for which
        `spanscope.search.span_matches` holds. `order_by` names span fields
        (`SPAN_ORDER_BY_FIELDS`, default `start_time_ms DESC`). InvalidFilterError for a filter
        or order that does not parse, before any query runs."""

    @abc.abstractmethod
    def delete_traces(
        self,
        experiment_id: str,
        trace_ids: Sequence[str] | None = None,
        older_than_ms: int | None = None,
        max_traces: int | None = None,
    ) -> int:
        """Delete traces; returns how many were deleted."""

    @abc.abstractmethod
    def set_trace_tag(self, trace_id: str, key: str, value: str) -> None: ...

    @abc.abstractmethod
    def delete_trace_tag(self, trace_id: str, key: str) -> None: ...

    @abc.abstractmethod
    def search_sessions(
        self,
        experiment_ids: Sequence[str],
        max_results: int = 100,
        page_token: str | None = None,
        *,
        query: str | None = None,
    ) -> PagedList[Session]:
        """Sessions, the most recently active first; with `query`, those whose id contains
        it (any case)."""

    # Assessments: feedback and expectations on traces and spans (docs/assessments.md).

    @abc.abstractmethod
    def log_assessment(self, assessment: Assessment) -> Assessment:
        """Store a new assessment (checked; given an id and times) and return it.
        NotFoundError for an unknown trace."""

    @abc.abstractmethod
    def get_assessment(self, trace_id: str, assessment_id: str) -> Assessment:
        """NotFoundError for an unknown trace or assessment."""

    @abc.abstractmethod
    def update_assessment(
        self, trace_id: str, assessment_id: str, changes: Mapping[str, Any]
    ) -> Assessment:
        """Change an assessment in place (`Assessment.updated`: name, value, rationale,
        error; metadata merged) and return it."""

    @abc.abstractmethod
    def override_feedback(
        self, trace_id: str, assessment_id: str, replacement: Assessment
    ) -> Assessment:
        """Store `replacement` (built by `Assessment.overridden_by`) and mark the feedback it
        overrides invalid, keeping it as history; returns the stored replacement."""

    @abc.abstractmethod
    def delete_assessment(self, trace_id: str, assessment_id: str) -> None:
        """Delete an assessment; the one it overrode becomes valid again. Unknown ids are a
        no-op (NotFoundError for an unknown trace)."""

    @abc.abstractmethod
    def summarize_assessments(self, experiment_id: str) -> list[AssessmentSummary]:
        """Per assessment name and kind, over the experiment's valid assessments: count and
        pass rate, mean or value counts (AssessmentSummary). NotFoundError for an unknown
        experiment."""

    def log_assessments(self, assessments: Sequence[Assessment]) -> list[Assessment]:
        """Store many new assessments at once (an evaluation's scores); returns them stored, in
        order. NotFoundError names the first unknown trace, and then nothing is stored."""
        return [self.log_assessment(a) for a in assessments]

    # Datasets: versioned records for evaluation (docs/evaluation.md). Every change that alters
    # the records makes a new version; a call that changes nothing makes none.

    @abc.abstractmethod
    def create_dataset(
        self, name: str, experiment_id: str | None = None, tags: Mapping[str, str] | None = None
    ) -> Dataset:
        """Create an empty dataset (version 0). InvalidArgumentError if the name is taken,
        NotFoundError for an unknown experiment."""

    @abc.abstractmethod
    def get_dataset(self, dataset_id: str) -> Dataset:
        """NotFoundError for an unknown id."""

    @abc.abstractmethod
    def get_dataset_by_name(self, name: str) -> Dataset | None: ...

    @abc.abstractmethod
    def search_datasets(
        self,
        experiment_id: str | None = None,
        name_like: str | None = None,
        max_results: int = 100,
        page_token: str | None = None,
    ) -> PagedList[Dataset]:
        """Datasets, newest first; `name_like` is a case-insensitive LIKE pattern."""

    @abc.abstractmethod
    def delete_dataset(self, dataset_id: str) -> None:
        """Delete a dataset and all its versions. NotFoundError for an unknown id."""

    @abc.abstractmethod
    def merge_dataset_records(self, dataset_id: str, records: Sequence[DatasetRecord]) -> Dataset:
        """Add records; a record whose inputs the dataset already holds is merged into it
        (`DatasetRecord.merged_with`), and records repeated within the call are merged in
        order. Returns the dataset at its new version (unchanged when nothing changed)."""

    @abc.abstractmethod
    def delete_dataset_records(self, dataset_id: str, record_ids: Sequence[str]) -> Dataset:
        """Remove records by id (unknown ids are ignored); a new version if any was held."""

    @abc.abstractmethod
    def get_dataset_records(
        self,
        dataset_id: str,
        version: int | None = None,
        max_results: int = 1000,
        page_token: str | None = None,
    ) -> PagedList[DatasetRecord]:
        """The records of a version (the latest by default) in the order they were first
        added. NotFoundError for an unknown dataset or version."""

    @abc.abstractmethod
    def get_dataset_versions(self, dataset_id: str) -> list[DatasetVersion]:
        """Every version of the dataset, newest first (version 0 is the empty start)."""

    # Evaluation runs (docs/evaluation.md)

    @abc.abstractmethod
    def create_evaluation_run(self, run: EvaluationRun) -> EvaluationRun:
        """Store a new run (given an id and a created time when it has none). NotFoundError
        for an unknown experiment or dataset."""

    @abc.abstractmethod
    def log_evaluation_items(self, run_id: str, items: Sequence[EvaluationItem]) -> None:
        """Add rows to a run; a row at a position the run already holds replaces it."""

    @abc.abstractmethod
    def finish_evaluation_run(
        self, run_id: str, status: EvaluationRunStatus, metrics: Mapping[str, ScoreMetrics]
    ) -> EvaluationRun:
        """Record how a run ended and its metrics; returns the run."""

    @abc.abstractmethod
    def get_evaluation_run(self, run_id: str) -> EvaluationRun:
        """NotFoundError for an unknown id."""

    @abc.abstractmethod
    def search_evaluation_runs(
        self,
        experiment_id: str,
        dataset_id: str | None = None,
        max_results: int = 100,
        page_token: str | None = None,
    ) -> PagedList[EvaluationRun]:
        """An experiment's runs, newest first. NotFoundError for an unknown experiment."""

    @abc.abstractmethod
    def get_evaluation_items(
        self, run_id: str, max_results: int = 1000, page_token: str | None = None
    ) -> PagedList[EvaluationItem]:
        """A run's rows by position. NotFoundError for an unknown run."""

    @abc.abstractmethod
    def delete_evaluation_run(self, run_id: str) -> None:
        """Delete a run and its rows (the feedback on its traces stays). NotFoundError for an
        unknown id."""

    # Metrics

    @abc.abstractmethod
    def get_metrics(
        self,
        experiment_id: str,
        start_ms: int,
        end_ms: int,
        bucket: str = "hour",
        filter_string: str | None = None,
        group_by: str | None = None,
        metrics: Sequence[str] | None = None,
    ) -> MetricsSeries:
        """Metrics of the experiment's traces with `start_ms <= request_time < end_ms` that
        match `filter_string`, per `bucket` (minute, 5min, hour, day) and per `group_by`
        (model, span_type, user, session or tags.<key>); entities/metrics.py defines each.
        InvalidArgumentError for a bad bucket, group, metric or range."""

    # Cost (docs/cost.md)

    def recompute_costs(self, experiment_ids: Sequence[str] | None = None) -> int:
        """Price the stored LLM spans of the experiments (every one if None) again with the
        price book as it is now, and their traces' costs; returns how many traces' cost
        changed. A remote store asks its server, which prices with its own price book."""
        raise InvalidArgumentError(f"{type(self).__name__} cannot recompute costs")

    # Client losses (docs/reliability.md): what SDKs report they could not deliver.

    def record_client_losses(  # noqa: B027 - optional: a store that cannot keep them ignores them
        self, experiment_id: str, client_id: str, totals: Mapping[str, int], at_ms: int
    ) -> None:
        """Keep a client's cumulative loss counts (by cause) for an experiment: the increase
        since its last report is what it lost meanwhile."""

    def client_losses(self, experiment_id: str, since_ms: int) -> ClientLosses:
        """What clients reported losing for the experiment since `since_ms`."""
        return ClientLosses(str(experiment_id), since_ms)

    # Log records bound to spans (OTLP logs ingest, docs/server.md)

    def log_span_records(
        self, records: Sequence[SpanLogRecord], pending_ttl_ms: int = PENDING_LOG_RECORDS_TTL_MS
    ) -> None:
        """Attach log records to their spans: a stored span is updated at once (its messages,
        inputs, outputs and events, and its trace's previews); the records of a span not
        stored yet wait for it, and are applied when it is written. Idempotent on
        (trace_id, span_id, time_ns, index). Records that waited longer than `pending_ttl_ms`
        for their span are purged."""
        raise InvalidArgumentError(f"{type(self).__name__} does not keep log records")

    def release_memory(self) -> None:  # noqa: B027 - an optional hook
        """Give back what this store caches in memory (called after a burst of writes)."""

    def close(self) -> None:  # noqa: B027 - an optional hook, not every store holds resources
        """Release connections."""
