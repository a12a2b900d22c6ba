"""Test helpers: an OTLP capture server on 127.0.0.1 and hand-built OTLP requests."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from spanscope.otel.values import ExportTraceServiceRequest, fill_attributes

TRACE_ID = "0af7651916cd43dd8448eb211c80319c"
ROOT_ID = "b7ad6b7169203331"
CHILD_ID = "00f067aa0ba902b7"

# A chat with one tool round trip, in spanscope's message shape, as the mappers of every
# source must give it: the prompt (a span's inputs' "messages") and the answer (its outputs).
WEATHER_CALL = {
    "type": "tool_call",
    "id": "call_1",
    "name": "weather",
    "arguments": {"city": "Paris"},
}
WEATHER_PROMPT = [
    {"role": "system", "parts": [{"type": "text", "content": "Be brief."}]},
    {"role": "user", "parts": [{"type": "text", "content": "Weather in Paris?"}]},
    {"role": "assistant", "parts": [WEATHER_CALL]},
    {"role": "tool", "parts": [{"type": "tool_call_response", "id": "call_1", "response": "rain"}]},
]
WEATHER_ANSWER = [
    {
        "role": "assistant",
        "parts": [{"type": "text", "content": "It rains."}],
        "finish_reason": "stop",
    }
]
T0 = 1_700_000_000_000_000_000


@dataclass
class Captured:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float


@dataclass
class CaptureServer:
    """Records every POST; answers with the scripted (status, headers) replies, then 200."""

    url: str
    replies: list[tuple[int, dict[str, str], bytes]] = field(default_factory=list)
    requests: list[Captured] = field(default_factory=list)


@contextmanager
def capture_server(
    replies: Sequence[tuple[int, Mapping[str, str]] | tuple[int, Mapping[str, str], bytes]] = (),
    repeat_last: bool = False,
) -> Iterator[CaptureServer]:
    """A capture server answering (status, headers[, body]) in turn; then 200, or with
    `repeat_last` the last scripted reply forever."""
    scripted = [(r[0], dict(r[1]), r[2] if len(r) == 3 else b"") for r in replies]
    state = CaptureServer(url="", replies=scripted)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            with lock:
                state.requests.append(
                    Captured(
                        self.path,
                        {k.lower(): v for k, v in self.headers.items()},
                        body,
                        time.monotonic(),
                    )
                )
                if state.replies and (len(state.replies) > 1 or not repeat_last):
                    status, headers, payload = state.replies.pop(0)
                elif state.replies:
                    status, headers, payload = state.replies[0]
                else:
                    status, headers, payload = 200, {}, b""
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep test output clean

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/v1/traces"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def proto_request(
    *spans: Mapping[str, Any],
    resource: Mapping[str, Any] | None = None,
    scope: str = "",
) -> ExportTraceServiceRequest:
    """A request of hand-described spans: name, attributes, events, parent, kind, status."""
    request = ExportTraceServiceRequest()
    resource_spans = request.resource_spans.add()
    fill_attributes(resource_spans.resource.attributes, resource or {"service.name": "app"})
    scope_spans = resource_spans.scope_spans.add()
    scope_spans.scope.name = scope
    for index, spec in enumerate(spans):
        span = scope_spans.spans.add()
        span.trace_id = bytes.fromhex(spec.get("trace_id", TRACE_ID))
        span.span_id = bytes.fromhex(spec.get("span_id", ROOT_ID if index == 0 else CHILD_ID))
        if spec.get("parent_id"):
            span.parent_span_id = bytes.fromhex(spec["parent_id"])
        span.name = spec.get("name", "span")
        span.kind = spec.get("kind", 1)
        span.start_time_unix_nano = spec.get("start", T0)
        span.end_time_unix_nano = spec.get("end", T0 + 1_000)
        fill_attributes(span.attributes, spec.get("attributes", {}))
        for name, offset, attributes in spec.get("events", ()):
            event = span.events.add()
            event.name = name
            event.time_unix_nano = T0 + offset
            fill_attributes(event.attributes, attributes)
        code, message = spec.get("status", (0, ""))
        span.status.code = code
        span.status.message = message
    return request


def expected_span(**fields: Any) -> dict[str, Any]:
    """The to_dict() of a span from `proto_request` defaults, with `fields` overriding."""
    base: dict[str, Any] = {
        "trace_id": TRACE_ID,
        "span_id": ROOT_ID,
        "parent_id": None,
        "name": "span",
        "span_type": "UNKNOWN",
        "start_time_ns": T0,
        "end_time_ns": T0 + 1_000,
        "status": {"code": "UNSET", "message": ""},
        "inputs": None,
        "outputs": None,
        "attributes": {},
        "events": [],
    }
    base.update(fields)
    return base
