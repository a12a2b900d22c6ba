"""The fluent API over the store of the tracking URI: experiments, search, get, delete, tags."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, Literal

from spanscope.constants import DEFAULT_EXPERIMENT_ID
from spanscope.entities.experiment import Experiment
from spanscope.entities.metrics import MetricsSeries
from spanscope.entities.session import Session
from spanscope.entities.trace import Trace
from spanscope.exceptions import InvalidArgumentError, NotFoundError
from spanscope.store.base import PagedList
from spanscope.store.uri import get_store
from spanscope.tracing.export.queue import flush
from spanscope.tracing.state import STATE

__all__ = [
    "create_experiment",
    "delete_experiment",
    "delete_trace_tag",
    "delete_traces",
    "get_experiment",
    "get_experiment_by_name",
    "get_metrics",
    "get_trace",
    "search_experiments",
    "search_sessions",
    "search_traces",
    "set_experiment",
    "set_trace_tag",
]

_FLUSH_TIMEOUT_S = 30.0
_DAY_MS = 86_400_000


def set_experiment(
    experiment_name: str | None = None, experiment_id: str | None = None
) -> Experiment:
    """Make an experiment current for new traces; by name it is created on first use."""
    if (experiment_name is None) == (experiment_id is None):
        raise InvalidArgumentError("set_experiment takes experiment_name or experiment_id")
    store = get_store()
    if experiment_id is not None:
        experiment = store.get_experiment(str(experiment_id))
    else:
        assert experiment_name is not None
        found = store.get_experiment_by_name(experiment_name)
        if found is None:
            try:
                store.create_experiment(experiment_name)
            except InvalidArgumentError:
                if store.get_experiment_by_name(experiment_name) is None:
                    raise  # a bad name, not another process creating it first
            found = store.get_experiment_by_name(experiment_name)
        if found is None:
            raise NotFoundError(f"experiment {experiment_name!r} could not be created")
        experiment = found
    STATE.experiment_id = experiment.experiment_id
    STATE.experiment_name_pending = None  # the program's own choice beats the environment's
    return experiment


def create_experiment(name: str, tags: dict[str, str] | None = None) -> str:
    """Create an experiment; returns its id."""
    return get_store().create_experiment(name, tags)


def get_experiment(experiment_id: str) -> Experiment:
    return get_store().get_experiment(str(experiment_id))


def get_experiment_by_name(name: str) -> Experiment | None:
    return get_store().get_experiment_by_name(name)


def search_experiments(
    name_like: str | None = None, max_results: int = 1000, page_token: str | None = None
) -> PagedList[Experiment]:
    """Experiments with their trace counts and last activity, oldest first."""
    flush(_FLUSH_TIMEOUT_S)
    return get_store().search_experiments(name_like, max_results, page_token)


def delete_experiment(experiment_id: str) -> None:
    """Delete an experiment and its traces (the default experiment cannot be deleted)."""
    get_store().delete_experiment(str(experiment_id))
    if STATE.experiment_id == str(experiment_id):
        STATE.experiment_id = DEFAULT_EXPERIMENT_ID


def search_traces(
    experiment_ids: Sequence[str] | None = None,
    experiment_names: Sequence[str] | None = None,
    filter_string: str | None = None,
    order_by: Sequence[str] | None = None,
    max_results: int = 100,
    page_token: str | None = None,
    return_type: Literal["list", "pandas"] = "list",
    include_spans: bool = True,
    feedback_columns: bool | Sequence[str] = False,
) -> Any:
    """Find traces with the filter language (docs/search.md), newest first by default.

    Returns a list of Trace with `.next_page_token`, or a pandas DataFrame (with an
    `assessments` column; `feedback_columns=True` adds a `feedback.<name>` column per feedback
    name found, or pass the names). Traces ended before the call are flushed to the store
    first, so they are found.
    """
    if return_type not in ("list", "pandas"):
        raise InvalidArgumentError(f"return_type is 'list' or 'pandas', got {return_type!r}")
    if isinstance(feedback_columns, str) or (
        not isinstance(feedback_columns, bool)
        and not all(isinstance(n, str) for n in feedback_columns)
    ):
        raise InvalidArgumentError(
            f"feedback_columns is True, False or a list of feedback names, got {feedback_columns!r}"
        )
    flush(_FLUSH_TIMEOUT_S)
    store = get_store()
    ids = _experiment_ids(experiment_ids, experiment_names)
    page = store.search_traces(ids, filter_string, order_by, max_results, page_token, include_spans)
    if return_type == "list":
        return page
    return _to_pandas(page, feedback_columns)


def get_trace(trace_id: str) -> Trace:
    """A finished trace by id, from the store (or, if it never reached one, from memory)."""
    flush(_FLUSH_TIMEOUT_S)
    try:
        return get_store().get_trace(trace_id)
    except NotFoundError:
        recent = STATE.recent.get_trace(trace_id) if STATE.recent is not None else None
        if recent is None:
            raise
        return recent


def delete_traces(
    experiment_id: str,
    trace_ids: Sequence[str] | None = None,
    older_than_ms: int | None = None,
    max_traces: int | None = None,
) -> int:
    """Delete traces by id, by age (older than `older_than_ms` milliseconds) and/or at most
    `max_traces` of the oldest; returns how many were deleted."""
    flush(_FLUSH_TIMEOUT_S)
    return get_store().delete_traces(str(experiment_id), trace_ids, older_than_ms, max_traces)


def set_trace_tag(trace_id: str, key: str, value: str) -> None:
    flush(_FLUSH_TIMEOUT_S)
    get_store().set_trace_tag(trace_id, key, value)


def delete_trace_tag(trace_id: str, key: str) -> None:
    flush(_FLUSH_TIMEOUT_S)
    get_store().delete_trace_tag(trace_id, key)


def search_sessions(
    experiment_ids: Sequence[str] | None = None,
    max_results: int = 100,
    page_token: str | None = None,
) -> PagedList[Session]:
    """Traces grouped by session id, the most recently active first."""
    flush(_FLUSH_TIMEOUT_S)
    ids = _experiment_ids(experiment_ids, None)
    return get_store().search_sessions(ids, max_results, page_token)


def get_metrics(
    experiment_id: str | None = None,
    start_ms: int | None = None,
    end_ms: int | None = None,
    bucket: str = "hour",
    filter_string: str | None = None,
    group_by: str | None = None,
    metrics: Sequence[str] | None = None,
) -> MetricsSeries:
    """Trace metrics of an experiment (the current one by default) per time bucket (minute,
    5min, hour, day) and group (model, span_type, user, session, tags.<key>): trace and error
    counts, error rate, latency percentiles, tokens (docs/dashboard.md). The range is
    [start_ms, end_ms), by default the 24 hours up to now."""
    flush(_FLUSH_TIMEOUT_S)
    (experiment,) = _experiment_ids(None if experiment_id is None else [experiment_id], None)
    end = time.time_ns() // 1_000_000 + 1 if end_ms is None else end_ms
    start = end - _DAY_MS if start_ms is None else start_ms
    return get_store().get_metrics(experiment, start, end, bucket, filter_string, group_by, metrics)


def _feedback_names(traces: Sequence[Trace], wanted: bool | Sequence[str]) -> list[str]:
    if wanted is False:
        return []
    if wanted is True:
        found = {a.name for t in traces for a in t.info.assessments if a.feedback and a.valid}
        return sorted(found)
    return list(dict.fromkeys(wanted))


def _feedback_value(trace: Trace, name: str) -> Any:
    """The trace's latest valid value of the feedback `name` (trace-level before span-level);
    None when it has none."""
    found = [
        a
        for a in trace.info.assessments
        if a.feedback and a.valid and a.name == name and a.value is not None
    ]
    if not found:
        return None
    found.sort(key=lambda a: (a.span_id is None, a.create_time_ms or 0))
    return found[-1].value


def _experiment_ids(ids: Sequence[str] | None, names: Sequence[str] | None) -> list[str]:
    if isinstance(ids, str) or isinstance(names, str):
        raise InvalidArgumentError("experiment_ids and experiment_names take lists of strings")
    if ids is not None and names is not None:
        raise InvalidArgumentError("pass experiment_ids or experiment_names, not both")
    if names is not None:
        store = get_store()
        found = []
        for name in names:
            experiment = store.get_experiment_by_name(name)
            if experiment is None:
                raise NotFoundError(f"no experiment named {name!r}")
            found.append(experiment.experiment_id)
        return found
    if ids is not None:
        return [str(i) for i in ids]
    return [STATE.experiment_id]


def _to_pandas(traces: Sequence[Trace], feedback_columns: bool | Sequence[str]) -> Any:
    try:
        import pandas as pd
    except ImportError:
        raise InvalidArgumentError(
            "return_type='pandas' needs pandas: pip install 'spanscope[pandas]'"
        ) from None
    records = [
        {
            "trace_id": t.info.trace_id,
            "experiment_id": t.info.experiment_id,
            "name": t.info.name,
            "state": t.info.state.value,
            "request_time": t.info.request_time,
            "execution_duration": t.info.execution_duration,
            "request_preview": t.info.request_preview,
            "response_preview": t.info.response_preview,
            "session_id": t.info.session_id,
            "user_id": t.info.user_id,
            "token_usage": t.info.token_usage,
            # The total in USD (NaN: no LLM call could be priced); the split is in "trace".
            "cost": None if t.info.cost is None else t.info.cost.get("total"),
            "tags": t.info.tags,
            "metadata": t.info.metadata,
            "spans": [s.to_dict() for s in t.data.spans],
            "assessments": [a.to_dict() for a in t.info.assessments],
            "trace": t,
        }
        for t in traces
    ]
    names = _feedback_names(traces, feedback_columns)
    for record, trace in zip(records, traces, strict=True):
        for name in names:
            record[f"feedback.{name}"] = _feedback_value(trace, name)
    frame = pd.DataFrame.from_records(records)
    frame.attrs["next_page_token"] = getattr(traces, "next_page_token", None)
    return frame
