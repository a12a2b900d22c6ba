"""Metrics over HTTP: the REST route, its 4xx answers, and spanscope.get_metrics through a
server (RestTraceStore)."""

from __future__ import annotations

import httpx
import pytest

import spanscope
from spanscope.exceptions import InvalidArgumentError, NotFoundError
from spanscope.store.sql.store import SqlTraceStore
from tests.store.factory import make_trace

_HOUR = 3_600_000


def _seed(backend: SqlTraceStore) -> None:
    backend.write_traces(
        [
            make_trace(request_time=_HOUR + 5, duration=100, tags={"env": "prod"}),
            make_trace(request_time=_HOUR + 9, duration=300, fail=True),
            make_trace(request_time=3 * _HOUR, duration=50, tags={"env": "prod"}),
        ]
    )


def test_metrics_route_answers_per_bucket_and_group(
    server_url: str, backend: SqlTraceStore
) -> None:
    _seed(backend)
    with httpx.Client(base_url=server_url) as http:
        params: dict[str, str | int] = {
            "start_ms": 0,
            "end_ms": 4 * _HOUR,
            "bucket": "hour",
            "group_by": "tags.env",
        }
        body = http.get("/api/v1/experiments/0/metrics", params=params).json()
        assert body["buckets"] == [0, _HOUR, 2 * _HOUR, 3 * _HOUR]
        assert [(g["key"], g["values"]["trace_count"]) for g in body["groups"]] == [
            ("prod", [0, 1, 0, 1]),
            (None, [0, 1, 0, 0]),
        ]
        filtered = http.get(
            "/api/v1/experiments/0/metrics",
            params={"start_ms": 0, "end_ms": 4 * _HOUR, "filter": "status = 'ERROR'"},
        ).json()
        (group,) = filtered["groups"]
        assert group["values"]["error_rate"] == [None, 1.0, None, None]
        assert group["values"]["latency_p50"] == [None, 300, None, None]


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"start_ms": 5, "end_ms": 1}, 400),
        ({"start_ms": 0, "end_ms": 1, "bucket": "year"}, 400),
        ({"start_ms": 0, "end_ms": 1, "group_by": "colour"}, 400),
        ({"start_ms": 0, "end_ms": 1, "filter": "nope ="}, 400),
        ({"start_ms": 0, "end_ms": 1, "metrics": "cpu"}, 400),
        ({"start_ms": 0}, 422),
    ],
)
def test_bad_requests_get_a_4xx(server_url: str, params: dict[str, str | int], code: int) -> None:
    with httpx.Client(base_url=server_url) as http:
        response = http.get("/api/v1/experiments/0/metrics", params=params)
        assert response.status_code == code, response.text
        assert "error" in response.json()
        missing = http.get("/api/v1/experiments/999/metrics", params={"start_ms": 0, "end_ms": 1})
        assert missing.status_code == 404


def test_fluent_get_metrics_through_a_server(server_url: str, backend: SqlTraceStore) -> None:
    _seed(backend)
    spanscope.set_tracking_uri(server_url)
    series = spanscope.get_metrics("0", 0, 4 * _HOUR, "hour", group_by="model")
    assert [(g.key, g.values["trace_count"]) for g in series.groups] == [("gpt-test", [0, 2, 0, 1])]
    assert series.groups[0].values["input_tokens"] == [0, 20, 0, 10]
    with pytest.raises(InvalidArgumentError):
        spanscope.get_metrics("0", 0, 4 * _HOUR, "week")
    with pytest.raises(NotFoundError):
        spanscope.get_metrics("999", 0, 4 * _HOUR)
