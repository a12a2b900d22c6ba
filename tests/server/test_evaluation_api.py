"""Datasets and evaluation runs over HTTP: records from traces, and the 4xx answers of the
routes (bad bodies, unknown ids, versions a dataset never had)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from spanscope.entities import Expectation, Feedback
from spanscope.entities.dataset import record_key
from spanscope.store.sql.store import SqlTraceStore
from tests.store.factory import make_trace

UNKNOWN_TRACE = "f" * 32


def _error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()["error"]
    assert body["code"] and body["message"]
    return body


def _dataset(http: httpx.Client, name: str = "golden") -> dict[str, Any]:
    created = http.post("/api/v1/datasets", json={"name": name, "experiment_id": "0"})
    assert created.status_code == 201, created.text
    body: dict[str, Any] = created.json()
    return body


def test_records_from_traces_take_root_inputs_and_expectations(
    server_url: str, backend: SqlTraceStore
) -> None:
    refund, hours = make_trace(question="where is my refund?"), make_trace(question="hours?")
    backend.write_traces([refund, hours])
    rid = refund.info.trace_id
    backend.log_assessment(Expectation(trace_id=rid, name="answer", value="in 5 days"))
    backend.log_assessment(Feedback(trace_id=rid, name="correct", value=False))
    with httpx.Client(base_url=server_url) as http:
        dataset = _dataset(http)
        base = f"/api/v1/datasets/{dataset['dataset_id']}"
        added = http.post(
            f"{base}/records/from-traces", json={"trace_ids": [rid, hours.info.trace_id, rid]}
        )
        assert added.status_code == 200, added.text
        assert (added.json()["version"], added.json()["record_count"]) == (1, 2)
        page = http.get(f"{base}/records").json()
        assert page["version"] == 1 and page["next_page_token"] is None
        first, second = page["records"]
        assert first == {
            "record_id": record_key({"q": "where is my refund?"}),
            "inputs": {"q": "where is my refund?"},
            "expectations": {"answer": "in 5 days"},  # feedback is no ground truth
            "tags": {},
            "source": {"type": "TRACE", "id": rid},
            "created_version": 1,
            "updated_version": 1,
        }
        assert (second["inputs"], second["expectations"]) == ({"q": "hours?"}, {})
        # The same traces again change nothing: no new version.
        again = http.post(f"{base}/records/from-traces", json={"trace_ids": [rid]})
        assert again.json()["version"] == 1
        unknown = http.post(f"{base}/records/from-traces", json={"trace_ids": [UNKNOWN_TRACE]})
        assert UNKNOWN_TRACE in _error(unknown, 404)["message"]
        assert [v["version"] for v in http.get(f"{base}/versions").json()["versions"]] == [1, 0]


def test_dataset_routes_refuse_bad_requests(server_url: str) -> None:
    with httpx.Client(base_url=server_url) as http:
        dataset = _dataset(http)
        base = f"/api/v1/datasets/{dataset['dataset_id']}"
        assert _error(http.post("/api/v1/datasets", json={"name": "golden"}), 409)
        for body in ({}, {"name": ""}, {"name": "x", "colour": "red"}, {"name": 5}):
            _error(http.post("/api/v1/datasets", json=body), 422)
        _error(http.post("/api/v1/datasets", json={"name": "x", "experiment_id": "123456"}), 404)
        bad_records: list[dict[str, Any]] = [
            {"records": [{"inputs": {}}]},
            {"records": [{"inputs": "not a dict"}]},
            {"records": [{"inputs": {"q": 1}, "source": {"type": "ROBOT"}}]},
            {"records": [{"inputs": {"q": 1}, "tags": {"n": 1}}]},
            {"rows": []},
        ]
        for records in bad_records:
            _error(http.post(f"{base}/records", json=records), 422)
        _error(http.post(f"{base}/records/from-traces", json={"trace_ids": ["nope"]}), 422)
        _error(http.post(f"{base}/records/from-traces", json={"trace_ids": []}), 422)
        _error(http.get(f"{base}/records", params={"version": -1}), 422)
        assert (
            "no version 3"
            in _error(http.get(f"{base}/records", params={"version": 3}), 404)["message"]
        )
        _error(http.get(f"{base}/records", params={"page_token": "garbage!"}), 400)
        _error(http.get("/api/v1/datasets", params={"page_token": "garbage!"}), 400)
        _error(http.get("/api/v1/datasets", params={"max_results": 0}), 422)
        unknown = "/api/v1/datasets/d-unknown"
        for response in (
            http.get(unknown),
            http.delete(unknown),
            http.get(f"{unknown}/records"),
            http.get(f"{unknown}/versions"),
            http.post(f"{unknown}/records", json={"records": [{"inputs": {"q": 1}}]}),
            http.post(f"{unknown}/records/delete", json={"record_ids": ["x"]}),
            http.post(f"{unknown}/records/from-traces", json={"trace_ids": [UNKNOWN_TRACE]}),
        ):
            _error(response, 404)
        # Nothing above changed the dataset.
        assert http.get(base).json() == dataset
        found = http.get("/api/v1/datasets", params={"name": "golden"}).json()
        assert found == {"datasets": [dataset], "next_page_token": None}
        assert http.get("/api/v1/datasets", params={"name": "other"}).json()["datasets"] == []


def test_evaluation_run_routes_refuse_bad_requests(server_url: str) -> None:
    with httpx.Client(base_url=server_url) as http:
        runs = "/api/v1/experiments/0/evaluation-runs"
        created = http.post(runs, json={"name": "baseline"})
        assert created.status_code == 201, created.text
        run = created.json()
        assert (run["experiment_id"], run["status"], run["item_count"]) == ("0", "RUNNING", 0)
        base = f"/api/v1/evaluation-runs/{run['run_id']}"
        _error(http.post(runs, json={"name": "x", "status": "DONE"}), 422)
        _error(http.post(runs, json={"name": "x", "experiment_id": "7"}), 400)
        _error(http.post(runs, json={"name": "x", "dataset_id": "d-unknown"}), 404)
        _error(http.post(runs, json={"run_id": run["run_id"], "name": "again"}), 409)
        _error(http.post("/api/v1/experiments/123456/evaluation-runs", json={"name": "x"}), 404)
        _error(http.get("/api/v1/experiments/123456/evaluation-runs"), 404)
        _error(http.get(runs, params={"page_token": "garbage!"}), 400)
        for body in (
            {"items": [{"position": -1, "record_id": "r"}]},
            {"items": [{"record_id": "r"}]},
            {"items": [{"position": 0, "record_id": "r", "trace_id": "nope"}]},
            {"items": [{"position": 0, "record_id": "r", "scores": {"s": 1}}]},
        ):
            _error(http.post(f"{base}/items", json=body), 422)
        _error(http.post(f"{base}/finish", json={"status": "DONE"}), 422)
        _error(http.post(f"{base}/finish", json={"metrics": {}}), 422)
        _error(http.get(f"{base}/items", params={"page_token": "garbage!"}), 400)
        unknown = "/api/v1/evaluation-runs/r-unknown"
        for response in (
            http.get(unknown),
            http.delete(unknown),
            http.get(f"{unknown}/items"),
            http.post(f"{unknown}/items", json={"items": [{"position": 0, "record_id": "r"}]}),
            http.post(f"{unknown}/finish", json={"status": "FINISHED"}),
        ):
            _error(response, 404)
        assert http.get(base).json() == run
        item = {"position": 0, "record_id": "r", "scores": {"s": {"value": True}}}
        assert http.post(f"{base}/items", json={"items": [item]}).status_code == 204
        finished = http.post(
            f"{base}/finish",
            json={"status": "FINISHED", "metrics": {"s": {"count": 1, "pass_rate": 1.0}}},
        )
        assert finished.status_code == 200, finished.text
        assert (finished.json()["status"], finished.json()["item_count"]) == ("FINISHED", 1)
        assert finished.json()["metrics"]["s"]["pass_rate"] == 1.0


@pytest.mark.parametrize(
    "assessment",
    [
        {"name": "x", "value": True},  # no trace id
        {"trace_id": "f" * 32, "name": "x", "value": {"a": 1}},  # no feedback value
        {"trace_id": "f" * 32, "name": "", "value": True},
    ],
)
def test_assessment_batch_refuses_bad_bodies(server_url: str, assessment: dict[str, Any]) -> None:
    with httpx.Client(base_url=server_url) as http:
        _error(http.post("/api/v1/assessments/batch", json={"assessments": [assessment]}), 422)


def test_assessment_batch_is_all_or_nothing(server_url: str, backend: SqlTraceStore) -> None:
    trace = make_trace()
    backend.write_traces([trace])
    tid = trace.info.trace_id
    with httpx.Client(base_url=server_url) as http:
        good = {"trace_id": tid, "name": "correct", "value": True}
        refused = http.post(
            "/api/v1/assessments/batch",
            json={"assessments": [good, {**good, "trace_id": UNKNOWN_TRACE}]},
        )
        assert UNKNOWN_TRACE in _error(refused, 404)["message"]
        assert backend.get_trace(tid).info.assessments == []
        logged = http.post("/api/v1/assessments/batch", json={"assessments": [good, good]})
        assert logged.status_code == 201, logged.text
        stored = logged.json()["assessments"]
        assert [a["trace_id"] for a in stored] == [tid, tid]
        assert len({a["assessment_id"] for a in stored}) == 2
        assert [a.to_dict() for a in backend.get_trace(tid).info.assessments] == stored
