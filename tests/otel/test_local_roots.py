"""Traces whose top span has a remote parent complete: the rule (spans whose parent is not in
the trace are its local roots) and the two ways such traces reach a server over OTLP, the
opentelemetry-proto example request and a service continuing a trace with `continue_trace`."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest

import spanscope
from spanscope.entities import Span, TraceState
from spanscope.entities.derivation import compute_trace_info, trace_roots
from spanscope.otel import OtlpTraceExporter, request_from_json
from tests.live_server import server_process

TRACE = "5b8efff798038103d269b633813fc60c"
T0 = 1_544_712_660_000_000_000  # ns
MS = 1_000_000


def span(
    span_id: str,
    parent_id: str | None,
    start_ms: int,
    end_ms: int | None,
    status: str = "OK",
    name: str | None = None,
) -> Span:
    return Span.from_dict(
        {
            "trace_id": TRACE,
            "span_id": span_id,
            "parent_id": parent_id,
            "name": name or span_id,
            "start_time_ns": T0 + start_ms * MS,
            "end_time_ns": None if end_ms is None else T0 + end_ms * MS,
            "status": {"code": status, "message": ""},
            "inputs": {"in": span_id},
            "outputs": f"out {span_id}",
        }
    )


def derive(*spans: Span) -> tuple[TraceState, str | None, int, int | None]:
    info = compute_trace_info(TRACE, "0", list(spans))
    return info.state, info.name, info.request_time - T0 // MS, info.execution_duration


# -- the rule -------------------------------------------------------------------------------


def test_a_span_with_a_remote_parent_is_the_local_root() -> None:
    top = span("a" * 16, "f" * 16, 0, 1_000)
    child = span("b" * 16, "a" * 16, 100, 900)
    assert trace_roots([child, top]) == [top]
    assert derive(child, top) == (TraceState.OK, "a" * 16, 0, 1_000)
    info = compute_trace_info(TRACE, "0", [child, top])
    assert (info.request_preview, info.response_preview) == ("a" * 16, "out " + "a" * 16)


def test_several_local_roots_the_earliest_names_the_trace() -> None:
    first = span("1" * 16, "f" * 16, 0, 300, name="first")
    second = span("2" * 16, "f" * 16, 200, 1_500, status="ERROR", name="second")
    other = span("3" * 16, "e" * 16, 100, 400, name="other")
    child = span("4" * 16, "2" * 16, 250, 1_400)
    spans = [second, child, other, first]
    assert trace_roots(spans) == [first, other, second]
    # From the earliest start to the latest end; ERROR because one of them failed.
    assert derive(*spans) == (TraceState.ERROR, "first", 0, 1_500)
    assert derive(first, other) == (TraceState.OK, "first", 0, 400)


def test_the_trace_is_in_progress_while_a_local_root_has_not_ended() -> None:
    first = span("1" * 16, "f" * 16, 0, 300, name="first")
    running = span("2" * 16, "f" * 16, 200, None, status="ERROR", name="running")
    assert derive(first, running) == (TraceState.IN_PROGRESS, "first", 0, None)


def test_a_parentless_span_is_the_true_root_and_wins() -> None:
    root = span("1" * 16, None, 50, 2_000, name="root")
    orphan = span("2" * 16, "9" * 16, 0, 100, status="ERROR", name="orphan")  # parent missing
    assert trace_roots([orphan, root]) == [root]
    assert derive(orphan, root) == (TraceState.OK, "root", 50, 1_950)


def test_ties_and_broken_parent_links() -> None:
    # Equal starts: the span id decides, whatever the order the spans come in.
    b = span("b" * 16, "f" * 16, 0, 10, name="b")
    a = span("a" * 16, "f" * 16, 0, 20, name="a")
    assert derive(b, a) == derive(a, b) == (TraceState.OK, "a", 0, 20)
    # A span that is its own parent is a local root; spans that are each other's parent are
    # none: nothing says what the trace is, and it stays in progress.
    assert derive(span("c" * 16, "c" * 16, 0, 5, name="self")) == (TraceState.OK, "self", 0, 5)
    loop = [span("d" * 16, "e" * 16, 0, 5), span("e" * 16, "d" * 16, 1, 4)]
    assert derive(*loop)[:2] == (TraceState.IN_PROGRESS, None)
    assert derive()[:2] == (TraceState.IN_PROGRESS, None)


def test_the_sdk_root_id_decides_when_given() -> None:
    root = span("1" * 16, "f" * 16, 0, 1_000, name="local")
    early = span("2" * 16, "e" * 16, -5, 10, name="early")
    info = compute_trace_info(TRACE, "0", [early, root], root_id=root.span_id)
    assert (info.name, info.execution_duration) == ("local", 1_000)


# -- over OTLP, through a real `spanscope server` ----------------------------------------------
# Each test its own trace id: they share one server, and read it through the REST API only.

LATE_ROOT_TRACE = "6c9f" * 8
DOWNSTREAM_TRACE = "7d0a" * 8
JSON = {"content-type": "application/json"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = tmp_path_factory.mktemp("local-roots") / "server.db"
    with server_process(f"sqlite:///{db}") as url:
        yield url


def proto_example(trace_id: str = TRACE) -> dict[str, Any]:
    """A request in the shape of opentelemetry-proto's examples/trace.json (written here from
    the OTLP/JSON format): one SERVER span whose parent is not in the request, under a resource
    and an instrumentation scope, ids in upper-case hex."""
    return {
        "resourceSpans": [
            {
                "resource": {
                    "attributes": [{"key": "service.name", "value": {"stringValue": "my.service"}}]
                },
                "scopeSpans": [
                    {
                        "scope": {
                            "name": "my.library",
                            "version": "1.0.0",
                            "attributes": [
                                {
                                    "key": "my.scope.attribute",
                                    "value": {"stringValue": "some scope attribute"},
                                }
                            ],
                        },
                        "spans": [
                            {
                                "traceId": trace_id.upper(),
                                "spanId": "EEE19B7EC3C1B174",
                                "parentSpanId": "EEE19B7EC3C1B173",
                                "name": "I'm a server span",
                                "startTimeUnixNano": str(T0),
                                "endTimeUnixNano": str(T0 + 1_000 * MS),
                                "kind": 2,
                                "attributes": [
                                    {"key": "my.span.attr", "value": {"stringValue": "some value"}}
                                ],
                            }
                        ],
                    }
                ],
            }
        ]
    }


def _post_json(url: str, request: dict[str, Any]) -> httpx.Response:
    return httpx.post(f"{url}/v1/traces", content=orjson.dumps(request), headers=JSON)


def _trace(url: str, trace_id: str) -> dict[str, Any]:
    response = httpx.get(f"{url}/api/v1/traces/{trace_id}")
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def _search(url: str, filter_string: str, experiment_id: str = "0") -> list[str]:
    search = {"experiment_ids": [experiment_id], "filter": filter_string}
    page = httpx.post(f"{url}/api/v1/traces/search", json=search).json()
    return [t["info"]["trace_id"] for t in page["traces"]]


def test_the_opentelemetry_proto_example_trace_completes(server: str) -> None:
    request = proto_example()
    response = _post_json(server, request)
    assert (response.status_code, response.json()) == (200, {})
    # The same request as protobuf: idempotent.
    protobuf = request_from_json(orjson.dumps(request)).SerializeToString()
    response = httpx.post(
        f"{server}/v1/traces", content=protobuf, headers={"content-type": "application/x-protobuf"}
    )
    assert (response.status_code, response.content) == (200, b"")
    found = _trace(server, TRACE)
    info = found["info"]
    assert (info["state"], info["name"]) == ("OK", "I'm a server span")
    assert (info["request_time"], info["execution_duration"]) == (T0 // MS, 1_000)
    (stored,) = found["data"]["spans"]
    assert (stored["span_id"], stored["parent_id"]) == ("eee19b7ec3c1b174", "eee19b7ec3c1b173")
    assert stored["attributes"] == {
        "my.span.attr": "some value",
        "otel.span.kind": "SERVER",
        "otel.scope.name": "my.library",
        "otel.scope.version": "1.0.0",
    }
    assert _search(server, "status = 'OK' AND execution_time_ms = 1000") == [TRACE]
    assert TRACE not in _search(server, "status = 'IN_PROGRESS'")


def test_a_local_root_then_its_true_parent_over_otlp(server: str) -> None:
    first = proto_example(LATE_ROOT_TRACE)
    # The example span's parent arrives later, in another request: it is the true root.
    root_request = copy.deepcopy(first)
    (root,) = root_request["resourceSpans"][0]["scopeSpans"][0]["spans"]
    root.update(
        spanId="EEE19B7EC3C1B173",
        name="client call",
        kind=3,
        startTimeUnixNano=str(T0 - 100 * MS),
        endTimeUnixNano=str(T0 + 1_200 * MS),
        status={"code": 2, "message": "upstream failed"},
    )
    del root["parentSpanId"]
    assert _post_json(server, first).status_code == 200
    info = _trace(server, LATE_ROOT_TRACE)["info"]
    assert (info["state"], info["name"]) == ("OK", "I'm a server span")
    assert _post_json(server, root_request).status_code == 200
    found = _trace(server, LATE_ROOT_TRACE)
    info = found["info"]
    assert (info["state"], info["name"]) == ("ERROR", "client call")
    assert (info["request_time"], info["execution_duration"]) == (T0 // MS - 100, 1_300)
    parents = {s["name"]: s["parent_id"] for s in found["data"]["spans"]}
    assert parents == {"client call": None, "I'm a server span": "eee19b7ec3c1b173"}
    # The former local root sent again changes nothing.
    assert _post_json(server, first).status_code == 200
    assert _trace(server, LATE_ROOT_TRACE)["info"] == info


def test_a_continued_trace_exported_over_otlp_completes(server: str) -> None:
    # The downstream service: it continues the caller's trace and sends only its own spans,
    # with spanscope's OTLP exporter.
    exporter = OtlpTraceExporter(
        f"{server}/v1/traces", headers={"x-spanscope-experiment-name": "downstream"}
    )
    spanscope.tracing.set_exporters([exporter])
    upstream = f"00-{DOWNSTREAM_TRACE}-{'ab' * 8}-01"

    @spanscope.trace(name="handle_order", span_type="AGENT")
    def handle(order: str) -> str:
        with spanscope.start_span("lookup", span_type="RETRIEVER") as lookup:
            lookup.set_outputs("found")
        return f"shipped {order}"

    with spanscope.tracing.continue_trace({"traceparent": upstream}):
        assert handle("A-1") == "shipped A-1"
    assert spanscope.flush(timeout=30)
    experiment = httpx.get(
        f"{server}/api/v1/experiments/by-name", params={"name": "downstream"}
    ).json()
    found = _trace(server, DOWNSTREAM_TRACE)
    by_name = {s["name"]: s for s in found["data"]["spans"]}
    local_root = by_name["handle_order"]
    assert local_root["parent_id"] == "ab" * 8
    assert by_name["lookup"]["parent_id"] == local_root["span_id"]
    start, end = local_root["start_time_ns"], local_root["end_time_ns"]
    info = found["info"]
    assert (info["state"], info["name"]) == ("OK", "handle_order")
    assert info["experiment_id"] == experiment["experiment_id"]
    assert (info["request_time"], info["execution_duration"]) == (start // MS, (end - start) // MS)
    assert info["response_preview"] == "shipped A-1"
    assert (experiment["trace_count"], experiment["last_trace_time"]) == (1, start // MS)
    experiment_id = experiment["experiment_id"]
    assert _search(server, "status = 'OK'", experiment_id) == [DOWNSTREAM_TRACE]
