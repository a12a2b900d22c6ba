"""Bad input never makes the server answer 5xx or fall over.

Hand-made bad bodies, headers and parameters for every route (wrong content types, empty and
truncated bodies, broken gzip, deeply nested JSON, huge numbers, NUL characters, lone
surrogates, invalid ids, OTLP times past 2^63 - 1), then generated OTLP bodies (JSON and
protobuf) against a live server on 127.0.0.1, over SQLite and PostgreSQL. Each answer must be
a 4xx or 2xx; a 4xx must have the JSON error shape and not echo the body; and the server must
log no error and still answer at the end.
"""

from __future__ import annotations

import gzip
import json
import logging
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from spanscope.otel import request_from_traces, request_to_json
from spanscope.otel.values import ExportTraceServiceRequest
from spanscope.server.settings import ServerSettings
from spanscope.store.sql.store import SqlTraceStore
from tests.live_server import server_thread
from tests.store.factory import make_trace

MAX_BODY = 2_000_000
JSON = {"content-type": "application/json"}
PROTOBUF = {"content-type": "application/x-protobuf"}
TRACE_ID = "0123456789abcdef0123456789abcdef"
BIG = 2**64 + 1
EXAMPLES = 100


class ErrorLog(logging.Handler):
    """ERROR records of the server (uvicorn's 'Exception in ASGI application', our 500s)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(self.format(record))


@dataclass
class Server:
    url: str
    http: httpx.Client
    backend: str
    errors: ErrorLog
    answers: list[tuple[str, int]] = field(default_factory=list)

    def send(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, Any] | None = None,
        **params: Any,
    ) -> httpx.Response:
        response = self.http.request(
            method, path, content=body, headers=headers, params=params or None
        )
        where = f"{method} {path[:80]} {str(body)[:120]}"
        self.answers.append((where, response.status_code))
        assert response.status_code < 500, f"{where} -> {response.status_code}: {response.text}"
        if response.status_code >= 400:
            error = response.json()["error"]
            assert error["code"] and error["message"], response.text
            assert len(response.content) < 20_000, f"{where}: the error answer is too long"
        return response


def _postgres_database(postgres_uri: str) -> str:
    """A database of its own on the session's PostgreSQL server."""
    engine = create_engine(make_url(postgres_uri).set(drivername="postgresql+psycopg"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("DROP DATABASE IF EXISTS spanscope_inputs"))
        conn.execute(text("CREATE DATABASE spanscope_inputs"))
    engine.dispose()
    return make_url(postgres_uri).set(database="spanscope_inputs").render_as_string(False)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    if request.param == "sqlite":
        uri = f"sqlite:///{Path(tmp_path_factory.mktemp('inputs')) / 'inputs.db'}"
    else:
        uri = _postgres_database(request.getfixturevalue("postgres_uri"))
    store = SqlTraceStore(uri)
    store.write_traces([make_trace("0")])
    errors = ErrorLog()
    with server_thread(ServerSettings(uri, max_body_bytes=MAX_BODY), store) as url:
        # uvicorn configures its loggers as it starts: listen once it has.
        loggers = [logging.getLogger(name) for name in ("uvicorn.error", "spanscope.server")]
        for logger in loggers:
            logger.addHandler(errors)
        try:
            with httpx.Client(base_url=url, timeout=30) as http:
                yield Server(url, http, request.param, errors)
                # Still up, and nothing was logged as an error.
                assert http.get("/health").json() == {"status": "ok"}
                assert http.post("/api/v1/traces/search", json={}).status_code == 200
        finally:
            for logger in loggers:
                logger.removeHandler(errors)
    store.close()


@pytest.fixture(autouse=True)
def _no_server_errors(server: Server) -> Iterator[None]:
    yield
    logged, server.errors.records = server.errors.records, []
    assert logged == [], "the server logged errors"


def _trace(**changes: Any) -> dict[str, Any]:
    trace = make_trace("0").to_dict()
    for path, value in changes.items():
        target: Any = trace
        keys = path.split("__")
        for key in keys[:-1]:
            target = target[int(key)] if isinstance(target, list) else target[key]
        target[keys[-1]] = value
    return trace


def _write(*traces: dict[str, Any]) -> bytes:
    # json, not orjson: integers past 64 bits are written as they are.
    return json.dumps({"traces": list(traces)}).encode()


def _nested(depth: int, leaf: str = "1") -> str:
    return "[" * depth + leaf + "]" * depth


def _nested_object(depth: int) -> Any:
    value: Any = "leaf"
    for _ in range(depth):
        value = {"k": value}
    return value


# Raw JSON text: big numbers and lone surrogates that orjson would not write.
LONE_SURROGATE = '"x\\ud800y"'


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


def _otlp_json(**span: Any) -> dict[str, Any]:
    base = {
        "traceId": TRACE_ID,
        "spanId": "0123456789abcdef",
        "name": "op",
        "startTimeUnixNano": "1",
        "endTimeUnixNano": "2",
    }
    return {"resourceSpans": [{"scopeSpans": [{"spans": [{**base, **span}]}]}]}


def _otlp_proto(**changes: Any) -> ExportTraceServiceRequest:
    request = ExportTraceServiceRequest()
    span = request.resource_spans.add().scope_spans.add().spans.add()
    span.trace_id = bytes.fromhex(TRACE_ID)
    span.span_id = bytes(range(1, 9))
    span.name = "op"
    span.start_time_unix_nano, span.end_time_unix_nano = 1, 2
    for name, value in changes.items():
        if name == "event_time":
            span.events.add(name="e", time_unix_nano=value)
        else:
            setattr(span, name, value)
    return request


@pytest.mark.parametrize(
    ("field", "where"),
    [
        ("start", "spans[0].start_time_unix_nano"),
        ("end", "spans[0].end_time_unix_nano"),
        ("event", "spans[0].events[0].time_unix_nano"),
    ],
)
def test_otlp_times_past_int64_are_400_naming_the_field(
    server: Server, field: str, where: str
) -> None:
    for value in (2**63, 2**64 - 1):
        if field == "event":
            body = _otlp_json(events=[{"timeUnixNano": str(value), "name": "e"}])
            proto = _otlp_proto(event_time=value)
        else:
            body = _otlp_json(**{f"{field}TimeUnixNano": str(value)})
            proto = _otlp_proto(**{f"{field}_time_unix_nano": value})
        for encoded, headers in (
            (orjson.dumps(body), JSON),
            (proto.SerializeToString(), PROTOBUF),
            (gzip.compress(proto.SerializeToString()), {**PROTOBUF, "content-encoding": "gzip"}),
        ):
            refused = server.send("POST", "/v1/traces", encoded, headers)
            assert refused.status_code == 400
            message = refused.json()["error"]["message"]
            assert where in message and str(value) in message
    # The largest time that fits is stored.
    fits = server.send(
        "POST", "/v1/traces", orjson.dumps(_otlp_json(endTimeUnixNano=str(2**63 - 1))), JSON
    )
    assert fits.status_code == 200


def test_bad_otlp_bodies(server: Server) -> None:
    json_bodies: list[bytes] = [
        b"",
        b"null",
        b"[]",
        b"{",
        b"\xff\xfe",
        _nested(100_000).encode(),
        b'{"resourceSpans": ' + _nested(900).encode() + b"}",
        b'{"resourceSpans": [{"scopeSpans": [{"spans": [' + LONE_SURROGATE.encode() + b"]}]}]}",
        orjson.dumps(_otlp_json(startTimeUnixNano=str(2**65))),
        orjson.dumps(_otlp_json(startTimeUnixNano=-1)),
        orjson.dumps(_otlp_json(startTimeUnixNano="soon")),
        orjson.dumps(_otlp_json(startTimeUnixNano=1e300)),
        orjson.dumps(_otlp_json(traceId="zz" * 16)),
        orjson.dumps(_otlp_json(traceId="0" * 32)),
        orjson.dumps(_otlp_json(traceId="é" * 32)),
        orjson.dumps(_otlp_json(traceId=12345)),
        orjson.dumps(_otlp_json(spanId="")),
        orjson.dumps(_otlp_json(parentSpanId="00" * 4)),
        orjson.dumps(_otlp_json(name="nul\x00name", traceState="\x00")),
        orjson.dumps(_otlp_json(kind=99, status={"code": 77, "message": "\x00"})),
        orjson.dumps(_otlp_json(kind="SPAN_KIND_NOPE")),
        orjson.dumps(_otlp_json(attributes=[{"key": "big", "value": {"intValue": "9" * 30}}])),
        orjson.dumps(_otlp_json(attributes=[{"key": "nul\x00", "value": {"stringValue": "\x00"}}])),
        orjson.dumps(_otlp_json(attributes=[{"key": "b", "value": {"bytesValue": "not base64!"}}])),
        orjson.dumps(_otlp_json(attributes=[{"key": "d", "value": {"doubleValue": "NaN"}}])),
        orjson.dumps(_otlp_json(attributes=[{"key": "deep", "value": _deep_any_value(50)}])),
        _deep_otlp_json(200),  # 800 levels: orjson parses it, the schema mapping may not
        _deep_otlp_json(300),  # past orjson's limit of 1024 levels
        orjson.dumps(_otlp_json(links=[{"traceId": "zz", "spanId": 5}])),
        orjson.dumps(_otlp_json(events=[{"name": "\x00", "attributes": "nope"}])),
    ]
    for body in json_bodies:
        server.send("POST", "/v1/traces", body, JSON)
        server.send("POST", "/v1/traces", gzip.compress(body), {**JSON, "content-encoding": "gzip"})
    valid = _otlp_proto().SerializeToString()
    proto_bodies = [
        b"\x00garbage",
        b"\xff" * 64,
        valid[:-3],
        valid + b"\x0a\xff\xff\xff\xff\x0f",  # a field claiming 4 GB
        _otlp_proto(trace_id=b"\x01" * 3).SerializeToString(),
        _otlp_proto(span_id=bytes(8)).SerializeToString(),
        _otlp_proto(kind=99).SerializeToString(),
        _deep_proto(200),
        valid.replace(b"op", b"\xff\xfe"),  # a string field that is not UTF-8
    ]
    for body in proto_bodies:
        server.send("POST", "/v1/traces", body, PROTOBUF)
    for encoding, body in (
        ("gzip", b"nope"),
        ("deflate", b"nope"),
        ("gzip", gzip.compress(valid)[:-5]),
        ("br", valid),
    ):
        server.send("POST", "/v1/traces", body, {**PROTOBUF, "content-encoding": encoding})
    for headers in (
        {"x-spanscope-experiment-id": "abc"},
        {"x-spanscope-experiment-id": "9" * 40},
        {"x-spanscope-experiment-id": "-1"},
        {"x-spanscope-experiment-name": "n" * 5000},
        {"x-spanscope-experiment-name": "\u00e9t\u00e9".encode()},  # UTF-8 bytes
    ):
        server.send("POST", "/v1/traces", valid, {**PROTOBUF, **headers})


def _deep_any_value(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {"stringValue": "leaf"}
    for _ in range(depth):
        value = {"kvlistValue": {"values": [{"key": "k", "value": value}]}}
    return value


def _deep_otlp_json(depth: int) -> bytes:
    """An attribute value nested `depth` kvlists deep (4 JSON levels each), as JSON text."""
    head = '{"kvlistValue": {"values": [{"key": "k", "value": '
    value = head * depth + '{"stringValue": "leaf"}' + "}]}}" * depth
    body = orjson.dumps(_otlp_json(attributes=[{"key": "deep", "value": "PLACEHOLDER"}]))
    return body.replace(b'"PLACEHOLDER"', value.encode())


def _deep_proto(depth: int) -> bytes:
    request = _otlp_proto()
    value = request.resource_spans[0].scope_spans[0].spans[0].attributes.add(key="deep").value
    for _ in range(depth):
        value = value.kvlist_value.values.add(key="k").value
    value.string_value = "leaf"
    encoded: bytes = request.SerializeToString()
    return encoded


# Generated OTLP bodies: the right shape, with wrong or extreme values anywhere.

_HEX = "0123456789abcdef"
ids = st.one_of(
    st.text(_HEX, min_size=32, max_size=32),
    st.text(_HEX, min_size=16, max_size=16),
    st.text(max_size=40),
    st.integers(),
    st.none(),
)
times = st.one_of(
    st.integers(min_value=-(2**65), max_value=2**65).map(str),
    st.integers(min_value=0, max_value=2**64 - 1),
    st.sampled_from([2**63 - 1, 2**63, "1e9", "", "x"]),
    st.floats(allow_nan=False),
)
scalars = st.one_of(
    st.fixed_dictionaries({"stringValue": st.text(max_size=30)}),
    st.fixed_dictionaries({"intValue": st.one_of(st.integers(), st.text(max_size=5))}),
    st.fixed_dictionaries(
        {"doubleValue": st.one_of(st.floats(allow_nan=False), st.text(max_size=5))}
    ),
    st.fixed_dictionaries({"boolValue": st.one_of(st.booleans(), st.integers())}),
    st.fixed_dictionaries({"bytesValue": st.text(max_size=12)}),
    st.just({}),
)
any_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.fixed_dictionaries(
            {"arrayValue": st.fixed_dictionaries({"values": st.lists(children, max_size=3)})}
        ),
        st.fixed_dictionaries(
            {
                "kvlistValue": st.fixed_dictionaries(
                    {
                        "values": st.lists(
                            st.fixed_dictionaries({"key": st.text(max_size=8), "value": children}),
                            max_size=3,
                        )
                    }
                )
            }
        ),
    ),
    max_leaves=4,
)
keys = st.one_of(
    st.sampled_from(
        [
            "gen_ai.operation.name",
            "gen_ai.input.messages",
            "gen_ai.usage.input_tokens",
            "gen_ai.prompt.0.content",
            "openinference.span.kind",
            "input.value",
            "output.value",
            "llm.input_messages.0.message.content",
            "llm.token_count.prompt",
            "retrieval.documents.0.document.content",
            "session.id",
            "spanscope.experiment.name",
            "spanscope.experiment.id",
        ]
    ),
    st.text(max_size=20),
)
attributes = st.lists(st.fixed_dictionaries({"key": keys, "value": any_values}), max_size=4)
spans = st.fixed_dictionaries(
    {"traceId": ids, "spanId": ids, "name": st.text(max_size=20)},
    optional={
        "parentSpanId": ids,
        "startTimeUnixNano": times,
        "endTimeUnixNano": times,
        "kind": st.one_of(st.integers(min_value=-2, max_value=9), st.text(max_size=10)),
        "attributes": attributes,
        "events": st.lists(
            st.fixed_dictionaries(
                {"name": st.text(max_size=10)},
                optional={"timeUnixNano": times, "attributes": attributes},
            ),
            max_size=2,
        ),
        "links": st.lists(st.fixed_dictionaries({"traceId": ids, "spanId": ids}), max_size=2),
        "status": st.fixed_dictionaries(
            {}, optional={"code": st.integers(-1, 5), "message": st.text(max_size=10)}
        ),
    },
)
requests = st.fixed_dictionaries(
    {
        "resourceSpans": st.lists(
            st.fixed_dictionaries(
                {
                    "scopeSpans": st.lists(
                        st.fixed_dictionaries({"spans": st.lists(spans, max_size=3)}), max_size=2
                    )
                },
                optional={"resource": st.fixed_dictionaries({"attributes": attributes})},
            ),
            max_size=2,
        )
    }
)


# Generated bodies run over SQLite only: the hand-made cases above cover what differs between
# the backends (NUL characters, integer range).
@pytest.mark.parametrize("server", ["sqlite"], indirect=True)
def test_generated_otlp_json(server: Server) -> None:

    @settings(
        max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(body=requests)
    def post(body: dict[str, Any]) -> None:
        # json, not orjson: integers past 64 bits are written as they are.
        encoded = json.dumps(body, ensure_ascii=False).encode("utf-8", "surrogatepass")
        server.send("POST", "/v1/traces", encoded, JSON)

    before = len(server.answers)
    post()
    statuses = {status for _, status in server.answers[before:]}
    assert {200, 400} <= statuses  # accepted and refused bodies both reached the route


@pytest.mark.parametrize("server", ["sqlite"], indirect=True)
def test_generated_otlp_protobuf(server: Server) -> None:
    """Valid requests from real traces, with random bytes flipped, cut or inserted."""
    traces = [make_trace("0"), make_trace("0", fail=True)]
    valid = request_from_traces(traces).SerializeToString()
    assert request_to_json(request_from_traces(traces))  # the JSON twin decodes too

    @settings(
        max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(seed=st.integers(0, 2**32), edits=st.integers(1, 8))
    def post(seed: int, edits: int) -> None:
        rng = random.Random(seed)
        body = bytearray(valid)
        for _ in range(edits):
            at = rng.randrange(len(body))
            match rng.randrange(3):
                case 0:
                    body[at] = rng.randrange(256)
                case 1:
                    del body[at : at + rng.randrange(1, 16)]
                case _:
                    body[at:at] = rng.randbytes(rng.randrange(1, 16))
        server.send("POST", "/v1/traces", bytes(body), PROTOBUF)

    post()
