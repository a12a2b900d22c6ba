"""Evaluation runs: /api/v1/experiments/{experiment_id}/evaluation-runs and
/api/v1/evaluation-runs/{run_id} (docs/evaluation.md)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from spanscope.entities.evaluation_run import (
    EvaluationItem,
    EvaluationRun,
    EvaluationRunStatus,
    ScoreMetrics,
)
from spanscope.exceptions import InvalidArgumentError
from spanscope.server.evaluation_schemas import (
    EvaluationItemList,
    EvaluationItemPage,
    EvaluationRunModel,
    EvaluationRunPage,
    FinishEvaluationRun,
    NewEvaluationRun,
)
from spanscope.server.responses import ERROR_RESPONSES, Json
from spanscope.server.routers.deps import get_store
from spanscope.server.schemas import MaxResults
from spanscope.store.base import TraceStore

experiment_router = APIRouter(
    prefix="/api/v1/experiments/{experiment_id}/evaluation-runs",
    tags=["evaluation runs"],
    responses=ERROR_RESPONSES,
)
router = APIRouter(
    prefix="/api/v1/evaluation-runs", tags=["evaluation runs"], responses=ERROR_RESPONSES
)
StoreDep = Annotated[TraceStore, Depends(get_store)]
PageToken = Annotated[str | None, Query(max_length=2000)]


@experiment_router.post("", response_model=EvaluationRunModel, status_code=201)
def create_run(experiment_id: str, body: NewEvaluationRun, store: StoreDep) -> Response:
    """Store a new run of the experiment (its items are added with POST .../items)."""
    if body.experiment_id is not None and body.experiment_id != experiment_id:
        raise InvalidArgumentError(
            f"the body names experiment {body.experiment_id!r}, the path {experiment_id!r}"
        )
    data = body.model_dump()
    data["experiment_id"] = experiment_id
    run = store.create_evaluation_run(EvaluationRun.from_dict(data))
    return Json(run.to_dict(), status_code=201)


@experiment_router.get("", response_model=EvaluationRunPage)
def list_runs(
    experiment_id: str,
    store: StoreDep,
    dataset_id: Annotated[str | None, Query(max_length=64)] = None,
    max_results: MaxResults = 100,
    page_token: PageToken = None,
) -> Response:
    """The experiment's runs, newest first (those of one dataset with `dataset_id`)."""
    page = store.search_evaluation_runs(experiment_id, dataset_id, max_results, page_token)
    return Json({"runs": [r.to_dict() for r in page], "next_page_token": page.next_page_token})


@router.get("/{run_id}", response_model=EvaluationRunModel)
def get_run(run_id: str, store: StoreDep) -> Response:
    return Json(store.get_evaluation_run(run_id).to_dict())


@router.post("/{run_id}/items", status_code=204)
def log_items(run_id: str, body: EvaluationItemList, store: StoreDep) -> Response:
    """Add rows to the run; a row at a position the run holds replaces it."""
    items = [EvaluationItem.from_dict(i.model_dump()) for i in body.items]
    store.log_evaluation_items(run_id, items)
    return Response(status_code=204)


@router.get("/{run_id}/items", response_model=EvaluationItemPage)
def get_items(
    run_id: str,
    store: StoreDep,
    max_results: MaxResults = 1000,
    page_token: PageToken = None,
) -> Response:
    """The run's rows by position."""
    page = store.get_evaluation_items(run_id, max_results, page_token)
    return Json({"items": [i.to_dict() for i in page], "next_page_token": page.next_page_token})


@router.post("/{run_id}/finish", response_model=EvaluationRunModel)
def finish_run(run_id: str, body: FinishEvaluationRun, store: StoreDep) -> Response:
    """Record how the run ended and its metrics per score name."""
    metrics = {name: ScoreMetrics.from_dict(m.model_dump()) for name, m in body.metrics.items()}
    run = store.finish_evaluation_run(run_id, EvaluationRunStatus(body.status), metrics)
    return Json(run.to_dict())


@router.delete("/{run_id}", status_code=204)
def delete_run(run_id: str, store: StoreDep) -> Response:
    """Delete the run and its rows; the feedback logged on its traces stays."""
    store.delete_evaluation_run(run_id)
    return Response(status_code=204)
