"""Bad input never makes the server answer 5xx or fall over: the REST routes.

Hand-made bad bodies, headers and parameters for every route (wrong content types, empty and
truncated bodies, broken gzip, deeply nested JSON, huge numbers, NUL characters, lone
surrogates, invalid ids) against a live server on 127.0.0.1, over SQLite and PostgreSQL. Each
answer must be a 4xx or 2xx; a 4xx must have the JSON error shape and not echo the body; and
the server must log no error and still answer at the end.
"""

from __future__ import annotations

import gzip
import json

import orjson

from tests.reliability.inputs.helpers import (
    BIG,
    JSON,
    LONE_SURROGATE,
    TRACE_ID,
    Server,
    _nested,
    _nested_object,
    _trace,
    _write,
)


def test_bad_rest_bodies(server: Server) -> None:
    bodies: list[bytes] = [
        b"",
        b"null",
        b"[]",
        b'"traces"',
        b"123",
        b"{",
        b'{"traces": [',
        b"\xff\xfe{\x00}\x00",  # UTF-16
        b'\xef\xbb\xbf{"traces": []}',  # a UTF-8 byte order mark
        b'{"traces": [], "traces": [1]}',
        _nested(100_000).encode(),
        b'{"traces": ' + _nested(5_000).encode() + b"}",
        b'{"traces": [1e999]}',
        b'{"traces": [NaN]}',
        b'{"traces": [' + b"9" * 5000 + b"]}",
        b'{"traces": [' + LONE_SURROGATE.encode() + b"]}",
        b'{"traces": [{"info": {"trace_id": "\x00"}}]}',
        gzip.compress(b'{"traces": []}')[:-8],
    ]
    for body in bodies:
        server.send("POST", "/api/v1/traces", body, JSON)
    for trace in (
        _trace(info__request_time=BIG),
        _trace(info__request_time=-1),
        _trace(info__request_time=1e300),
        _trace(info__execution_duration=2**63),
        _trace(data__spans__0__start_time_ns=BIG),
        _trace(data__spans__0__end_time_ns=-(2**70)),
        _trace(data__spans__0__events=[{"name": "e", "timestamp_ns": BIG}]),
        _trace(info__trace_id="0" * 31 + "g"),
        _trace(info__trace_id=TRACE_ID.upper()),
        _trace(info__experiment_id="9" * 18),  # unknown: 404
        _trace(info__experiment_id="9" * 19),
        _trace(info__experiment_id="-1"),
        _trace(data__spans__0__span_id="zz" * 8),
        _trace(data__spans__0__parent_id="0" * 16),
        _trace(data__spans__0__attributes={"big": 10**40, "deep": _nested_object(200)}),
        _trace(data__spans__0__attributes={"nul\x00key": "nul\x00value"}),
        _trace(data__spans__0__name="nul\x00name", info__name="n\x00"),
        _trace(info__tags={"t\x00": "v\x00"}, info__metadata={"m\x00": "\x00"}),
        _trace(info__state="BROKEN"),
        _trace(data__spans__0__status={"code": "ERROR", "message": "\x00" * 1000}),
        _trace(data__spans=[]),
    ):
        server.send("POST", "/api/v1/traces", _write(trace), JSON)
    # Lone surrogates, as JSON escapes, wherever a string goes.
    template = orjson.dumps({"traces": [_trace()]}).decode()
    for name in ('"support_bot"', '"retrieve"', '"lookup_order"'):
        patched = template.replace(name, LONE_SURROGATE, 1)
        server.send("POST", "/api/v1/traces", patched.encode(), JSON)


def test_bad_bodies_on_every_json_route(server: Server) -> None:
    routes = [
        ("POST", "/api/v1/experiments"),
        ("PATCH", "/api/v1/experiments/0"),
        ("POST", "/api/v1/traces/search"),
        ("POST", "/api/v1/traces/delete"),
        ("POST", "/api/v1/sessions/search"),
        ("POST", "/api/v1/spans/search"),
        ("PUT", f"/api/v1/traces/{TRACE_ID}/tags/k"),
    ]
    bodies = [
        b"",
        b"{",
        b"null",
        b"\xff",
        _nested(100_000).encode(),
        b'{"name": ' + LONE_SURROGATE.encode() + b"}",
        b'{"name": "\\u0000"}',
        b'{"name": 1e999, "value": 1e999}',
        b'{"experiment_ids": ["' + b"9" * 18 + b'"], "max_results": 9999999999999999999999}',
        b'{"experiment_id": "0", "older_than_ms": 99999999999999999999}',
        b'{"experiment_id": "0", "trace_ids": ["' + TRACE_ID.encode() + b'"], "max_traces": -1}',
        b'{"value": "\\ud800"}',
    ]
    for method, path in routes:
        for body in bodies:
            server.send(method, path, body, JSON)
            server.send(
                method, path, gzip.compress(body)[:-4], {**JSON, "content-encoding": "gzip"}
            )
        for content_type in ("text/plain", "application/xml", "application/json-seq", ""):
            refused = server.send(method, path, b"{}", {"content-type": content_type})
            assert refused.status_code == 415


def test_bad_filters_and_page_tokens(server: Server) -> None:
    filters = [
        "",
        "(" * 10_000,
        "(" * 500 + "status = 'OK'" + ")" * 500,
        "status = 'OK' AND " * 500 + "status = 'OK'",
        "request_time > " + "9" * 40,
        "request_time > -" + "9" * 40,
        "execution_time > 1e999",
        "tags.k = '\x00'",
        "name = '\ud800'",
        "metadata.`x` = 'y'",
        "span.attributes.big > 99999999999999999999",
        "name LIKE '" + "%" * 5000 + "'",
        "name ILIKE '%\\'",
        "tags." + "k" * 5000 + " = 'v'",
    ]
    for filter_string in filters:
        body = json.dumps({"filter": filter_string}).encode()
        server.send("POST", "/api/v1/traces/search", body, JSON)
    for order in (["x"], ["request_time DESC DESC"], ["\x00"], ["tags.`a` ASC"], ["timestamp"]):
        server.send("POST", "/api/v1/traces/search", json.dumps({"order_by": order}).encode(), JSON)
    tokens = [
        "x",
        "=" * 100,
        "eyJ4IjogMX0=",
        "MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODk=",
        "\x00",
        "9" * 40,
    ]
    for token in tokens:
        page = json.dumps({"page_token": token}).encode()
        server.send("POST", "/api/v1/traces/search", page, JSON)
        server.send("POST", "/api/v1/sessions/search", page, JSON)
        server.send("GET", "/api/v1/experiments", page_token=token)


def test_bad_paths_and_parameters(server: Server) -> None:
    paths = [
        "/api/v1/traces/%00",
        "/api/v1/traces/" + "a" * 10_000,
        "/api/v1/traces/%ED%A0%80",
        "/api/v1/traces/%FF",
        "/api/v1/experiments/%00",
        "/api/v1/experiments/" + "9" * 40,
        "/api/v1/experiments/-1",
        "/api/v1/experiments/1e3",
        "/api/v1/experiments/%ED%A0%80",
        "/api/v1/traces/" + TRACE_ID + "?include_spans=maybe",
        "/api/v1/experiments?max_results=0",
        "/api/v1/experiments?max_results=99999999999999999999",
        "/api/v1/experiments?name_like=%00",
        "/api/v1/experiments?name_like=%ED%A0%80",
        "/api/v1/experiments/by-name?name=%00",
        "/api/v1/experiments/by-name?name=%ED%A0%80",
        "/api/v1/experiments/by-name?name=" + "x" * 10_000,
        "/%00",
        "/assets/..%2f..%2fpyproject.toml",
        "/traces/%ED%A0%80",
    ]
    for path in paths:
        server.send("GET", path)
    for key in ("%00", "%ED%A0%80", "k" * 300, "a%2Fb", "%FF"):
        path = f"/api/v1/traces/{TRACE_ID}/tags/{key}"
        server.send("PUT", path, b'{"value": "v"}', JSON)
        server.send("DELETE", path)
    for method in ("DELETE", "PATCH"):
        server.send(method, "/api/v1/experiments/" + "9" * 40, b'{"name": "x"}', JSON)
    server.send("DELETE", "/api/v1/experiments/0")  # the default experiment stays: 400
