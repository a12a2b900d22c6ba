"""The dataset and evaluation run methods of RestTraceStore, over the server's REST API
(docs/evaluation.md)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from spanscope.entities.dataset import Dataset, DatasetRecord, DatasetVersion
from spanscope.entities.evaluation_run import (
    EvaluationItem,
    EvaluationRun,
    EvaluationRunStatus,
    ScoreMetrics,
)
from spanscope.store.base import PagedList

__all__ = ["WRITE_CHUNK", "RestEvaluation", "quoted"]

# Items per request: a run's rows are sent in bodies of this many.
WRITE_CHUNK = 500


class RestEvaluation:
    """Datasets and evaluation runs of a spanscope server."""

    def _call(self, method: str, path: str, budget_s: float | None = None, **kwargs: Any) -> Any:
        raise NotImplementedError  # RestTraceStore's transport

    # Datasets

    def create_dataset(
        self, name: str, experiment_id: str | None = None, tags: Mapping[str, str] | None = None
    ) -> Dataset:
        body = {
            "name": name,
            "experiment_id": None if experiment_id is None else str(experiment_id),
            "tags": dict(tags or {}),
        }
        return Dataset.from_dict(self._call("POST", "/api/v1/datasets", json=body))

    def get_dataset(self, dataset_id: str) -> Dataset:
        return Dataset.from_dict(self._call("GET", _dataset(dataset_id)))

    def get_dataset_by_name(self, name: str) -> Dataset | None:
        found = self._call("GET", "/api/v1/datasets", params={"name": name})["datasets"]
        return Dataset.from_dict(found[0]) if found else None

    def search_datasets(
        self,
        experiment_id: str | None = None,
        name_like: str | None = None,
        max_results: int = 100,
        page_token: str | None = None,
    ) -> PagedList[Dataset]:
        params = _params(
            experiment_id=experiment_id,
            name_like=name_like,
            max_results=max_results,
            page_token=page_token,
        )
        body = self._call("GET", "/api/v1/datasets", params=params)
        items = [Dataset.from_dict(d) for d in body["datasets"]]
        return PagedList(items, body.get("next_page_token"))

    def delete_dataset(self, dataset_id: str) -> None:
        self._call("DELETE", _dataset(dataset_id))

    def merge_dataset_records(self, dataset_id: str, records: Sequence[DatasetRecord]) -> Dataset:
        body = {"records": [r.validated().to_dict() for r in records]}
        path = f"{_dataset(dataset_id)}/records"
        return Dataset.from_dict(self._call("POST", path, json=body))

    def delete_dataset_records(self, dataset_id: str, record_ids: Sequence[str]) -> Dataset:
        body = {"record_ids": [str(r) for r in record_ids]}
        path = f"{_dataset(dataset_id)}/records/delete"
        return Dataset.from_dict(self._call("POST", path, json=body))

    def get_dataset_records(
        self,
        dataset_id: str,
        version: int | None = None,
        max_results: int = 1000,
        page_token: str | None = None,
    ) -> PagedList[DatasetRecord]:
        params = _params(version=version, max_results=max_results, page_token=page_token)
        body = self._call("GET", f"{_dataset(dataset_id)}/records", params=params)
        items = [DatasetRecord.from_dict(r) for r in body["records"]]
        return PagedList(items, body.get("next_page_token"))

    def get_dataset_versions(self, dataset_id: str) -> list[DatasetVersion]:
        found = self._call("GET", f"{_dataset(dataset_id)}/versions")["versions"]
        return [DatasetVersion.from_dict(v) for v in found]

    # Evaluation runs

    def create_evaluation_run(self, run: EvaluationRun) -> EvaluationRun:
        body = run.to_dict()
        if not body["run_id"]:
            body["run_id"] = None
        if not body["created_ms"]:
            body["created_ms"] = None
        path = f"/api/v1/experiments/{quoted(run.experiment_id)}/evaluation-runs"
        return EvaluationRun.from_dict(self._call("POST", path, json=body))

    def log_evaluation_items(self, run_id: str, items: Sequence[EvaluationItem]) -> None:
        for start in range(0, len(items), WRITE_CHUNK):
            chunk = items[start : start + WRITE_CHUNK]
            body = {"items": [item.to_dict() for item in chunk]}
            self._call("POST", f"{_run(run_id)}/items", json=body)

    def finish_evaluation_run(
        self, run_id: str, status: EvaluationRunStatus, metrics: Mapping[str, ScoreMetrics]
    ) -> EvaluationRun:
        body = {
            "status": EvaluationRunStatus.parse(status).value,
            "metrics": {name: m.to_dict() for name, m in metrics.items()},
        }
        return EvaluationRun.from_dict(self._call("POST", f"{_run(run_id)}/finish", json=body))

    def get_evaluation_run(self, run_id: str) -> EvaluationRun:
        return EvaluationRun.from_dict(self._call("GET", _run(run_id)))

    def search_evaluation_runs(
        self,
        experiment_id: str,
        dataset_id: str | None = None,
        max_results: int = 100,
        page_token: str | None = None,
    ) -> PagedList[EvaluationRun]:
        params = _params(dataset_id=dataset_id, max_results=max_results, page_token=page_token)
        path = f"/api/v1/experiments/{quoted(experiment_id)}/evaluation-runs"
        body = self._call("GET", path, params=params)
        items = [EvaluationRun.from_dict(r) for r in body["runs"]]
        return PagedList(items, body.get("next_page_token"))

    def get_evaluation_items(
        self, run_id: str, max_results: int = 1000, page_token: str | None = None
    ) -> PagedList[EvaluationItem]:
        params = _params(max_results=max_results, page_token=page_token)
        body = self._call("GET", f"{_run(run_id)}/items", params=params)
        items = [EvaluationItem.from_dict(i) for i in body["items"]]
        return PagedList(items, body.get("next_page_token"))

    def delete_evaluation_run(self, run_id: str) -> None:
        self._call("DELETE", _run(run_id))


def _params(**values: Any) -> dict[str, Any]:
    return {name: value for name, value in values.items() if value is not None}


def _dataset(dataset_id: str) -> str:
    return f"/api/v1/datasets/{quoted(dataset_id)}"


def _run(run_id: str) -> str:
    return f"/api/v1/evaluation-runs/{quoted(run_id)}"


def quoted(part: str) -> str:
    """A path segment: every reserved character escaped."""
    text = quote(str(part), safe="")
    # "." and ".." would be dot segments, which URL normalisation drops from the path.
    return text.replace(".", "%2E") if text in (".", "..") else text
