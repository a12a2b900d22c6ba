"""Helpers of the bad-input tests: the live server under test, and bodies to send it."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

import httpx

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


def _otlp_json(**span: Any) -> dict[str, Any]:
    base = {
        "traceId": TRACE_ID,
        "spanId": "0123456789abcdef",
        "name": "op",
        "startTimeUnixNano": "1",
        "endTimeUnixNano": "2",
    }
    return {"resourceSpans": [{"scopeSpans": [{"spans": [{**base, **span}]}]}]}
