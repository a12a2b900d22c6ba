"""Starting spans: new traces (sampling decided once, here) and children of the current span."""

from __future__ import annotations

import contextlib
import random
import time
from collections.abc import Mapping
from typing import Any

from spanscope.constants import ENV_EXPERIMENT_NAME, SpanAttributeKey
from spanscope.entities.serialization import dumps
from spanscope.safety import logger
from spanscope.tracing.context import CURRENT_SPAN, ROOT_OBSERVER, RemoteParent
from spanscope.tracing.export.queue import ensure_queue
from spanscope.tracing.live_span import NOOP_SPAN, LiveSpan, NoOpSpan
from spanscope.tracing.state import STATE
from spanscope.tracing.trace_buffer import TraceBuffer

__all__ = [
    "current_experiment_id",
    "encode_attributes",
    "new_span_id",
    "new_trace_id",
    "start_span",
]

_getrandbits = random.getrandbits
_time_ns = time.time_ns
_type_json: dict[str, str] = {}


_MS_BITS = 48  # 48 bits of milliseconds last until the year 10889


def new_trace_id(time_ns: float | None = None) -> str:
    """A new trace id: 32 hex digits, the first 12 the milliseconds since the epoch of
    `time_ns` (default now), the last 20 random (80 bits).

    Time first, as UUIDv7 and AWS X-Ray ids do, so that a store's indexes keyed by trace id
    (the primary keys, and the tie-breaker of every sort) take new traces near their end
    instead of at random places: SQLite's time per trace then stays flat as the database grows
    (random ids: twice as long at 40,000 traces) with a quarter of the page cache. Still a
    valid W3C trace id, whose level 2 asks only the rightmost 7 bytes to be random."""
    ms = -1
    if time_ns is None:
        ms = _time_ns() // 1_000_000
    elif type(time_ns) is int:
        ms = time_ns // 1_000_000
    else:  # a start time given as a float (time.time() * 1e9), or not a number at all
        with contextlib.suppress(TypeError, ValueError, OverflowError):
            ms = int(time_ns) // 1_000_000
    if not 0 <= ms < 1 << _MS_BITS:  # out of range: named by now
        ms = _time_ns() // 1_000_000
    return f"{ms:012x}{_getrandbits(80) or 1:020x}"


def new_span_id() -> str:
    return f"{_getrandbits(64) or 1:016x}"


def encode_attributes(span_type: str, attributes: Mapping[str, Any] | None) -> dict[str, str]:
    """The JSON-encoded attributes a new span starts with (type first)."""
    type_json = _type_json.get(span_type)
    if type_json is None:
        type_json = _type_json.setdefault(span_type, dumps(span_type))
    encoded = {SpanAttributeKey.SPAN_TYPE: type_json}
    if attributes:
        for key, value in attributes.items():
            encoded[str(key)] = dumps(value)
    return encoded


def start_span(
    name: str,
    attributes_json: dict[str, str],
    parent: LiveSpan | NoOpSpan | RemoteParent | bool | None = True,
    start_time_ns: int | None = None,
) -> LiveSpan | NoOpSpan:
    """Start a span under `parent` (True: the current span; None: a new trace).

    `attributes_json` becomes the span's own attribute dict; pass a fresh one.
    """
    if parent is True:
        parent = CURRENT_SPAN.get()
        if isinstance(parent, LiveSpan) and parent._buffer.closed:
            # Left current by work that ended in another context: its trace is exported.
            parent = None
    start = start_time_ns if start_time_ns is not None else _time_ns()
    if isinstance(parent, LiveSpan):
        return LiveSpan(
            parent._buffer, new_span_id(), parent._span_id, name, start, attributes_json
        )
    if parent is None or parent is False:
        return _start_trace(name, attributes_json, start, None)
    if isinstance(parent, RemoteParent):
        return _start_trace(name, attributes_json, start, parent)
    return NOOP_SPAN


def _start_trace(
    name: str, attributes_json: dict[str, str], start: int, remote: RemoteParent | None
) -> LiveSpan | NoOpSpan:
    state = STATE
    if state.experiment_name_pending is not None:
        _use_experiment_named_in_env()
    config = state.config
    if remote is not None and not remote.sampled:
        return _sampled_out()
    if config.sampling_ratio < 1.0 and random.random() >= config.sampling_ratio:
        return _sampled_out()
    trace_id = remote.trace_id if remote is not None else new_trace_id(start)
    buffer = TraceBuffer(trace_id, state.experiment_id, config.max_value_bytes)
    parent_id = remote.span_id if remote is not None else None
    span = LiveSpan(buffer, new_span_id(), parent_id, name, start, attributes_json)
    buffer.root = span
    state.in_flight[trace_id] = buffer
    if state.queue is None and config.live_interval_s:
        ensure_queue()  # its thread sends the parts of running traces (live traces)
    observer = ROOT_OBSERVER.get()
    if observer is not None:
        observer(span)
    return span


def current_experiment_id() -> str:
    """The experiment new traces go to (SPANSCOPE_EXPERIMENT_NAME made current first, if set)."""
    if STATE.experiment_name_pending is not None:
        _use_experiment_named_in_env()
    return STATE.experiment_id


def _use_experiment_named_in_env() -> None:
    """Once, at the first trace: make SPANSCOPE_EXPERIMENT_NAME current (created if new)."""
    with STATE.lock:
        name, STATE.experiment_name_pending = STATE.experiment_name_pending, None
    if name is None:
        return
    from spanscope.tracing.store_fluent import set_experiment  # the store is not needed until now

    try:
        set_experiment(experiment_name=name)
    except Exception as exc:
        logger.warning(
            "spanscope: %s=%r could not be used (%s: %s); traces go to experiment %s",
            ENV_EXPERIMENT_NAME,
            name,
            type(exc).__name__,
            exc,
            STATE.experiment_id,
        )


def _sampled_out() -> NoOpSpan:
    with STATE.lock:
        STATE.traces_sampled_out += 1
    return NOOP_SPAN
