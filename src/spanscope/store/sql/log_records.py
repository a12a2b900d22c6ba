"""Log records bound to spans (OTLP logs ingest), in SQL: table `span_log_records`.

A record reaches the store before or after its span, whichever comes first:

* `add_log_records` (the `/v1/logs` write) keeps every record, keyed (trace_id, span_id,
  time_ns, idx), and rebuilds the spans already stored from all of their records;
* a span write looks for the records of its spans' traces with one indexed query, usually
  finding none: `with_log_records` applies them before the spans are written
  (`TraceWriter.log_spans`, the OTLP path, so a span is written once), `apply_to_written_spans`
  rebuilds the spans after (`TraceWriter.write_traces`, whose merging of continued traces
  happens in the write).

A span is rebuilt from its own content and *all* its records (`span_with_records`): chat
messages are recomputed from the records rather than appended, and events already on the span
are not added again, so a record or a span written twice changes nothing, and a span sent again
(which replaces the stored one) gets its messages back. Rebuilt spans go through the writer's
merge, so their traces' rows (previews, full text) are derived again. The records stay until
their trace is deleted; those whose span never came are purged after a bound.

A record stored with span id "" belongs to its trace as a whole and is applied to the trace's
root span (the span without a parent; the earliest started, should there be several).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import Connection, select, tuple_

from spanscope.constants import SpanAttributeKey as K
from spanscope.entities.serialization import dumps
from spanscope.entities.span import Span
from spanscope.entities.span_event import SpanEvent
from spanscope.entities.span_type import SpanType
from spanscope.search.stored_text import (
    has_nul_escape,
    replace_unstorable,
    replace_unstorable_deep,
)
from spanscope.store.base import SpanLogRecord
from spanscope.store.sql import rows
from spanscope.store.sql.schema import span_log_records, spans, traces

if TYPE_CHECKING:
    from spanscope.store.sql.writer import TraceWriter

__all__ = [
    "StoredRecord",
    "add_log_records",
    "apply_to_written_spans",
    "with_log_records",
    "delete_log_records",
    "purge_pending",
    "span_with_records",
]

_CHUNK = 500  # ids per IN list
_INPUT = K.GEN_AI_INPUT_MESSAGES
_OUTPUT = K.GEN_AI_OUTPUT_MESSAGES
_MESSAGE_KEYS = frozenset(
    {_INPUT, _OUTPUT, K.GEN_AI_SYSTEM_INSTRUCTIONS, K.GEN_AI_TOOL_DEFINITIONS}
)
_APPENDED = frozenset({_INPUT, _OUTPUT})
_COLUMNS = tuple(c.name for c in span_log_records.columns)
_ROOT = ""  # the span id of records bound to their trace's root span
SpanKey = tuple[str, str]


@dataclass(frozen=True, slots=True)
class StoredRecord:
    """A record as stored (see `spanscope.store.base.SpanLogRecord`)."""

    time_ns: int
    index: int
    kind: str
    name: str
    messages: dict[str, Any]
    complete: bool
    attributes: dict[str, Any]
    root: bool = False  # bound to the trace's root span rather than to this span by id


def add_log_records(
    conn: Connection,
    writer: TraceWriter,
    records: Sequence[SpanLogRecord],
    now_ms: int,
    pending_ttl_ms: int,
) -> None:
    """Keep `records` (those already kept are left as they are) and rebuild the stored spans
    they belong to; in `conn`'s write transaction."""
    purge_pending(conn, now_ms - pending_ttl_ms)
    values = _unique([_row(record, now_ms) for record in records])
    if not values:
        return
    keys = sorted({(v[0], v[1]) for v in values})
    trace_ids = sorted({trace_id for trace_id, _ in keys})
    if writer.dialect == "postgresql":
        # The lock a span write takes for its traces (writer._merge): a span written meanwhile
        # either sees these records, or is seen below.
        from spanscope.store.sql.writer import _PG_TRACE_LOCKS

        conn.exec_driver_sql(_PG_TRACE_LOCKS, (trace_ids,))
    _insert(conn, writer.dialect, values)
    stored = _stored_spans(conn, [key for key in keys if key[1] != _ROOT])
    stored.update(_root_spans(conn, sorted({t for t, s in keys if s == _ROOT})))
    if stored:
        _rebuild(conn, writer, stored, _records_of(conn, stored))


def with_log_records(conn: Connection, spans: Sequence[Span]) -> list[Span] | None:
    """`spans`, about to be written, with their stored log records applied (so that a span
    whose records came first is written once), and those records marked applied; None when no
    span has records. One indexed query over the spans' traces. On PostgreSQL the caller holds
    the traces' locks (see `add_log_records`)."""
    by_key = {(span.trace_id, span.span_id): span for span in spans}
    found = _records_for(conn, by_key)
    if not found:
        return None
    rebuilt = {key: span_with_records(by_key[key], records) for key, records in found.items()}
    _mark_applied(conn, rebuilt)
    return [rebuilt.get((span.trace_id, span.span_id), span) for span in spans]


def apply_to_written_spans(conn: Connection, writer: TraceWriter, written: Iterable[Span]) -> None:
    """Rebuild the spans just written that have log records; at the end of the write's
    transaction. One indexed query over the written traces when none has records."""
    by_key = {(span.trace_id, span.span_id): span for span in written}
    found = _records_for(conn, by_key)
    if found:
        _rebuild(conn, writer, {key: by_key[key] for key in found}, found)


def _records_for(
    conn: Connection, by_key: Mapping[SpanKey, Span]
) -> dict[SpanKey, list[StoredRecord]]:
    """The stored records of these spans: their own, and their trace's for a root span (the
    earliest started of those without a parent)."""
    if not by_key:
        return {}
    roots: dict[str, SpanKey] = {}
    for key, span in sorted(by_key.items(), key=lambda item: item[1].start_time_ns):
        if span.parent_id is None:
            roots.setdefault(span.trace_id, key)
    trace_ids = sorted({trace_id for trace_id, _ in by_key})
    found: dict[SpanKey, list[StoredRecord]] = {}
    table = span_log_records
    for chunk in _chunks(trace_ids):
        stmt = select(table.c.trace_id, table.c.span_id, *_RECORD_COLUMNS).where(
            table.c.trace_id.in_(chunk)
        )
        for row in conn.execute(stmt):
            key = (row[0], row[1])
            if key[1] == _ROOT and row[0] in roots:
                found.setdefault(roots[row[0]], []).append(_record(row[2:], root=True))
            elif key in by_key:
                found.setdefault(key, []).append(_record(row[2:]))
    return found


def purge_pending(conn: Connection, received_before_ms: int) -> int:
    """Delete records whose span has not arrived, received before `received_before_ms`."""
    table = span_log_records
    result = conn.execute(
        table.delete().where(table.c.applied == 0, table.c.received_at < received_before_ms)
    )
    return int(result.rowcount or 0)


def delete_log_records(conn: Connection, trace_ids: Sequence[str]) -> None:
    """Delete the records of deleted traces."""
    table = span_log_records
    for chunk in _chunks(list(trace_ids)):
        conn.execute(table.delete().where(table.c.trace_id.in_(chunk)))


def span_with_records(span: Span, records: Sequence[StoredRecord]) -> Span:
    """`span` with its log records applied; `span` itself when they change nothing.

    Messages: each key's lists, in (time_ns, index) order, appended (input and output messages
    of per-message events) or replaced (a complete record's, system instructions, tool
    definitions), replace the span's attribute. The span's inputs become `{"messages": [...]}`
    (system instructions first) and its outputs the output messages, unless the span has
    inputs / outputs of another shape; a span of unknown type becomes LLM. Events: those not
    on the span yet are added, in time order.
    """
    keyed: dict[tuple[int, bool, int], StoredRecord] = {}
    for record in records:  # one per key, as stored
        keyed.setdefault((record.time_ns, record.root, record.index), record)
    ordered = [keyed[key] for key in sorted(keyed)]
    attrs = dict(span.attributes_json)
    values = _messages(ordered)
    if values:
        _set_messages(span, attrs, values)
    events = _merged_events(span.events, [r for r in ordered if r.kind == "event"])
    if attrs == span.attributes_json and events == span.events:
        return span
    return Span(
        trace_id=span.trace_id,
        span_id=span.span_id,
        parent_id=span.parent_id,
        name=span.name,
        start_time_ns=span.start_time_ns,
        end_time_ns=span.end_time_ns,
        status=span.status,
        attributes_json=attrs,
        events=events,
    )


def _messages(ordered: Sequence[StoredRecord]) -> dict[str, list[Any]]:
    values: dict[str, list[Any]] = {}
    for record in ordered:
        if record.kind != "messages":
            continue
        for key, items in record.messages.items():
            if key not in _MESSAGE_KEYS or not isinstance(items, list):
                continue
            if key in _APPENDED and not record.complete:
                values.setdefault(key, []).extend(items)
            else:
                values[key] = list(items)
    return values


def _set_messages(span: Span, attrs: dict[str, str], values: Mapping[str, list[Any]]) -> None:
    for key, value in values.items():
        attrs[key] = dumps(value)
    instructions_key = K.GEN_AI_SYSTEM_INSTRUCTIONS
    if (_INPUT in values or instructions_key in values) and _replaceable_inputs(span.inputs):
        found = values[_INPUT] if _INPUT in values else span.get_attribute(_INPUT)
        messages = list(found) if isinstance(found, list) else []
        instructions = values.get(instructions_key, span.get_attribute(instructions_key))
        if isinstance(instructions, list) and instructions:
            messages.insert(0, {"role": "system", "parts": instructions})
        attrs[K.INPUTS] = dumps({"messages": messages})
    if _OUTPUT in values:
        if _replaceable_outputs(span.outputs):
            attrs[K.OUTPUTS] = dumps(values[_OUTPUT])
        if K.GEN_AI_FINISH_REASONS not in attrs:
            reasons = [
                m["finish_reason"]
                for m in values[_OUTPUT]
                if isinstance(m, Mapping) and m.get("finish_reason")
            ]
            if reasons:
                attrs[K.GEN_AI_FINISH_REASONS] = dumps(reasons)
    if (_INPUT in values or _OUTPUT in values) and span.span_type == SpanType.UNKNOWN:
        attrs[K.SPAN_TYPE] = dumps(SpanType.LLM)


def _replaceable_inputs(inputs: Any) -> bool:
    """None, or the chat shape GenAI mapping gives a span's inputs."""
    return inputs is None or (isinstance(inputs, Mapping) and set(inputs) == {"messages"})


def _replaceable_outputs(outputs: Any) -> bool:
    """None, or a list of chat messages (what GenAI mapping gives a span's outputs)."""
    if outputs is None:
        return True
    return isinstance(outputs, list) and all(
        isinstance(m, Mapping) and "role" in m and "parts" in m for m in outputs
    )


def _merged_events(existing: list[SpanEvent], records: Sequence[StoredRecord]) -> list[SpanEvent]:
    missing: list[SpanEvent] = []
    for record in records:
        event = SpanEvent(record.name, record.time_ns, dict(record.attributes))
        if event not in existing and event not in missing:
            missing.append(event)
    if not missing:
        return existing
    return sorted([*existing, *missing], key=lambda e: e.timestamp_ns)


def _rebuild(
    conn: Connection,
    writer: TraceWriter,
    stored: Mapping[SpanKey, Span],
    records: Mapping[SpanKey, list[StoredRecord]],
) -> None:
    """Rebuild `stored` spans from their records; write those that changed (re-deriving their
    traces' rows), and mark the records applied."""
    changed = []
    for key, span in stored.items():
        rebuilt = span_with_records(span, records.get(key, []))
        if rebuilt is not span:
            changed.append(rebuilt)
    if changed:
        experiments = _experiments(conn, sorted({s.trace_id for s in changed}))
        by_experiment: dict[str, list[Span]] = {}
        for span in changed:
            by_experiment.setdefault(experiments.get(span.trace_id, "0"), []).append(span)
        for experiment_id, group in by_experiment.items():
            span_rows = [rows.span_values(s) for s in group]
            writer._merge(conn, experiment_id, group, span_rows, {}, {})
    _mark_applied(conn, stored)


def _mark_applied(conn: Connection, spans: Mapping[SpanKey, Span]) -> None:
    """Mark the records of `spans` applied (and their trace's, for a root span)."""
    keys = [*spans, *((s.trace_id, _ROOT) for s in spans.values() if s.parent_id is None)]
    table = span_log_records
    for chunk in _key_chunks(keys):
        # By key, one statement per chunk: the primary key finds the rows (an `applied = 0`
        # condition could lead the planner to the pending-records index instead).
        conn.execute(
            table.update()
            .where(tuple_(table.c.trace_id, table.c.span_id).in_(chunk))
            .values(applied=1)
        )


def _experiments(conn: Connection, trace_ids: list[str]) -> dict[str, str]:
    found = {}
    for chunk in _chunks(trace_ids):
        stmt = select(traces.c.trace_id, traces.c.experiment_id).where(traces.c.trace_id.in_(chunk))
        found.update({trace_id: str(experiment) for trace_id, experiment in conn.execute(stmt)})
    return found


def _stored_spans(conn: Connection, keys: list[SpanKey]) -> dict[SpanKey, Span]:
    found = {}
    for chunk in _key_chunks(keys):
        stmt = select(spans.c.trace_id, spans.c.span_id, spans.c.content).where(
            tuple_(spans.c.trace_id, spans.c.span_id).in_(chunk)
        )
        for trace_id, span_id, content in conn.execute(stmt):
            found[trace_id, span_id] = Span.from_stored(content)
    return found


def _root_spans(conn: Connection, trace_ids: list[str]) -> dict[SpanKey, Span]:
    """The stored root span of each trace (without a parent; the earliest, if several)."""
    rows: dict[str, tuple[int, str, str]] = {}
    for chunk in _chunks(trace_ids):
        stmt = select(
            spans.c.trace_id, spans.c.start_time_ns, spans.c.span_id, spans.c.content
        ).where(spans.c.trace_id.in_(chunk), spans.c.parent_id.is_(None))
        for trace_id, start, span_id, content in conn.execute(stmt):
            candidate = (int(start), span_id, content)
            if trace_id not in rows or candidate[:2] < rows[trace_id][:2]:
                rows[trace_id] = candidate
    return {
        (trace_id, span_id): Span.from_stored(content)
        for trace_id, (_, span_id, content) in rows.items()
    }


def _records_of(
    conn: Connection, stored: Mapping[SpanKey, Span]
) -> dict[SpanKey, list[StoredRecord]]:
    """The records of `stored` spans: their own, and their trace's for a root span."""
    found: dict[SpanKey, list[StoredRecord]] = {}
    roots = {s.trace_id: key for key, s in stored.items() if s.parent_id is None}
    keys = [*stored, *((trace_id, _ROOT) for trace_id in roots)]
    table = span_log_records
    for chunk in _key_chunks(keys):
        stmt = select(table.c.trace_id, table.c.span_id, *_RECORD_COLUMNS).where(
            tuple_(table.c.trace_id, table.c.span_id).in_(chunk)
        )
        for row in conn.execute(stmt):
            if row[1] == _ROOT:
                found.setdefault(roots[row[0]], []).append(_record(row[2:], root=True))
            else:
                found.setdefault((row[0], row[1]), []).append(_record(row[2:]))
    return found


_RECORD_COLUMNS = (span_log_records.c.time_ns, span_log_records.c.idx, span_log_records.c.content)


def _record(row: Sequence[Any], root: bool = False) -> StoredRecord:
    time_ns, index, content = row
    data = orjson.loads(content)
    return StoredRecord(
        int(time_ns),
        int(index),
        str(data.get("kind")),
        str(data.get("name") or ""),
        dict(data.get("messages") or {}),
        bool(data.get("complete")),
        dict(data.get("attributes") or {}),
        root,
    )


def _row(record: SpanLogRecord, now_ms: int) -> tuple[Any, ...]:
    """The table row of a record; its text as the store keeps text (no U+0000, no lone
    surrogates: see spanscope.search.stored_text), so the spans rebuilt from it are storable."""
    content = {
        "kind": record.kind,
        "name": record.name,
        "messages": dict(record.messages),
        "complete": record.complete,
        "attributes": dict(record.attributes),
    }
    try:  # nearly always clean: check the JSON text rather than walk the record
        text = orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)
        if has_nul_escape(text.decode()):
            raise TypeError("U+0000")
    except TypeError:  # orjson refuses lone surrogates
        text = orjson.dumps(replace_unstorable_deep(content), option=orjson.OPT_NON_STR_KEYS)
    return (
        replace_unstorable(record.trace_id),
        replace_unstorable(record.span_id),
        record.time_ns,
        record.index,
        now_ms,
        0,
        text.decode(),
    )


def _insert(conn: Connection, dialect: str, values: list[tuple[Any, ...]]) -> None:
    columns = ", ".join(f'"{c}"' for c in _COLUMNS)
    mark = "?" if dialect == "sqlite" else "%s"
    marks = ", ".join([mark] * len(_COLUMNS))
    conn.exec_driver_sql(
        f"INSERT INTO {span_log_records.name} ({columns}) VALUES ({marks}) "
        "ON CONFLICT (trace_id, span_id, time_ns, idx) DO NOTHING",
        values,
    )


def _unique(values: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """One row per key, the first kept (as the insert keeps the first one stored)."""
    keyed: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    for value in values:
        keyed.setdefault(value[:4], value)
    return list(keyed.values())


def _chunks(items: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def _key_chunks(keys: list[SpanKey]) -> Iterable[list[SpanKey]]:
    for start in range(0, len(keys), _CHUNK):
        yield keys[start : start + _CHUNK]
