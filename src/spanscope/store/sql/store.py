"""SqlTraceStore: the TraceStore on SQLite or PostgreSQL.

Every public method raises spanscope's exceptions only (store/sql/errors.py): operational
failures as StorageUnavailableError, anything else the database refuses as InvalidArgumentError.
Text is stored with U+0000 replaced by U+FFFD (store/sql/sanitize.py).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

import orjson
from sqlalchemy import Connection, Engine, Table, delete, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from spanscope.constants import DEFAULT_EXPERIMENT_ID
from spanscope.entities.client_losses import ClientLosses
from spanscope.entities.experiment import Experiment
from spanscope.entities.span import Span
from spanscope.entities.trace import Trace
from spanscope.exceptions import AlreadyExistsError, InvalidArgumentError, NotFoundError
from spanscope.store.base import (
    PENDING_LOG_RECORDS_TTL_MS,
    PagedList,
    SpanLogRecord,
    TraceStore,
)
from spanscope.store.sql import rows
from spanscope.store.sql.assessment_store import SqlAssessments
from spanscope.store.sql.case_folding import sqlite_index_folds, stable_characters
from spanscope.store.sql.costs import recompute_costs
from spanscope.store.sql.dataset_store import SqlDatasets
from spanscope.store.sql.engine import make_engine, release_page_caches
from spanscope.store.sql.errors import translated
from spanscope.store.sql.evaluation_run_store import SqlEvaluationRuns, delete_experiment_runs
from spanscope.store.sql.filters import FOLD_COLLATION
from spanscope.store.sql.log_records import add_log_records, delete_log_records
from spanscope.store.sql.losses import delete_losses, read_losses, record_losses
from spanscope.store.sql.metric_store import SqlMetrics
from spanscope.store.sql.migrate import upgrade
from spanscope.store.sql.rows import experiment_number as _experiment_number
from spanscope.store.sql.sanitize import (
    clean_key_values,
    clean_metadata,
    clean_spans,
    clean_text,
    clean_traces,
)
from spanscope.store.sql.schema import (
    datasets,
    experiments,
    trace_tags,
    traces,
)
from spanscope.store.sql.search import experiments_with_counts
from spanscope.store.sql.trace_search_store import SqlTraceSearch, check_max_results
from spanscope.store.sql.writer import TraceWriter, delete_trace_rows

__all__ = ["SqlTraceStore"]

_CHUNK = 500
# PostgreSQL: a transaction locks each trace it writes (writer._lock_traces), and the server's
# shared lock table holds max_locks_per_transaction x its connections (6,400 by default): a
# batch of more traces than this is written in parts, a transaction each.
PG_TRACES_PER_TRANSACTION = 1_000
_logger = logging.getLogger("spanscope")
_T = TypeVar("_T")


class SqlTraceStore(
    SqlAssessments, SqlDatasets, SqlEvaluationRuns, SqlMetrics, SqlTraceSearch, TraceStore
):
    """Traces in SQLite (WAL) or PostgreSQL; the schema is migrated on first use."""

    @translated
    def __init__(self, uri: str) -> None:
        self.uri = uri
        self.engine = make_engine(uri)
        self.dialect = self.engine.dialect.name
        try:
            upgrade(self.engine)
            self.fold_collation = _fold_collation(self.engine)
        except BaseException:
            self.engine.dispose()
            raise
        self._upserts: dict[str, Any] = {}
        self._writer = TraceWriter(self.engine)
        self._case_stable: frozenset[str] | None = None

    @translated
    def close(self) -> None:
        self.engine.dispose()

    @translated
    def release_memory(self) -> None:
        """SQLite: the idle connections empty their page cache (PostgreSQL caches on the
        server)."""
        if self.dialect == "sqlite":
            release_page_caches(self.engine)

    # Experiments

    @translated
    def create_experiment(self, name: str, tags: dict[str, str] | None = None) -> str:
        name = _check_name(name)
        tags = clean_key_values({str(k): str(v) for k, v in (tags or {}).items()})
        now = _now_ms()
        with self._write() as conn:
            if _experiment_id_by_name(conn, name) is not None:
                raise AlreadyExistsError(f"an experiment named {name!r} already exists")
            result = conn.execute(
                experiments.insert().values(
                    name=name,
                    created_at=now,
                    last_update_time=now,
                    tags=orjson.dumps(tags).decode(),
                )
            )
            key = result.inserted_primary_key
            assert key is not None
            return str(key[0])

    @translated
    def get_experiment(self, experiment_id: str) -> Experiment:
        number = _experiment_number(experiment_id)
        stmt = experiments_with_counts().where(experiments.c.experiment_id == number)
        with self.engine.connect() as conn:
            row = conn.execute(stmt).first()
        if row is None:
            raise NotFoundError(f"no experiment with id {experiment_id!r}")
        return rows.experiment_from_row(row._mapping)

    @translated
    def get_experiment_by_name(self, name: str) -> Experiment | None:
        stmt = experiments_with_counts().where(experiments.c.name == clean_text(name))
        with self.engine.connect() as conn:
            row = conn.execute(stmt).first()
        return None if row is None else rows.experiment_from_row(row._mapping)

    @translated
    def search_experiments(
        self, name_like: str | None = None, max_results: int = 1000, page_token: str | None = None
    ) -> PagedList[Experiment]:
        check_max_results(max_results)
        stmt = (
            experiments_with_counts().order_by(experiments.c.experiment_id).limit(max_results + 1)
        )
        if name_like:
            stmt = stmt.where(experiments.c.name.like(clean_text(str(name_like))))
        if page_token:
            stmt = stmt.where(experiments.c.experiment_id > _page_number(page_token))
        with self.engine.connect() as conn:
            found = [dict(r._mapping) for r in conn.execute(stmt)]
        items = [rows.experiment_from_row(r) for r in found[:max_results]]
        token = items[-1].experiment_id if len(found) > max_results else None
        return PagedList(items, token)

    @translated
    def rename_experiment(self, experiment_id: str, new_name: str) -> None:
        new_name = _check_name(new_name)
        number = _experiment_number(experiment_id)
        with self._write() as conn:
            existing = _experiment_id_by_name(conn, new_name)
            if existing is not None and existing != number:
                raise AlreadyExistsError(f"an experiment named {new_name!r} already exists")
            result = conn.execute(
                update(experiments)
                .where(experiments.c.experiment_id == number)
                .values(name=new_name, last_update_time=_now_ms())
            )
            if result.rowcount == 0:
                raise NotFoundError(f"no experiment with id {experiment_id!r}")

    @translated
    def delete_experiment(self, experiment_id: str) -> None:
        if str(experiment_id) == DEFAULT_EXPERIMENT_ID:
            raise InvalidArgumentError("the default experiment (id '0') cannot be deleted")
        number = _experiment_number(experiment_id)
        with self._write() as conn:
            ids = conn.scalars(
                select(traces.c.trace_id).where(traces.c.experiment_id == number)
            ).all()
            self._delete_trace_rows(conn, ids)
            delete_losses(conn, number)
            delete_experiment_runs(conn, number)
            # Its datasets outlive it, as the runs of other experiments may name them.
            conn.execute(
                update(datasets)
                .where(datasets.c.experiment_id == number)
                .values(experiment_id=None)
            )
            result = conn.execute(delete(experiments).where(experiments.c.experiment_id == number))
            if result.rowcount == 0:
                raise NotFoundError(f"no experiment with id {experiment_id!r}")

    # Writing traces

    @translated
    def write_traces(self, batch: Sequence[Trace]) -> None:
        for part in self._parts(batch, [t.info.trace_id for t in batch]):
            try:
                self._writer.write_traces(part)
            except rows.UnstorableText:  # rare: write it again, cleaned (nothing was written)
                self._writer.write_traces(clean_traces(part))

    @translated
    def log_spans(
        self,
        experiment_id: str,
        new_spans: Sequence[Span],
        trace_metadata: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        for part in self._parts(new_spans, [s.trace_id for s in new_spans]):
            self._log_spans(str(experiment_id), part, trace_metadata or {})

    def _log_spans(
        self,
        experiment_id: str,
        new_spans: Sequence[Span],
        metadata: Mapping[str, Mapping[str, str]],
    ) -> None:
        try:
            self._writer.log_spans(experiment_id, new_spans, metadata)
        except rows.UnstorableText:  # rare: write them again, cleaned (nothing was written)
            self._writer.log_spans(experiment_id, clean_spans(new_spans), clean_metadata(metadata))

    def _parts(self, items: Sequence[_T], trace_ids: list[str]) -> list[Sequence[_T]]:
        """The batch as one part, or on PostgreSQL in parts of at most
        PG_TRACES_PER_TRANSACTION traces (a trace's items together, in their order)."""
        if not items:
            return []
        if self.dialect != "postgresql" or len(set(trace_ids)) <= PG_TRACES_PER_TRANSACTION:
            return [items]
        groups: dict[str, list[_T]] = {}
        for item, trace_id in zip(items, trace_ids, strict=True):
            groups.setdefault(trace_id, []).append(item)
        ordered = list(groups.values())
        size = PG_TRACES_PER_TRANSACTION
        return [
            [item for group in ordered[i : i + size] for item in group]
            for i in range(0, len(ordered), size)
        ]

    @translated
    def recompute_costs(self, experiment_ids: Sequence[str] | None = None) -> int:
        numbers = None
        if experiment_ids is not None:
            numbers = [_experiment_number(e) for e in experiment_ids]
            for experiment_id in experiment_ids:
                self.get_experiment(experiment_id)  # NotFoundError for an unknown one
        return recompute_costs(self._writer, numbers)

    # Deleting and tagging

    @translated
    def delete_traces(
        self,
        experiment_id: str,
        trace_ids: Sequence[str] | None = None,
        older_than_ms: int | None = None,
        max_traces: int | None = None,
    ) -> int:
        number = _experiment_number(experiment_id)
        if trace_ids is not None and (older_than_ms is not None or max_traces is not None):
            raise InvalidArgumentError(
                "delete_traces takes trace_ids, or older_than_ms and/or max_traces, not both"
            )
        if trace_ids is None and older_than_ms is None and max_traces is None:
            raise InvalidArgumentError(
                "delete_traces needs trace_ids=, older_than_ms= or max_traces= "
                "(to delete everything, delete the experiment)"
            )
        for label, value in (("older_than_ms", older_than_ms), ("max_traces", max_traces)):
            if value is not None and (not isinstance(value, int) or value < 0):
                raise InvalidArgumentError(f"{label} must be a non-negative integer, got {value!r}")
        stmt = select(traces.c.trace_id).where(traces.c.experiment_id == number)
        if trace_ids is not None:
            stmt = stmt.where(traces.c.trace_id.in_([clean_text(str(i)) for i in trace_ids]))
        if older_than_ms is not None:
            stmt = stmt.where(traces.c.request_time < _now_ms() - older_than_ms)
        if max_traces is not None:
            stmt = stmt.order_by(traces.c.request_time, traces.c.trace_id).limit(max_traces)
        with self._write() as conn:
            self._check_experiment(conn, number, experiment_id)
            ids = list(conn.scalars(stmt).all())
            self._delete_trace_rows(conn, ids)
        return len(ids)

    @translated
    def set_trace_tag(self, trace_id: str, key: str, value: str) -> None:
        key, value = _check_tag(key, value)
        trace_id = clean_text(str(trace_id))
        with self._write() as conn:
            tags = self._trace_tags(conn, trace_id)
            tags[key] = value
            self._upsert(
                conn, trace_tags, rows.tag_rows(trace_id, {key: value}), ["trace_id", "key"]
            )
            conn.execute(
                update(traces)
                .where(traces.c.trace_id == trace_id)
                .values(tags_json=orjson.dumps(tags).decode())
            )

    @translated
    def delete_trace_tag(self, trace_id: str, key: str) -> None:
        trace_id, key = clean_text(str(trace_id)), clean_text(str(key))
        with self._write() as conn:
            tags = self._trace_tags(conn, trace_id)
            if key not in tags:
                raise NotFoundError(f"trace {trace_id!r} has no tag {key!r}")
            del tags[key]
            conn.execute(
                delete(trace_tags).where(trace_tags.c.trace_id == trace_id, trace_tags.c.key == key)
            )
            conn.execute(
                update(traces)
                .where(traces.c.trace_id == trace_id)
                .values(tags_json=orjson.dumps(tags).decode())
            )

    # Clients' loss reports

    @translated
    def record_client_losses(
        self, experiment_id: str, client_id: str, totals: Mapping[str, int], at_ms: int
    ) -> None:
        number = _experiment_number(experiment_id)
        with self._write() as conn:
            self._check_experiment(conn, number, experiment_id)
            record_losses(conn, number, client_id, totals, at_ms)

    @translated
    def client_losses(self, experiment_id: str, since_ms: int) -> ClientLosses:
        number = _experiment_number(experiment_id)
        with self.engine.connect() as conn:
            self._check_experiment(conn, number, experiment_id)
            return read_losses(conn, number, since_ms)

    # Log records bound to spans (OTLP logs ingest: store/sql/log_records.py)

    @translated
    def log_span_records(
        self, records: Sequence[SpanLogRecord], pending_ttl_ms: int = PENDING_LOG_RECORDS_TTL_MS
    ) -> None:
        with self._write() as conn:
            add_log_records(conn, self._writer, records, _now_ms(), pending_ttl_ms)

    # Plumbing

    def _case_stable_characters(self) -> frozenset[str]:
        """The characters with case the full-text index folds as str.lower() does (probed on
        first need: see case_folding.py)."""
        found = self._case_stable
        if found is None:
            fold = sqlite_index_folds if self.dialect == "sqlite" else self._database_folds
            found = self._case_stable = stable_characters(fold)
        return found

    def _database_folds(self, chars: list[str]) -> list[str]:
        """lower() of each character in the database's own collation (ILIKE's and pg_trgm's)."""
        query = text(
            "SELECT lower(c) FROM unnest(CAST(:chars AS text[])) WITH ORDINALITY AS t(c, n) "
            "ORDER BY n"
        )
        with self.engine.connect() as conn:
            return [str(row[0]) for row in conn.execute(query, {"chars": chars})]

    def _upsert(
        self, conn: Connection, table: Table, values: list[dict[str, Any]], keys: list[str]
    ) -> None:
        if not values:
            return
        cache_key = table.name
        stmt = self._upserts.get(cache_key)
        if stmt is None:
            module: Any = sqlite if self.dialect == "sqlite" else postgresql
            insert = module.insert(table)
            changed = {c.name: insert.excluded[c.name] for c in table.columns if c.name not in keys}
            stmt = insert.on_conflict_do_update(index_elements=keys, set_=changed)
            self._upserts[cache_key] = stmt
        conn.execute(stmt, values)

    def _trace_tags(self, conn: Connection, trace_id: str) -> dict[str, str]:
        row = conn.execute(select(traces.c.tags_json).where(traces.c.trace_id == trace_id)).first()
        if row is None:
            raise NotFoundError(f"no trace with id {trace_id!r}")
        tags: dict[str, str] = orjson.loads(row[0])
        return tags

    @staticmethod
    def _check_experiment(conn: Connection, number: int, experiment_id: str) -> None:
        row = conn.execute(
            select(experiments.c.experiment_id).where(experiments.c.experiment_id == number)
        ).first()
        if row is None:
            raise NotFoundError(f"no experiment with id {experiment_id!r}")

    def _delete_trace_rows(self, conn: Connection, trace_ids: Sequence[str]) -> None:
        delete_trace_rows(conn, self.dialect, trace_ids)
        delete_log_records(conn, trace_ids)


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def _experiment_id_by_name(conn: Connection, name: str) -> int | None:
    row = conn.execute(
        select(experiments.c.experiment_id).where(experiments.c.name == name)
    ).first()
    return None if row is None else int(row[0])


def _check_name(name: object) -> str:
    if not isinstance(name, str) or not name.strip():
        raise InvalidArgumentError(f"an experiment name is a non-empty string, got {name!r}")
    if len(name) > 500:
        raise InvalidArgumentError(f"experiment names are at most 500 characters, got {len(name)}")
    return clean_text(name)


def _check_tag(key: object, value: object) -> tuple[str, str]:
    if not isinstance(key, str) or not key or len(key) > 250:
        raise InvalidArgumentError(f"a tag key is a string of 1 to 250 characters, got {key!r}")
    return clean_text(key), clean_text(str(value))


def _fold_collation(engine: Engine) -> str | None:
    """The collation ILIKE lowers with on PostgreSQL (filters.FOLD_COLLATION), None if the
    server lacks ICU: non-ASCII letters then fold as the database's collation does."""
    if engine.dialect.name != "postgresql":
        return None
    with engine.connect() as conn:
        query = text("SELECT 1 FROM pg_collation WHERE collname = :name")
        found = conn.execute(query, {"name": FOLD_COLLATION}).first()
    if found is None:
        _logger.warning(
            "spanscope: PostgreSQL has no ICU collation %r; ILIKE folds non-ASCII letters as "
            "the database's collation does, which may differ from SQLite",
            FOLD_COLLATION,
        )
        return None
    return FOLD_COLLATION


def _page_number(token: str) -> int:
    try:
        return int(token)
    except ValueError:
        raise InvalidArgumentError(f"invalid page token {token!r}") from None
