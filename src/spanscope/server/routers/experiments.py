"""/api/v1/experiments"""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from spanscope.exceptions import NotFoundError
from spanscope.server.responses import ERROR_RESPONSES, Json
from spanscope.server.routers.deps import get_store
from spanscope.server.routers.otlp import experiment_names
from spanscope.server.schemas import (
    ClientLossesModel,
    CreatedExperiment,
    CreateExperiment,
    ExperimentModel,
    ExperimentPage,
    MaxResults,
    MetricsModel,
    RecomputedCosts,
    RenameExperiment,
)
from spanscope.store.base import TraceStore

router = APIRouter(prefix="/api/v1/experiments", tags=["experiments"], responses=ERROR_RESPONSES)
StoreDep = Annotated[TraceStore, Depends(get_store)]


@router.get("", response_model=ExperimentPage)
def list_experiments(
    store: StoreDep,
    name_like: Annotated[str | None, Query(max_length=500)] = None,
    max_results: MaxResults = 1000,
    page_token: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    """Experiments with trace counts and last activity, oldest first."""
    page = store.search_experiments(name_like, max_results, page_token)
    return Json(
        {"experiments": [e.to_dict() for e in page], "next_page_token": page.next_page_token}
    )


@router.post("", response_model=CreatedExperiment, status_code=201)
def create_experiment(body: CreateExperiment, store: StoreDep) -> Response:
    experiment_id = store.create_experiment(body.name, body.tags)
    return Json({"experiment_id": experiment_id}, status_code=201)


@router.get("/by-name", response_model=ExperimentModel)
def get_experiment_by_name(
    store: StoreDep, name: Annotated[str, Query(min_length=1, max_length=500)]
) -> Response:
    experiment = store.get_experiment_by_name(name)
    if experiment is None:
        raise NotFoundError(f"no experiment named {name!r}")
    return Json(experiment.to_dict())


@router.get("/{experiment_id}", response_model=ExperimentModel)
def get_experiment(experiment_id: str, store: StoreDep) -> Response:
    return Json(store.get_experiment(experiment_id).to_dict())


@router.get("/{experiment_id}/client-losses", response_model=ClientLossesModel)
def get_client_losses(
    experiment_id: str,
    store: StoreDep,
    hours: Annotated[int, Query(ge=1, le=24 * 90)] = 24,
) -> Response:
    """What clients reported losing (traces they could not deliver) in the last `hours`."""
    experiment = store.get_experiment(experiment_id)  # 404 for an unknown id
    since_ms = int(time.time() * 1000) - hours * 3_600_000
    return Json(store.client_losses(experiment.experiment_id, since_ms).to_dict())


@router.get("/{experiment_id}/metrics", response_model=MetricsModel)
def get_metrics(
    experiment_id: str,
    store: StoreDep,
    start_ms: Annotated[int, Query(ge=0, description="range start, ms since the epoch")],
    end_ms: Annotated[int, Query(ge=0, description="range end (excluded)")],
    bucket: Annotated[str, Query(description="minute, 5min, hour or day")] = "hour",
    group_by: Annotated[
        str | None, Query(max_length=260, description="model, span_type, user, session, tags.<key>")
    ] = None,
    filter: Annotated[
        str | None, Query(max_length=10_000, description="the traces' filter language")
    ] = None,
    metrics: Annotated[
        list[str] | None, Query(description="metrics to compute (all by default)")
    ] = None,
) -> Response:
    """Trace metrics per time bucket and group: counts, error rate, latency percentiles
    (nearest rank), tokens. 400 for a bad bucket, group, metric or range."""
    series = store.get_metrics(
        experiment_id, start_ms, end_ms, bucket, filter or None, group_by or None, metrics
    )
    return Json(series.to_dict())


@router.post("/{experiment_id}/costs/recompute", response_model=RecomputedCosts)
def recompute_costs(experiment_id: str, store: StoreDep) -> Response:
    """Price the experiment's stored LLM calls again with the server's price book (after
    prices changed: docs/cost.md); answers how many traces' cost changed."""
    return Json({"changed_traces": store.recompute_costs([experiment_id])})


@router.patch("/{experiment_id}", response_model=ExperimentModel)
def rename_experiment(
    experiment_id: str, body: RenameExperiment, store: StoreDep, request: Request
) -> Response:
    store.rename_experiment(experiment_id, body.name)
    experiment_names(request).clear()  # OTLP ingest finds experiments by name afresh
    return Json(store.get_experiment(experiment_id).to_dict())


@router.delete("/{experiment_id}", status_code=204)
def delete_experiment(experiment_id: str, store: StoreDep, request: Request) -> Response:
    store.delete_experiment(experiment_id)
    experiment_names(request).clear()
    return Response(status_code=204)
