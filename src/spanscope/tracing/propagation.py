"""W3C trace context: continue a trace across processes through `traceparent` headers."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, MutableMapping
from contextlib import contextmanager

from spanscope.constants import TRACEPARENT_HEADER
from spanscope.safety import warn_once
from spanscope.tracing.context import CURRENT_SPAN, RemoteParent
from spanscope.tracing.live_span import LiveSpan

__all__ = ["continue_trace", "format_traceparent", "inject_trace_headers", "parse_traceparent"]

_TRACEPARENT = re.compile(r"^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$")


def format_traceparent(trace_id: str, span_id: str, sampled: bool = True) -> str:
    return f"00-{trace_id}-{span_id}-{'01' if sampled else '00'}"


def parse_traceparent(value: str) -> RemoteParent | None:
    """The remote parent a `traceparent` value names, or None if it is not valid W3C."""
    match = _TRACEPARENT.match(value.strip().lower())
    if match is None:
        return None
    version, trace_id, span_id, flags, rest = match.groups()
    if version == "ff" or (version == "00" and rest):
        return None
    if trace_id == "0" * 32 or span_id == "0" * 16:
        return None
    return RemoteParent(trace_id, span_id, sampled=bool(int(flags, 16) & 1))


def inject_trace_headers(
    headers: MutableMapping[str, str] | None = None,
) -> MutableMapping[str, str]:
    """Add `traceparent` for the current span to `headers` (a new dict if None) and return it."""
    out: MutableMapping[str, str] = {} if headers is None else headers
    current = CURRENT_SPAN.get()
    if isinstance(current, LiveSpan):
        out[TRACEPARENT_HEADER] = format_traceparent(current.trace_id, current.span_id)
    return out


@contextmanager
def continue_trace(headers: Mapping[str, str]) -> Iterator[RemoteParent | None]:
    """Spans started in the block continue the trace named by the headers' `traceparent`.

    Headers are matched case-insensitively. Missing or malformed headers start a new trace as
    usual (a malformed one is logged once).
    """
    value = next((v for k, v in headers.items() if k.lower() == TRACEPARENT_HEADER), None)
    remote = parse_traceparent(value) if isinstance(value, str) else None
    if value is not None and remote is None:
        warn_once(
            "bad-traceparent",
            f"spanscope: ignored malformed traceparent header {value!r}; expected "
            "'00-<32 hex trace id>-<16 hex span id>-<2 hex flags>'",
        )
    if remote is None:
        yield None
        return
    token = CURRENT_SPAN.set(remote)
    try:
        yield remote
    finally:
        CURRENT_SPAN.reset(token)
