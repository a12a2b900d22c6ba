"""Request bodies: JSON only on the API (no cross-site writes), one capped decompressor for
every route (a gzip bomb is a small 413), and error answers that never echo the request."""

from __future__ import annotations

import functools
import gzip
import tracemalloc
import zlib
from collections.abc import Iterator

import httpx
import orjson
import pytest

from spanscope.server.settings import ServerSettings
from spanscope.store.sql.store import SqlTraceStore
from tests.live_server import server_thread
from tests.store.factory import make_trace

JSON = {"content-type": "application/json"}
GZIP_JSON = {**JSON, "content-encoding": "gzip"}
# What a web page can send cross-site without a CORS preflight, and a missing type.
CROSS_SITE_TYPES = [
    "text/plain",
    "text/plain;charset=UTF-8",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    None,
]
WRITES = [
    ("POST", "/api/v1/experiments", {"name": "planted"}),
    ("PATCH", "/api/v1/experiments/0", {"name": "renamed"}),
    ("POST", "/api/v1/traces/delete", {"experiment_id": "0"}),
    ("PUT", "/api/v1/traces/" + "a" * 32 + "/tags/k", {"value": "v"}),
    ("POST", "/api/v1/traces/search", {}),
    ("POST", "/api/v1/sessions/search", {}),
    ("POST", "/api/v1/spans/search", {}),
]


def _send(
    http: httpx.Client, method: str, path: str, body: bytes, content_type: str | None
) -> httpx.Response:
    headers = {"content-type": content_type} if content_type is not None else {}
    return http.request(method, path, content=body, headers=headers)


@pytest.mark.parametrize("token", [None, "s3cret"])
def test_api_writes_take_only_json(backend: SqlTraceStore, token: str | None) -> None:
    auth = {"authorization": f"Bearer {token}"} if token else {}
    with (
        server_thread(ServerSettings(backend.uri, token=token), backend) as url,
        httpx.Client(base_url=url, headers=auth) as http,
    ):
        trace = make_trace("0")
        body = orjson.dumps({"traces": [trace.to_dict()]})
        for content_type in CROSS_SITE_TYPES:
            planted = _send(http, "POST", "/api/v1/traces", body, content_type)
            assert planted.status_code == 415, content_type
            error = planted.json()["error"]
            assert error["code"] == "UNSUPPORTED_MEDIA_TYPE"
            assert "accepts application/json" in error["message"]
            for method, path, payload in WRITES:
                refused = _send(http, method, path, orjson.dumps(payload), content_type)
                assert refused.status_code == 415, (method, path, content_type)
        assert backend.search_traces(["0"]) == []
        assert [e.name for e in backend.search_experiments()] == ["Default"]
        # application/json, with or without a charset, is accepted.
        for content_type in ("application/json", "Application/JSON; charset=utf-8"):
            created = _send(http, "POST", "/api/v1/traces", body, content_type)
            assert created.status_code == 204
        assert len(backend.search_traces(["0"])) == 1
        # A CORS preflight is not a write: it is not refused for its (absent) content type.
        preflight = http.options(
            "/api/v1/traces",
            headers={"origin": "http://evil.example", "access-control-request-method": "POST"},
        )
        assert preflight.status_code != 415
        assert "access-control-allow-origin" not in preflight.headers


def test_otlp_takes_only_protobuf_or_json(server_url: str) -> None:
    with httpx.Client(base_url=server_url) as http:
        for content_type in CROSS_SITE_TYPES:
            refused = _send(http, "POST", "/v1/traces", b"{}", content_type)
            assert refused.status_code == 415, content_type
            message = refused.json()["error"]["message"]
            assert "application/x-protobuf or application/json" in message
        for content_type in ("application/x-protobuf", "application/protobuf", "application/json"):
            body = b"{}" if content_type.endswith("json") else b""
            assert _send(http, "POST", "/v1/traces", body, content_type).status_code == 200


@pytest.fixture
def small_server(backend: SqlTraceStore) -> Iterator[str]:
    with server_thread(ServerSettings(backend.uri, max_body_bytes=100_000), backend) as url:
        yield url


@functools.cache
def _bomb(size: int, encode: str = "gzip") -> bytes:
    """`size` bytes of JSON whitespace, compressed about 1000 to 1."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31 if encode == "gzip" else 15)
    parts = [compressor.compress(b'{"traces": [')]
    block = b" " * 1_000_000
    parts += [compressor.compress(block) for _ in range(size // len(block))]
    parts.append(compressor.compress(b"]}") + compressor.flush())
    return b"".join(parts)


@pytest.mark.parametrize(
    ("path", "encoding"),
    [
        ("/api/v1/traces", "gzip"),
        ("/api/v1/traces", "deflate"),
        ("/api/v1/experiments", "gzip"),
        ("/api/v1/traces/search", "gzip"),
        ("/v1/traces", "gzip"),
    ],
)
def test_a_compression_bomb_is_a_small_413(small_server: str, path: str, encoding: str) -> None:
    bomb = _bomb(20_000_000, encoding)  # ~20 KB sent, under the cap; 20 MB once inflated
    assert len(bomb) < 100_000
    headers = {**JSON, "content-encoding": encoding}
    refused = httpx.post(small_server + path, content=bomb, headers=headers, timeout=30)
    assert refused.status_code == 413
    assert len(refused.content) < 300
    message = refused.json()["error"]["message"]
    assert message == "decompressed request body larger than the server's limit of 100000 bytes"
    # Exactly at the cap once inflated is fine.
    exact = b'{"experiment_ids": ["0"]' + b" " * (100_000 - 26) + b"}"
    assert len(exact) == 100_000 - 1
    found = httpx.post(
        small_server + "/api/v1/traces/search", content=gzip.compress(exact), headers=GZIP_JSON
    )
    assert found.status_code == 200


def test_a_gzip_bomb_costs_no_more_memory_than_the_cap(backend: SqlTraceStore) -> None:
    limit = 8_000_000
    bomb = _bomb(100_000_000)
    with server_thread(ServerSettings(backend.uri, max_body_bytes=limit), backend) as url:
        tracemalloc.start()
        try:
            refused = httpx.post(f"{url}/api/v1/traces", content=bomb, headers=GZIP_JSON)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert refused.status_code == 413
    assert "decompressed request body larger than" in refused.json()["error"]["message"]
    # The cap once, plus the compressed body and change (not the 100 MB it inflates to).
    assert peak < limit + 4 * len(bomb) + 2_000_000


def test_every_route_decodes_gzip_and_deflate(server_url: str) -> None:
    body = orjson.dumps({"name": "zipped"})
    created = httpx.post(
        f"{server_url}/api/v1/experiments", content=gzip.compress(body), headers=GZIP_JSON
    )
    assert created.status_code == 201
    search = orjson.dumps({"experiment_ids": ["0"]})
    for encoding, encoded in (
        ("deflate", zlib.compress(search)),  # zlib-wrapped, as HTTP says
        ("deflate", zlib.compress(search)[2:-4]),  # raw deflate, as some clients send
        ("x-gzip", gzip.compress(search)),
        ("identity", search),
    ):
        headers = {**JSON, "content-encoding": encoding}
        found = httpx.post(f"{server_url}/api/v1/traces/search", content=encoded, headers=headers)
        assert found.status_code == 200, encoding


def test_bad_encodings_are_4xx(server_url: str) -> None:
    body = gzip.compress(orjson.dumps({"traces": [make_trace("0").to_dict()]}))
    for path in ("/api/v1/traces", "/v1/traces"):
        truncated = httpx.post(server_url + path, content=body[:-20], headers=GZIP_JSON)
        assert truncated.status_code == 400
        assert "truncated gzip" in truncated.json()["error"]["message"]
        brotli = httpx.post(
            server_url + path, content=body, headers={**JSON, "content-encoding": "br"}
        )
        assert brotli.status_code == 415
        assert "accepted are gzip, deflate or identity" in brotli.json()["error"]["message"]


def test_errors_never_echo_the_request(server_url: str) -> None:
    secret = "SECRET-" + "s" * 100_000
    trace = make_trace("0").to_dict()
    trace["info"]["state"] = secret  # not one of OK, ERROR, IN_PROGRESS
    trace["data"]["spans"][0]["span_id"] = secret
    trace["data"]["spans"][1]["start_time_ns"] = secret
    with httpx.Client(base_url=server_url) as http:
        for body in (
            orjson.dumps({"traces": [trace]}),
            orjson.dumps({"traces": [trace] * 50}),  # 150 errors: at most 20 listed
        ):
            invalid = http.post("/api/v1/traces", content=gzip.compress(body), headers=GZIP_JSON)
            assert invalid.status_code == 422
            assert "SECRET" not in invalid.text
            assert len(invalid.content) < 10_000
            answer = invalid.json()
            assert answer["error"]["code"] == "INVALID_REQUEST"
            assert "body.traces.0.info.state" in answer["error"]["message"]
            assert answer["detail"][0] == {
                "loc": ["body", "traces", 0, "info", "state"],
                "msg": "Input should be 'OK', 'ERROR' or 'IN_PROGRESS'",
                "type": "literal_error",
            }
            assert all(set(e) == {"loc", "msg", "type"} for e in answer["detail"])
        assert len(answer["detail"]) == 20
        assert "(and 147 more)" in answer["error"]["message"]
        # FastAPI-parsed bodies too, and a key of the body in the field path is cut short.
        long_key = "K" * 5000
        tagged = http.post("/api/v1/experiments", json={"name": secret, "tags": {long_key: 1}})
        assert tagged.status_code == 422
        assert "SECRET" not in tagged.text and long_key not in tagged.text
        broken = http.post(
            "/api/v1/traces/search", content=b'{"filter": "' + secret.encode(), headers=JSON
        )
        assert broken.status_code == 422
        assert "SECRET" not in broken.text
        assert "JSON decode error" in broken.json()["error"]["message"]


def test_non_utf8_json_is_400(server_url: str) -> None:
    body = orjson.dumps({"traces": [make_trace("0").to_dict()]}).replace(b"refund", b"r\xe9fund")
    for path in ("/api/v1/traces", "/api/v1/experiments", "/v1/traces"):
        refused = httpx.post(server_url + path, content=body, headers=JSON)
        assert refused.status_code == 400, path
        message = refused.json()["error"]["message"]
        assert "not UTF-8: byte 0xe9 at offset" in message


def test_unknown_paths_and_methods_answer_in_the_error_shape(server_url: str) -> None:
    missing = httpx.get(f"{server_url}/api/v1/nothing-here")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "NOT_FOUND"
    wrong = httpx.put(f"{server_url}/api/v1/experiments", json={})
    assert wrong.status_code == 405
    assert wrong.json()["error"]["code"] == "METHOD_NOT_ALLOWED"
    assert "GET" in wrong.headers["allow"]
