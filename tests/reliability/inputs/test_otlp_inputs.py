"""Bad input never makes the server answer 5xx or fall over: OTLP ingest.

Hand-made bad OTLP bodies (times past 2^63 - 1, broken protobuf and JSON) and generated ones
(JSON and protobuf) against a live server on 127.0.0.1, over SQLite and PostgreSQL; the same
rules as test_server_inputs.py.
"""

from __future__ import annotations

import gzip
import json
import random
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spanscope.otel import request_from_traces, request_to_json
from spanscope.otel.values import ExportTraceServiceRequest
from tests.reliability.inputs.helpers import (
    EXAMPLES,
    JSON,
    LONE_SURROGATE,
    PROTOBUF,
    TRACE_ID,
    Server,
    _nested,
    _otlp_json,
)
from tests.store.factory import make_trace


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
