"""Assessments over HTTP: the REST routes, their 4xx answers, and the fluent API through a
server on a trace logged moments before."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

import spanscope
from spanscope.store.sql.store import SqlTraceStore
from tests.store.factory import make_trace


def _trace(backend: SqlTraceStore) -> tuple[str, str]:
    trace = make_trace()
    backend.write_traces([trace])
    return trace.info.trace_id, trace.data.spans[-1].span_id


def test_create_list_get_patch_override_delete(server_url: str, backend: SqlTraceStore) -> None:
    trace_id, span_id = _trace(backend)
    base = f"/api/v1/traces/{trace_id}/assessments"
    with httpx.Client(base_url=server_url) as http:
        created = http.post(
            base,
            json={
                "name": "correct",
                "value": False,
                "rationale": "wrong city",
                "source": {"source_type": "HUMAN", "source_id": "ann"},
                "span_id": span_id,
            },
        )
        assert created.status_code == 201, created.text
        feedback = created.json()
        assert (feedback["kind"], feedback["value"], feedback["span_id"]) == (
            "feedback",
            False,
            span_id,
        )
        assert feedback["source"] == {"source_type": "HUMAN", "source_id": "ann"}
        aid = feedback["assessment_id"]
        expected = http.post(base, json={"name": "answer", "kind": "expectation", "value": [1]})
        assert expected.json()["source"]["source_type"] == "HUMAN"  # ground truth: a person's
        assert http.get(f"{base}/{aid}").json() == feedback
        patched = http.patch(f"{base}/{aid}", json={"rationale": "re-read", "metadata": {"k": "v"}})
        assert (patched.json()["rationale"], patched.json()["metadata"]) == ("re-read", {"k": "v"})
        override = http.post(f"{base}/{aid}/override", json={"value": True, "rationale": "ok"})
        assert override.status_code == 201
        new = override.json()
        assert (new["overrides"], new["valid"], new["value"]) == (aid, True, True)
        listed = http.get(base).json()["assessments"]
        assert [(a["name"], a["valid"]) for a in listed] == [
            ("correct", False),
            ("answer", True),
            ("correct", True),
        ]
        trace = http.get(f"/api/v1/traces/{trace_id}").json()
        assert [a["assessment_id"] for a in trace["info"]["assessments"]] == [
            a["assessment_id"] for a in listed
        ]
        searched = http.post(
            "/api/v1/traces/search",
            json={"experiment_ids": ["0"], "filter": "feedback.correct = true"},
        ).json()
        assert [t["info"]["trace_id"] for t in searched["traces"]] == [trace_id]
        summary = http.get("/api/v1/experiments/0/assessments/summary").json()["assessments"]
        assert {(s["name"], s["count"]) for s in summary} == {("correct", 1), ("answer", 1)}
        assert http.delete(f"{base}/{new['assessment_id']}").status_code == 204
        assert [a["valid"] for a in http.get(base).json()["assessments"]] == [True, True]


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "says"),
    [
        ("post", "/api/v1/traces/{unknown}/assessments", {"name": "x", "value": 1}, 404, "trace"),
        ("get", "/api/v1/traces/{unknown}/assessments", None, 404, "trace"),
        ("get", "/api/v1/traces/{trace}/assessments/a-missing", None, 404, "a-missing"),
        ("post", "/api/v1/traces/{trace}/assessments", {"name": "", "value": 1}, 422, "name"),
        ("post", "/api/v1/traces/{trace}/assessments", {"value": 1}, 422, "name"),
        (
            "post",
            "/api/v1/traces/{trace}/assessments",
            {"name": "x", "value": {"a": 1}},
            422,
            "a bool, a number, a string or a list of strings",
        ),
        ("post", "/api/v1/traces/{trace}/assessments", {"name": "x"}, 422, "needs a value"),
        (
            "post",
            "/api/v1/traces/{trace}/assessments",
            {"name": "x", "value": 1, "kind": "opinion"},
            422,
            "kind",
        ),
        (
            "post",
            "/api/v1/traces/{trace}/assessments",
            {"name": "x", "value": 1, "source": {"source_type": "ROBOT"}},
            422,
            "source_type",
        ),
        (
            "post",
            "/api/v1/traces/{trace}/assessments",
            {"name": "x", "value": 1, "span_id": "short"},
            422,
            "span_id",
        ),
        ("get", "/api/v1/experiments/424242/assessments/summary", None, 404, "424242"),
    ],
)
def test_bad_requests_say_what_was_wrong_and_store_nothing(
    server_url: str,
    backend: SqlTraceStore,
    method: str,
    path: str,
    body: dict[str, Any] | None,
    status: int,
    says: str,
) -> None:
    trace_id, _ = _trace(backend)
    url = path.format(trace=trace_id, unknown="f" * 32)
    with httpx.Client(base_url=server_url) as http:
        response = http.request(method, url, json=body)
        assert response.status_code == status, response.text
        assert says in response.text
        assert http.get(f"/api/v1/traces/{trace_id}/assessments").json() == {"assessments": []}


def test_fluent_api_through_a_server_on_a_trace_just_logged(server_url: str) -> None:
    spanscope.set_tracking_uri(server_url)

    @spanscope.trace(span_type="AGENT")
    def answer(question: str) -> str:
        with spanscope.start_span("lookup", span_type="TOOL"):
            pass
        return "Lima"

    answer("capital of Peru?")
    trace_id = spanscope.get_last_active_trace_id()
    assert trace_id is not None
    # No flush in between: the export is still on its way when the feedback is logged.
    feedback = spanscope.log_feedback(
        trace_id,
        "correct",
        True,
        rationale="it is Lima",
        source=spanscope.AssessmentSource("HUMAN", "ann"),
    )
    expectation = spanscope.log_expectation(trace_id, "answer", "Lima")
    failed = spanscope.log_feedback(trace_id, "judge", None, error=TimeoutError("judge slow"))
    assert failed.error is not None and failed.error.error_code == "TimeoutError"
    assert feedback.assessment_id is not None and expectation.assessment_id is not None
    newer = spanscope.override_feedback(trace_id, feedback.assessment_id, False, rationale="no")
    assert spanscope.get_assessment(trace_id, feedback.assessment_id).valid is False
    assert newer.assessment_id is not None
    changed = spanscope.update_assessment(trace_id, newer.assessment_id, rationale="not Lima")
    assert changed.rationale == "not Lima"
    frame = spanscope.search_traces(
        filter_string="feedback.correct = false", return_type="pandas", feedback_columns=True
    )
    assert list(frame["trace_id"]) == [trace_id]
    assert frame.loc[0, "feedback.correct"] == False  # noqa: E712 - a numpy bool
    assert len(frame.loc[0, "assessments"]) == 4
    assert "feedback.judge" in frame.columns and frame.loc[0, "feedback.judge"] is None
    picked = spanscope.search_traces(return_type="pandas", feedback_columns=["correct", "x"])
    assert [c for c in picked.columns if c.startswith("feedback.")] == [
        "feedback.correct",
        "feedback.x",
    ]
    spanscope.delete_assessment(trace_id, newer.assessment_id)
    assert spanscope.get_assessment(trace_id, feedback.assessment_id).valid is True
    with pytest.raises(spanscope.NotFoundError):
        spanscope.log_feedback("f" * 32, "correct", True)
    with pytest.raises(spanscope.InvalidArgumentError, match="feedback_columns"):
        spanscope.search_traces(return_type="pandas", feedback_columns="correct")
