"""The REST API over HTTP: experiments, traces, sessions, errors, limits, CORS, the UI page."""

from __future__ import annotations

import gzip
from collections.abc import Iterator

import httpx
import orjson
import pytest

from spanscope.server.settings import ServerSettings
from spanscope.server.ui import STATIC_DIR
from spanscope.store.sql.store import SqlTraceStore
from tests.live_server import server_thread
from tests.store.factory import make_trace


def test_experiments(server_url: str) -> None:
    with httpx.Client(base_url=server_url) as http:
        created = http.post("/api/v1/experiments", json={"name": "bot", "tags": {"t": "1"}})
        assert created.status_code == 201
        experiment_id = created.json()["experiment_id"]
        assert http.post("/api/v1/experiments", json={"name": "bot"}).status_code == 409
        got = http.get(f"/api/v1/experiments/{experiment_id}").json()
        assert (got["name"], got["tags"]) == ("bot", {"t": "1"})
        assert http.get("/api/v1/experiments/by-name", params={"name": "bot"}).json() == got
        renamed = http.patch(f"/api/v1/experiments/{experiment_id}", json={"name": "bot2"})
        assert renamed.json()["name"] == "bot2"
        listing = http.get("/api/v1/experiments").json()
        assert [e["name"] for e in listing["experiments"]] == ["Default", "bot2"]
        assert listing["next_page_token"] is None
        assert http.delete(f"/api/v1/experiments/{experiment_id}").status_code == 204
        missing = http.get(f"/api/v1/experiments/{experiment_id}")
        assert missing.status_code == 404
        assert missing.json()["error"]["code"] == "NOT_FOUND"
        invalid = http.post("/api/v1/experiments", json={"tags": {}})
        assert invalid.status_code == 422
        assert invalid.json()["detail"][0]["loc"] == ["body", "name"]


def test_write_search_get_delete(server_url: str, backend: SqlTraceStore) -> None:
    traces = [make_trace("0", tags={"env": "prod"}, session_id="s1"), make_trace("0", fail=True)]
    body = gzip.compress(orjson.dumps({"traces": [t.to_dict() for t in traces]}))
    with httpx.Client(base_url=server_url) as http:
        written = http.post(
            "/api/v1/traces",
            content=body,
            headers={"content-type": "application/json", "content-encoding": "gzip"},
        )
        assert written.status_code == 204
        assert backend.get_trace(traces[0].info.trace_id) == traces[0]
        found = http.post(
            "/api/v1/traces/search", json={"filter": "status = 'ERROR'", "include_spans": True}
        ).json()
        assert [t["info"]["trace_id"] for t in found["traces"]] == [traces[1].info.trace_id]
        assert found["traces"][0] == traces[1].to_dict()
        one = http.get(f"/api/v1/traces/{traces[0].info.trace_id}").json()
        assert one == traces[0].to_dict()
        sessions = http.post("/api/v1/sessions/search", json={}).json()["sessions"]
        assert [s["session_id"] for s in sessions] == ["s1"]
        tag_path = f"/api/v1/traces/{traces[0].info.trace_id}/tags/reviewed"
        assert http.put(tag_path, json={"value": "yes"}).status_code == 204
        assert backend.get_trace(traces[0].info.trace_id).info.tags["reviewed"] == "yes"
        assert http.delete(tag_path).status_code == 204
        deleted = http.post(
            "/api/v1/traces/delete",
            json={"experiment_id": "0", "trace_ids": [traces[0].info.trace_id]},
        )
        assert deleted.json() == {"deleted": 1}


def test_search_filters_and_sorts_by_token_counts(server_url: str) -> None:
    labels = {"few out": (50, 3), "many out": (4, 80), "no usage": None}
    traces = [make_trace("0", label, tokens=tokens) for label, tokens in labels.items()]
    names = {t.info.trace_id: label for t, label in zip(traces, labels, strict=True)}
    with httpx.Client(base_url=server_url) as http:
        assert http.post(
            "/api/v1/traces", json={"traces": [t.to_dict() for t in traces]}
        ).is_success

        def search(body: dict[str, object]) -> list[str]:
            found = http.post("/api/v1/traces/search", json=body)
            assert found.status_code == 200, found.text
            return [names[t["info"]["trace_id"]] for t in found.json()["traces"]]

        assert search({"order_by": ["output_tokens DESC"]}) == ["many out", "few out", "no usage"]
        assert search({"order_by": ["input_tokens DESC"]}) == ["few out", "many out", "no usage"]
        assert search({"order_by": ["total_tokens ASC"]}) == ["no usage", "few out", "many out"]
        assert search({"filter": "output_tokens > 10 OR input_tokens IS NULL"}) == [
            "no usage",  # newest first
            "many out",
        ]
        bad = http.post("/api/v1/traces/search", json={"order_by": ["tokens.output DESC"]})
        assert bad.status_code == 400
        error = bad.json()["error"]
        assert error["code"] == "INVALID_FILTER"
        assert "unknown field 'tokens.output'" in error["message"]
        assert "input_tokens, output_tokens, total_tokens" in error["message"]


def test_bad_input_gets_4xx_with_the_reason(server_url: str) -> None:
    with httpx.Client(base_url=server_url) as http:
        bad_filter = http.post("/api/v1/traces/search", json={"filter": "status = 'OK' AND"})
        assert bad_filter.status_code == 400
        error = bad_filter.json()["error"]
        assert error["code"] == "INVALID_FILTER"
        assert error["position"] == 17
        bad_gzip = http.post(
            "/api/v1/traces",
            content=b"not gzip",
            headers={"content-type": "application/json", "content-encoding": "gzip"},
        )
        assert bad_gzip.status_code == 400
        trace = make_trace("0").to_dict()
        trace["data"]["spans"][0]["span_id"] = "xyz"
        invalid = http.post("/api/v1/traces", json={"traces": [trace]})
        assert invalid.status_code == 422
        assert invalid.json()["detail"][0]["loc"][-1] == "span_id"
        unknown_experiment = make_trace("42").to_dict()
        missing = http.post("/api/v1/traces", json={"traces": [unknown_experiment]})
        assert missing.status_code == 404
        assert http.get("/api/v1/traces/" + "a" * 32).status_code == 404
        assert http.post("/api/v1/traces/search", json={"max_results": 0}).status_code == 422
        truncated = http.post(
            "/api/v1/traces/search", content=b"{", headers={"content-type": "application/json"}
        )
        assert truncated.status_code == 422


def test_body_size_limit(backend: SqlTraceStore) -> None:
    settings = ServerSettings(backend.uri, max_body_bytes=1000)
    with server_thread(settings, backend) as url:
        big = {"name": "x" * 2000}
        declared = httpx.post(f"{url}/api/v1/experiments", json=big)
        assert declared.status_code == 413
        assert "limit of 1000 bytes" in declared.json()["error"]["message"]

        def chunks() -> Iterator[bytes]:  # no content-length: the limit applies to the stream
            yield b'{"name": "'
            yield b"y" * 5000
            yield b'"}'

        json_type = {"content-type": "application/json"}
        streamed = httpx.post(f"{url}/api/v1/experiments", content=chunks(), headers=json_type)
        assert streamed.status_code == 413
        assert httpx.post(f"{url}/api/v1/experiments", json={"name": "ok"}).status_code == 201


def test_token_is_required_on_every_route(backend: SqlTraceStore) -> None:
    settings = ServerSettings(backend.uri, token="s3cret")
    with server_thread(settings, backend) as url:
        spec = httpx.get(f"{url}/openapi.json", headers={"authorization": "Bearer s3cret"}).json()
        calls = [
            (
                method.upper(),
                path.replace("{experiment_id}", "0")
                .replace("{trace_id}", "a" * 32)
                .replace("{key}", "k"),
            )
            for path, methods in spec["paths"].items()
            for method in methods
        ]
        calls += [("GET", "/openapi.json"), ("GET", "/docs"), ("GET", "/health")]
        assert len(calls) >= 14
        for method, path in calls:
            for headers in ({}, {"authorization": "Bearer wrong"}):
                response = httpx.request(method, url + path, headers=headers)
                assert response.status_code == 401, (method, path)
        ok = httpx.get(f"{url}/api/v1/experiments", headers={"authorization": "Bearer s3cret"})
        assert ok.status_code == 200
        # The UI's page shell holds no data: a deep link loads it, and the UI asks for the token.
        pages = ["/", "/experiments/0/traces", "/traces/" + "a" * 32]
        for page in pages if (STATIC_DIR / "index.html").is_file() else pages[:1]:
            assert httpx.get(url + page).status_code == 200, page


def test_cors_is_off_unless_configured(server_url: str, backend: SqlTraceStore) -> None:
    origin = {"origin": "http://ui.example", "access-control-request-method": "POST"}
    response = httpx.options(f"{server_url}/api/v1/traces/search", headers=origin)
    assert "access-control-allow-origin" not in response.headers
    settings = ServerSettings(backend.uri, cors_origins=("http://ui.example",))
    with server_thread(settings, backend) as url:
        allowed = httpx.options(f"{url}/api/v1/traces/search", headers=origin)
        assert allowed.headers["access-control-allow-origin"] == "http://ui.example"


def test_root_page_and_health(server_url: str) -> None:
    page = httpx.get(server_url + "/")
    assert page.status_code == 200
    # The built UI when there is one (make ui), else a page that says how to build it.
    if (STATIC_DIR / "index.html").is_file():
        assert '<div id="root">' in page.text
    else:
        assert "web UI is not built" in page.text
    assert httpx.get(server_url + "/health").json() == {"status": "ok"}


@pytest.mark.parametrize(
    "path", ["/api/v1/experiments/abc", "/api/v1/experiments/99999999999999999999"]
)
def test_odd_ids_are_404_not_500(server_url: str, path: str) -> None:
    assert httpx.get(server_url + path).status_code == 404
