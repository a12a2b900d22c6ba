"""A trace belongs to the experiment it was first stored in: spans of it sent for another
experiment are refused, loudly (an OTLP partial success, a REST 409), and nothing is moved or
merged; the other spans of the request are stored (OTLP) or none of the batch is (REST).
And the single-experiment reads carry the trace counts the list has."""

from __future__ import annotations

import gzip
import logging

import httpx
import orjson
import pytest
from google.protobuf import json_format

from spanscope.entities import Trace, TraceInfo
from spanscope.otel import OtlpTraceExporter, request_from_traces, request_to_json
from spanscope.otel.values import ExportTraceServiceRequest, ExportTraceServiceResponse
from spanscope.store.sql.store import SqlTraceStore
from tests.otel.otlp_helpers import CHILD_ID, ROOT_ID, TRACE_ID, proto_request
from tests.store.factory import make_trace

OTHER_TRACE = "1" * 32
PROTOBUF = {"content-type": "application/x-protobuf"}
JSON = {"content-type": "application/json"}


def _experiments(backend: SqlTraceStore) -> tuple[str, str]:
    return backend.create_experiment("first"), backend.create_experiment("second")


def _post_otlp(
    url: str, request: ExportTraceServiceRequest, experiment_id: str, json: bool = False
) -> httpx.Response:
    headers = {**(JSON if json else PROTOBUF), "x-spanscope-experiment-id": experiment_id}
    body = request_to_json(request).encode() if json else request.SerializeToString()
    return httpx.post(f"{url}/v1/traces", content=body, headers=headers)


def _span_ids(backend: SqlTraceStore, trace_id: str) -> list[str]:
    return sorted(s.span_id for s in backend.get_trace(trace_id).data.spans)


@pytest.mark.parametrize("json", [False, True], ids=["protobuf", "json"])
def test_otlp_spans_of_a_trace_in_another_experiment_are_a_partial_success(
    server_url: str, backend: SqlTraceStore, json: bool
) -> None:
    first, second = _experiments(backend)
    root = {"name": "root"}
    child = {"name": "child", "parent_id": ROOT_ID}
    assert _post_otlp(server_url, proto_request(root, child), first, json).status_code == 200
    stored = backend.get_trace(TRACE_ID)
    # The child again, for the other experiment, with a new trace's span.
    newcomer = {"name": "newcomer", "trace_id": OTHER_TRACE, "span_id": "2" * 16}
    response = _post_otlp(
        server_url, proto_request({**child, "span_id": CHILD_ID}, newcomer), second, json
    )
    assert response.status_code == 200
    answer = ExportTraceServiceResponse()
    if json:
        assert response.headers["content-type"] == "application/json"
        json_format.Parse(response.content, answer)
        assert set(response.json()["partialSuccess"]) == {"rejectedSpans", "errorMessage"}
    else:
        assert response.headers["content-type"] == "application/x-protobuf"
        answer.ParseFromString(response.content)
    assert answer.partial_success.rejected_spans == 1
    message = answer.partial_success.error_message
    assert TRACE_ID in message and OTHER_TRACE not in message
    assert f"'{first}' ('first')" in message and f"'{second}' ('second')" in message, message
    # The trace stays as it was, in its experiment; the other span is stored.
    assert backend.get_trace(TRACE_ID) == stored
    assert backend.get_trace(OTHER_TRACE).info.experiment_id == second
    assert [t.info.trace_id for t in backend.search_traces([second])] == [OTHER_TRACE]
    assert [t.info.trace_id for t in backend.search_traces([first])] == [TRACE_ID]


def test_one_otlp_request_naming_two_experiments_for_one_trace(
    server_url: str, backend: SqlTraceStore
) -> None:
    # Two resources of one request, each naming its experiment, share a new trace: the first
    # resource's spans make the trace, the second's are rejected.
    request = proto_request({"name": "root"}, resource={"spanscope.experiment.name": "first"})
    second = proto_request(
        {"name": "child", "span_id": CHILD_ID, "parent_id": ROOT_ID},
        {"name": "elsewhere", "trace_id": OTHER_TRACE, "span_id": "2" * 16},
        resource={"spanscope.experiment.name": "second"},
    )
    request.resource_spans.extend(second.resource_spans)
    response = httpx.post(
        f"{server_url}/v1/traces", content=request.SerializeToString(), headers=PROTOBUF
    )
    answer = ExportTraceServiceResponse()
    answer.ParseFromString(response.content)
    assert (response.status_code, answer.partial_success.rejected_spans) == (200, 1)
    first_experiment = backend.get_experiment_by_name("first")
    second_experiment = backend.get_experiment_by_name("second")
    assert first_experiment is not None and second_experiment is not None
    assert (first_experiment.trace_count, second_experiment.trace_count) == (1, 1)
    assert _span_ids(backend, TRACE_ID) == [ROOT_ID]
    assert backend.get_trace(OTHER_TRACE).info.experiment_id == second_experiment.experiment_id


def test_the_sdk_otlp_exporter_reports_the_rejection(
    server_url: str, backend: SqlTraceStore, caplog: pytest.LogCaptureFixture
) -> None:
    first, second = _experiments(backend)
    trace = make_trace(first)
    backend.write_traces([trace])
    exporter = OtlpTraceExporter(
        f"{server_url}/v1/traces", headers={"x-spanscope-experiment-id": second}
    )
    with caplog.at_level(logging.WARNING, "spanscope"):
        exporter.export([trace])
    exporter.shutdown()
    rejected = f"the OTLP endpoint rejected {len(trace.data.spans)} span(s)"
    assert rejected in caplog.text and trace.info.trace_id in caplog.text
    assert backend.get_trace(trace.info.trace_id) == trace
    assert backend.search_traces([second]) == []


def test_rest_write_of_a_trace_in_another_experiment_is_a_409_storing_nothing(
    server_url: str, backend: SqlTraceStore
) -> None:
    first, second = _experiments(backend)
    kept = make_trace(first)
    backend.write_traces([kept])
    moved = Trace(TraceInfo.from_dict({**kept.info.to_dict(), "experiment_id": second}), kept.data)
    bystander = make_trace(second)
    body = gzip.compress(orjson.dumps({"traces": [bystander.to_dict(), moved.to_dict()]}))
    response = httpx.post(
        f"{server_url}/api/v1/traces",
        content=body,
        headers={**JSON, "content-encoding": "gzip"},
    )
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "ALREADY_EXISTS"
    message = error["message"]
    assert f"trace {kept.info.trace_id} belongs to experiment '{first}', not '{second}'" in message
    assert bystander.info.trace_id not in message
    # Nothing of the batch was stored; the trace is unchanged.
    assert backend.search_traces([second]) == []
    assert backend.get_trace(kept.info.trace_id) == kept


def test_single_experiment_reads_carry_trace_counts(
    server_url: str, backend: SqlTraceStore
) -> None:
    first, _ = _experiments(backend)
    backend.write_traces([make_trace(first), make_trace(first)])
    newest = max(t.info.request_time for t in backend.search_traces([first]))
    with httpx.Client(base_url=server_url) as http:
        listed = {
            e["experiment_id"]: e for e in http.get("/api/v1/experiments").json()["experiments"]
        }
        one = http.get(f"/api/v1/experiments/{first}").json()
        by_name = http.get("/api/v1/experiments/by-name", params={"name": "first"}).json()
        default = http.get("/api/v1/experiments/0").json()
    assert one == by_name == listed[first]
    assert (one["trace_count"], one["last_trace_time"]) == (2, newest)
    assert (default["trace_count"], default["last_trace_time"]) == (0, None)
    assert default == listed["0"]


def test_otlp_json_of_sdk_traces_without_conflict_answers_empty(
    server_url: str, backend: SqlTraceStore
) -> None:
    trace = make_trace("0")
    body = request_to_json(request_from_traces([trace])).encode()
    response = httpx.post(f"{server_url}/v1/traces", content=body, headers=JSON)
    assert (response.status_code, response.json()) == (200, {})
