"""The write path of SqlTraceStore: whole traces, spans arriving piecemeal, deletes.

Speed matters here (every traced call ends up in it), so rows are built before the transaction
opens (SQLite's write lock is held for the SQL only), go to the DB-API's executemany as tuples
(no SQLAlchemy compilation per row; psycopg pipelines them), a new trace's row is derived from
the spans in memory, and the stored spans are read back only for traces stored before. Every
statement is keyed, so writing the same spans again changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, Table, select

from spanscope.entities.derivation import trace_model
from spanscope.entities.span import Span
from spanscope.entities.trace import Trace, TraceData
from spanscope.entities.trace_info import TraceInfo, TraceState
from spanscope.exceptions import NotFoundError
from spanscope.pricing import price_spans
from spanscope.search import trace_text_fields
from spanscope.store import merge
from spanscope.store.sql import rows
from spanscope.store.sql.engine import write_transaction
from spanscope.store.sql.fulltext import join_texts, stored_trace_texts
from spanscope.store.sql.log_records import apply_to_written_spans, with_log_records
from spanscope.store.sql.schema import (
    TEXT_TABLE,
    assessments,
    experiments,
    spans,
    trace_metadata,
    trace_tags,
    traces,
)

__all__ = ["TraceWriter", "delete_trace_rows", "load_spans"]

_CHUNK = 500  # ids per IN list
_KEYS = {spans.name: ("trace_id", "span_id"), traces.name: ("trace_id",)}
Row = tuple[Any, ...]


class TraceWriter:
    """Writes traces and spans into a store's tables, one transaction per call."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name

    def write_traces(self, batch: Sequence[Trace]) -> None:
        """Store whole traces; a trace continued from another process is merged with what is
        stored of it (its local root has a remote parent), and so is a whole trace whose
        continuation was stored first."""
        batch = [merge.priced(t) for t in batch]
        whole, continued = merge.split_batch(batch)
        span_rows = _unique([rows.span_values(s) for t in whole.values() for s in t.data.spans])
        trace_rows = [rows.trace_values(t.info, trace_model(t.data.spans)) for t in whole.values()]
        sqlite = self.dialect == "sqlite"  # PostgreSQL indexes the stored columns themselves
        texts = {i: join_texts(trace_text_fields(t)) for i, t in whole.items()} if sqlite else {}
        infos = [t.info for t in whole.values()]
        merges = []
        for experiment_id, group in continued.items():
            merged, extras = merge.continued_spans(group)
            merges.append(
                (experiment_id, merged, _unique(list(map(rows.span_values, merged))), extras)
            )
        with write_transaction(self.engine) as conn:
            _require_experiments(conn, {t.info.experiment_id for t in batch})
            trace_ids = sorted({t.info.trace_id for t in batch})
            self._lock_traces(conn, trace_ids)
            owners = self._owners(conn, trace_ids)
            # A trace stays in its experiment: a batch moving one is refused as a whole.
            merge.check_experiments(
                ((t.info.trace_id, _experiment_key(t.info.experiment_id)) for t in batch), owners
            )
            stored = {i for i in whole if i in owners}
            partial = self._partial(conn, stored, whole) if stored else set()
            # A part of a running trace merges with what is stored, even if it holds all of it.
            partial |= {i for i in stored if whole[i].info.state is TraceState.IN_PROGRESS}
            if partial:  # rare: their rows were built for a plain write, merged instead
                _, span_rows = _split(span_rows, partial)
                _, trace_rows = _split(trace_rows, partial)
                infos = [i for i in infos if i.trace_id not in partial]
                texts = {i: t for i, t in texts.items() if i not in partial}
                stored -= partial
                for experiment_id, group in merge.group_by_experiment(
                    whole[i] for i in sorted(partial)
                ).items():
                    merged, extras = merge.continued_spans(group)
                    merges.append(
                        (
                            experiment_id,
                            merged,
                            _unique(list(map(rows.span_values, merged))),
                            extras,
                        )
                    )
            old = stored_trace_texts(conn, sorted(stored)) if sqlite else {}
            self._write_rows(conn, stored, span_rows, trace_rows, infos, texts, old)
            for experiment_id, merged, merged_rows, extras in merges:
                self._merge(conn, experiment_id, merged, merged_rows, extras, {})
            apply_to_written_spans(conn, self, (s for t in batch for s in t.data.spans))

    def log_spans(
        self,
        experiment_id: str,
        new_spans: Sequence[Span],
        extra_metadata: Mapping[str, Mapping[str, str]],
    ) -> None:
        """Store spans of any traces, deriving each trace's row from all its stored spans."""
        new_spans = price_spans(new_spans)
        span_rows = _unique([rows.span_values(s) for s in new_spans])
        with write_transaction(self.engine) as conn:
            _require_experiments(conn, {str(experiment_id)})
            # The traces' locks before the log records are read (see _lock_traces).
            self._lock_traces(conn, sorted({s.trace_id for s in new_spans}))
            # Log records that came before their spans: applied now, so each is written once.
            with_records = with_log_records(conn, new_spans)
            if with_records is not None:
                new_spans = with_records
                span_rows = _unique([rows.span_values(s) for s in new_spans])
            self._merge(conn, str(experiment_id), new_spans, span_rows, {}, extra_metadata)

    def _merge(
        self,
        conn: Connection,
        experiment_id: str,
        new_spans: Sequence[Span],
        span_rows: list[Row],
        extras: Mapping[str, TraceInfo],
        extra_metadata: Mapping[str, Mapping[str, str]],
    ) -> None:
        trace_ids = sorted({s.trace_id for s in new_spans})
        self._lock_traces(conn, trace_ids)
        previous = self._previous_infos(conn, trace_ids)
        # Spans of a trace stored in another experiment are refused, before anything is written.
        merge.check_experiments(
            ((i, _experiment_key(experiment_id)) for i in trace_ids),
            {i: _experiment_key(p.experiment_id) for i, p in previous.items()},
        )
        # Traces stored before: derive from all their spans (the new ones written first).
        # New traces: every span they have is in this batch.
        by_trace: dict[str, list[Span]] = {}
        sqlite = self.dialect == "sqlite"
        # SQLite: a stored trace's index entry goes with the text it was indexed with, derived
        # from its rows before they change (store/sql/fulltext.py).
        old = stored_trace_texts(conn, list(previous)) if sqlite else {}
        if previous:
            written, span_rows = _split(span_rows, set(previous))
            self._upsert(conn, spans, written)
            by_trace = load_spans(conn, list(previous))
        merge.add_new_spans(by_trace, new_spans, previous)
        infos = [
            merge.derive_trace_info(
                experiment_id,
                trace_id,
                by_trace.get(trace_id, []),
                previous.get(trace_id),
                extras.get(trace_id),
                extra_metadata.get(trace_id),
            )
            for trace_id in trace_ids
        ]
        texts = {
            i.trace_id: join_texts(
                trace_text_fields(Trace(i, TraceData(by_trace.get(i.trace_id, []))))
            )
            for i in infos
            if sqlite
        }
        trace_rows = [
            rows.trace_values(i, trace_model(by_trace.get(i.trace_id, []))) for i in infos
        ]
        self._write_rows(conn, set(previous), span_rows, trace_rows, infos, texts, old)

    def _write_rows(
        self,
        conn: Connection,
        stored: set[str],
        span_rows: list[Row],
        trace_rows: list[Row],
        infos: list[TraceInfo],
        texts: Mapping[str, str | None],
        old: Mapping[int, str],
    ) -> None:
        """Every row of the traces `infos`; `stored` are those that had rows before, `old`
        their index entries (SQLite; `texts` the new ones)."""
        fresh = {i.trace_id for i in infos if i.trace_id not in stored}
        if self.dialect == "postgresql" and fresh:
            new_spans, span_rows = _split(span_rows, fresh)
            new_traces, trace_rows = _split(trace_rows, fresh)
            new_infos = [i for i in infos if i.trace_id in fresh]
            if self._copy_new(conn, new_spans, new_traces, new_infos):
                infos = [i for i in infos if i.trace_id not in fresh]
            else:  # another writer stored some meanwhile: keyed writes, replacing theirs
                span_rows, trace_rows = new_spans + span_rows, new_traces + trace_rows
                stored = stored | fresh
        self._upsert(conn, spans, span_rows)
        self._upsert(conn, traces, trace_rows)
        self._replace_key_values(conn, stored, infos)
        if self.dialect == "sqlite":
            _write_text(conn, old, texts)

    def _copy_new(
        self,
        conn: Connection,
        span_rows: list[Row],
        trace_rows: list[Row],
        infos: list[TraceInfo],
    ) -> bool:
        """PostgreSQL, traces not stored before: COPY every row (about twice as fast as keyed
        inserts). False, with nothing written, if another writer stored one meanwhile."""
        import psycopg

        try:
            with conn.begin_nested():
                cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
                for table, values in (
                    (spans, span_rows),
                    (traces, trace_rows),
                    (trace_tags, _key_values(infos, "tags")),
                    (trace_metadata, _key_values(infos, "metadata")),
                ):
                    _copy(cursor, table.name, [c.name for c in table.columns], values)
        except psycopg.IntegrityError:
            return False
        return True

    def lock_traces(self, conn: Connection, trace_ids: list[str]) -> None:
        """Lock the traces for the rest of the transaction (see `_lock_traces`)."""
        self._lock_traces(conn, trace_ids)

    def _lock_traces(self, conn: Connection, trace_ids: list[str]) -> None:
        """PostgreSQL: lock each trace until the transaction ends. Two servers writing spans
        of one trace at once would each derive the trace row from what it alone sees, or both
        find it new (and store it in two experiments); with a lock per trace the second waits,
        then reads what the first stored. Taken in one global order, so never a deadlock; a
        transaction takes them all at once before it reads (taking one again is free)."""
        if self.dialect == "postgresql" and trace_ids:
            conn.exec_driver_sql(_PG_TRACE_LOCKS, (trace_ids,))

    def _previous_infos(self, conn: Connection, trace_ids: list[str]) -> dict[str, TraceInfo]:
        found: dict[str, TraceInfo] = {}
        for chunk in _chunks(trace_ids):
            for row in conn.execute(select(traces).where(traces.c.trace_id.in_(chunk))):
                found[row.trace_id] = rows.info_from_row(row._mapping)
        return found

    def _partial(self, conn: Connection, stored: set[str], whole: Mapping[str, Trace]) -> set[str]:
        """Which `stored` traces have spans this batch lacks (their continuation, stored
        first): they are merged, not replaced."""
        span_ids: dict[str, set[str]] = {}
        for chunk in _chunks(sorted(stored)):
            stmt = select(spans.c.trace_id, spans.c.span_id).where(spans.c.trace_id.in_(chunk))
            for trace_id, span_id in conn.execute(stmt):
                span_ids.setdefault(trace_id, set()).add(span_id)
        return {i for i in stored if not merge.covers(whole[i], span_ids.get(i, set()))}

    def _owners(self, conn: Connection, trace_ids: list[str]) -> dict[str, str]:
        """The experiment of each of `trace_ids` that has a trace row (an indexed lookup)."""
        found: dict[str, str] = {}
        for chunk in _chunks(trace_ids):
            stmt = select(traces.c.trace_id, traces.c.experiment_id).where(
                traces.c.trace_id.in_(chunk)
            )
            found.update((i, _experiment_key(e)) for i, e in conn.execute(stmt))
        return found

    def _upsert(self, conn: Connection, table: Table, values: list[Row]) -> None:
        keys = _KEYS[table.name]
        columns = [c.name for c in table.columns]
        updates = ", ".join(f'"{c}" = excluded."{c}"' for c in columns if c not in keys)
        conflict = f" ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}"
        if table is spans:
            # A snapshot of a running span (a live part arriving late, or replayed) never
            # replaces the span stored ended.
            conflict += (
                f' WHERE excluded."end_time_ns" IS NOT NULL OR {table.name}."end_time_ns" IS NULL'
            )
        self._insert(conn, table, values, conflict)

    def _insert(self, conn: Connection, table: Table, values: list[Row], suffix: str = "") -> None:
        if not values:
            return
        columns = ", ".join(f'"{c.name}"' for c in table.columns)
        head = f"INSERT INTO {table.name} ({columns}) VALUES "
        mark = "?" if self.dialect == "sqlite" else "%s"
        marks = "(" + ", ".join([mark] * len(table.columns)) + ")"
        # executemany: SQLite steps one prepared statement; psycopg pipelines the rows, which
        # measured twice as fast as multi-row VALUES on PostgreSQL.
        conn.exec_driver_sql(head + marks + suffix, values)

    def _replace_key_values(
        self, conn: Connection, stored: set[str], infos: list[TraceInfo]
    ) -> None:
        """Tags and metadata rows of `infos`; only traces stored before have old rows to drop."""
        old = [i.trace_id for i in infos if i.trace_id in stored]
        for table, attribute in ((trace_tags, "tags"), (trace_metadata, "metadata")):
            for chunk in _chunks(old):
                conn.execute(table.delete().where(table.c.trace_id.in_(chunk)))
            self._insert(conn, table, _key_values(infos, attribute))


_PG_TRACE_LOCKS = (
    "SELECT count(pg_advisory_xact_lock(k)) FROM "
    "(SELECT hashtextextended(t, 0) AS k FROM unnest(%s::text[]) AS t ORDER BY 1) AS keys"
)
_INDEX_WRITE = (
    f"INSERT INTO {TEXT_TABLE} (rowid, content) SELECT rowid, ? FROM traces WHERE trace_id = ?"
)
_INDEX_REMOVE = f"INSERT INTO {TEXT_TABLE} ({TEXT_TABLE}, rowid, content) VALUES ('delete', ?, ?)"


def _write_text(conn: Connection, old: Mapping[int, str], texts: Mapping[str, str | None]) -> None:
    """SQLite: the index entries of traces stored before go (with the text they were indexed
    with), then each trace with text is indexed under its trace row's rowid."""
    if old:
        conn.exec_driver_sql(_INDEX_REMOVE, list(old.items()))
    present = [(content, i) for i, content in texts.items() if content is not None]
    if present:
        conn.exec_driver_sql(_INDEX_WRITE, present)


def delete_trace_rows(conn: Connection, dialect: str, trace_ids: Sequence[str]) -> None:
    """Delete traces with their spans, tags, metadata and full-text index entries."""
    for chunk in _chunks(list(trace_ids)):
        if dialect == "sqlite":  # first: the entries go with the text the rows hold
            _write_text(conn, stored_trace_texts(conn, chunk), {})
        for table in (spans, trace_tags, trace_metadata, assessments, traces):
            conn.execute(table.delete().where(table.c.trace_id.in_(chunk)))


def load_spans(conn: Connection, trace_ids: Sequence[str]) -> dict[str, list[Span]]:
    """The stored spans of each trace, ordered by start time."""
    found: dict[str, list[Span]] = {}
    for chunk in _chunks(list(trace_ids)):
        stmt = (
            select(spans.c.trace_id, spans.c.content)
            .where(spans.c.trace_id.in_(chunk))
            .order_by(spans.c.trace_id, spans.c.start_time_ns, spans.c.span_id)
        )
        for trace_id, content in conn.execute(stmt):
            found.setdefault(trace_id, []).append(Span.from_stored(content))
    return found


def _experiment_key(experiment_id: str | int) -> str:
    """An experiment id as the stored number writes it ("07" and "7" are one experiment)."""
    return str(rows.experiment_number(str(experiment_id)))


def _require_experiments(conn: Connection, experiment_ids: set[str]) -> None:
    numbers = {rows.experiment_number(e) for e in experiment_ids}
    found = set(
        conn.scalars(
            select(experiments.c.experiment_id).where(experiments.c.experiment_id.in_(numbers))
        )
    )
    missing = sorted(numbers - found)
    if missing:
        raise NotFoundError(f"no experiment with id(s) {', '.join(map(str, missing))}")


def _split(values: list[Row], trace_ids: set[str]) -> tuple[list[Row], list[Row]]:
    """Rows (keyed by trace id first) of `trace_ids`, and the others."""
    inside = [v for v in values if v[0] in trace_ids]
    return inside, [v for v in values if v[0] not in trace_ids]


def _key_values(infos: list[TraceInfo], attribute: str) -> list[Row]:
    """Tag or metadata rows of `infos`."""
    return [(i.trace_id, k, v) for i in infos for k, v in getattr(i, attribute).items()]


def _copy(cursor: Any, table: str, columns: list[str], values: list[Row]) -> None:
    if not values:
        return
    names = ", ".join(f'"{c}"' for c in columns)
    with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for row in values:
            copy.write_row(row)


def _unique(values: list[Row]) -> list[Row]:
    """Span rows keyed (trace_id, span_id), the last of each key kept (as the upsert would;
    rows, not spans, as `merge.unique_spans`: the SQL writer keeps rows only)."""
    keyed = {(v[0], v[1]): v for v in values}
    return values if len(keyed) == len(values) else list(keyed.values())


def _chunks(items: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]
