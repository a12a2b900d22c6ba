"""Stored evaluation runs, read back: listed per experiment, one with all its rows."""

from __future__ import annotations

from spanscope.entities.evaluation_run import EvaluationRun
from spanscope.evaluation.datasets import get_dataset
from spanscope.evaluation.result import EvaluationResult
from spanscope.store.base import PagedList, all_pages
from spanscope.store.uri import get_store
from spanscope.tracing.processor import current_experiment_id

__all__ = ["get_evaluation_run", "search_evaluation_runs"]

_PAGE = 1000


def search_evaluation_runs(
    experiment_id: str | None = None,
    dataset: str | None = None,
    max_results: int = 100,
    page_token: str | None = None,
) -> PagedList[EvaluationRun]:
    """The evaluation runs of the current experiment (or `experiment_id`), newest first; only
    those on `dataset` (a name or id) if given."""
    experiment = current_experiment_id() if experiment_id is None else str(experiment_id)
    dataset_id = None if dataset is None else get_dataset(dataset).dataset_id
    return get_store().search_evaluation_runs(experiment, dataset_id, max_results, page_token)


def get_evaluation_run(run_id: str) -> EvaluationResult:
    """A stored run with all its rows, as `spanscope.evaluate` returned it."""
    store = get_store()
    run = store.get_evaluation_run(str(run_id))
    items = all_pages(lambda token: store.get_evaluation_items(run.run_id, _PAGE, token))
    return EvaluationResult(run, items)
