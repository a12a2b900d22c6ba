"""/api/v1/datasets: versioned sets of records for evaluation (docs/evaluation.md)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from spanscope.entities.dataset import DatasetRecord, record_from_trace
from spanscope.server.evaluation_schemas import (
    CreateDataset,
    DatasetModel,
    DatasetPage,
    DatasetRecordPage,
    DatasetVersionList,
    DeleteRecords,
    MergeRecords,
    RecordsFromTraces,
)
from spanscope.server.responses import ERROR_RESPONSES, Json
from spanscope.server.routers.deps import get_store
from spanscope.server.schemas import MaxResults
from spanscope.store.base import TraceStore

router = APIRouter(prefix="/api/v1/datasets", tags=["datasets"], responses=ERROR_RESPONSES)
StoreDep = Annotated[TraceStore, Depends(get_store)]
PageToken = Annotated[str | None, Query(max_length=2000)]


@router.post("", response_model=DatasetModel, status_code=201)
def create_dataset(body: CreateDataset, store: StoreDep) -> Response:
    """An empty dataset (version 0); 409 when the name is taken."""
    dataset = store.create_dataset(body.name, body.experiment_id, body.tags)
    return Json(dataset.to_dict(), status_code=201)


@router.get("", response_model=DatasetPage)
def list_datasets(
    store: StoreDep,
    experiment_id: Annotated[str | None, Query(max_length=20)] = None,
    name: Annotated[str | None, Query(min_length=1, max_length=500)] = None,
    name_like: Annotated[str | None, Query(max_length=500)] = None,
    max_results: MaxResults = 100,
    page_token: PageToken = None,
) -> Response:
    """Datasets, newest first. `name` finds one by its exact name (0 or 1 result);
    `name_like` is a case-insensitive LIKE pattern."""
    if name is not None:
        found = store.get_dataset_by_name(name)
        matches = [] if found is None else [found]
        if experiment_id is not None:
            matches = [d for d in matches if d.experiment_id == experiment_id]
        return Json({"datasets": [d.to_dict() for d in matches], "next_page_token": None})
    page = store.search_datasets(experiment_id, name_like, max_results, page_token)
    return Json({"datasets": [d.to_dict() for d in page], "next_page_token": page.next_page_token})


@router.get("/{dataset_id}", response_model=DatasetModel)
def get_dataset(dataset_id: str, store: StoreDep) -> Response:
    return Json(store.get_dataset(dataset_id).to_dict())


@router.delete("/{dataset_id}", status_code=204)
def delete_dataset(dataset_id: str, store: StoreDep) -> Response:
    """Delete the dataset and its versions; evaluation runs that used it stay."""
    store.delete_dataset(dataset_id)
    return Response(status_code=204)


@router.post("/{dataset_id}/records", response_model=DatasetModel)
def merge_records(dataset_id: str, body: MergeRecords, store: StoreDep) -> Response:
    """Add records, merging those whose inputs the dataset holds; answers the dataset at its
    new version (the same version when nothing changed)."""
    records = [DatasetRecord.from_dict(r.model_dump(exclude_none=True)) for r in body.records]
    return Json(store.merge_dataset_records(dataset_id, records).to_dict())


@router.post("/{dataset_id}/records/from-traces", response_model=DatasetModel)
def merge_records_from_traces(
    dataset_id: str, body: RecordsFromTraces, store: StoreDep
) -> Response:
    """Add one record per trace: inputs from its root span, expectations from the trace's."""
    store.get_dataset(dataset_id)  # 404 before reading any trace
    records = [record_from_trace(store.get_trace(t)) for t in dict.fromkeys(body.trace_ids)]
    return Json(store.merge_dataset_records(dataset_id, records).to_dict())


@router.post("/{dataset_id}/records/delete", response_model=DatasetModel)
def delete_records(dataset_id: str, body: DeleteRecords, store: StoreDep) -> Response:
    """Remove records by id (unknown ids are ignored); a new version if any was held."""
    return Json(store.delete_dataset_records(dataset_id, body.record_ids).to_dict())


@router.get("/{dataset_id}/records", response_model=DatasetRecordPage)
def get_records(
    dataset_id: str,
    store: StoreDep,
    version: Annotated[int | None, Query(ge=0, le=2**31 - 1)] = None,
    max_results: MaxResults = 1000,
    page_token: PageToken = None,
) -> Response:
    """The records of a version (the latest by default) in the order they were first added."""
    wanted = store.get_dataset(dataset_id).version if version is None else version
    page = store.get_dataset_records(dataset_id, wanted, max_results, page_token)
    return Json(
        {
            "records": [r.to_dict() for r in page],
            "version": wanted,
            "next_page_token": page.next_page_token,
        }
    )


@router.get("/{dataset_id}/versions", response_model=DatasetVersionList)
def get_versions(dataset_id: str, store: StoreDep) -> Response:
    """Every version, newest first (version 0 is the empty start)."""
    return Json({"versions": [v.to_dict() for v in store.get_dataset_versions(dataset_id)]})
