"""SqlTraceStore: the TraceStore on SQLite or PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import orjson
from sqlalchemy import Connection, Table, delete, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from spanscope.constants import DEFAULT_EXPERIMENT_ID
from spanscope.entities.experiment import Experiment
from spanscope.entities.session import Session
from spanscope.entities.span import Span
from spanscope.entities.trace import Trace, TraceData
from spanscope.entities.trace_info import TraceInfo
from spanscope.exceptions import AlreadyExistsError, InvalidArgumentError, NotFoundError
from spanscope.search import trace_text_fields
from spanscope.store.base import PagedList, TraceStore
from spanscope.store.sql import rows
from spanscope.store.sql.engine import WRITE, make_engine
from spanscope.store.sql.migrate import upgrade
from spanscope.store.sql.schema import (
    TEXT_TABLE,
    experiments,
    spans,
    trace_metadata,
    trace_tags,
    traces,
)
from spanscope.store.sql.search import SearchQuery, session_query
from spanscope.tracing.trace_builder import compute_trace_info

__all__ = ["SqlTraceStore"]

MAX_RESULTS = 10_000
_CHUNK = 500


class SqlTraceStore(TraceStore):
    """Traces in SQLite (WAL) or PostgreSQL; the schema is migrated on first use."""

    def __init__(self, uri: str) -> None:
        self.uri = uri
        self.engine = make_engine(uri)
        self.dialect = self.engine.dialect.name
        upgrade(self.engine)
        self._upserts: dict[str, Any] = {}

    def close(self) -> None:
        self.engine.dispose()

    # Experiments

    def create_experiment(self, name: str, tags: dict[str, str] | None = None) -> str:
        name = _check_name(name)
        now = _now_ms()
        with self._write() as conn:
            if _experiment_id_by_name(conn, name) is not None:
                raise AlreadyExistsError(f"an experiment named {name!r} already exists")
            result = conn.execute(
                experiments.insert().values(
                    name=name,
                    created_at=now,
                    last_update_time=now,
                    tags=orjson.dumps({str(k): str(v) for k, v in (tags or {}).items()}).decode(),
                )
            )
            key = result.inserted_primary_key
            assert key is not None
            return str(key[0])

    def get_experiment(self, experiment_id: str) -> Experiment:
        number = _experiment_number(experiment_id)
        with self.engine.connect() as conn:
            row = conn.execute(
                select(experiments).where(experiments.c.experiment_id == number)
            ).first()
        if row is None:
            raise NotFoundError(f"no experiment with id {experiment_id!r}")
        return rows.experiment_from_row(row._mapping)

    def get_experiment_by_name(self, name: str) -> Experiment | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(experiments).where(experiments.c.name == name)).first()
        return None if row is None else rows.experiment_from_row(row._mapping)

    def search_experiments(
        self, name_like: str | None = None, max_results: int = 1000, page_token: str | None = None
    ) -> PagedList[Experiment]:
        _check_max_results(max_results)
        counts = (
            select(
                traces.c.experiment_id,
                func.count().label("trace_count"),
                func.max(traces.c.request_time).label("last_trace_time"),
            )
            .group_by(traces.c.experiment_id)
            .subquery()
        )
        stmt = (
            select(experiments, counts.c.trace_count, counts.c.last_trace_time)
            .outerjoin(counts, counts.c.experiment_id == experiments.c.experiment_id)
            .order_by(experiments.c.experiment_id)
            .limit(max_results + 1)
        )
        if name_like:
            stmt = stmt.where(experiments.c.name.like(name_like))
        if page_token:
            stmt = stmt.where(experiments.c.experiment_id > _page_number(page_token))
        with self.engine.connect() as conn:
            found = [dict(r._mapping) for r in conn.execute(stmt)]
        for row in found:
            row["trace_count"] = row["trace_count"] or 0
        items = [rows.experiment_from_row(r) for r in found[:max_results]]
        token = items[-1].experiment_id if len(found) > max_results else None
        return PagedList(items, token)

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

    def delete_experiment(self, experiment_id: str) -> None:
        if str(experiment_id) == DEFAULT_EXPERIMENT_ID:
            raise InvalidArgumentError("the default experiment (id '0') cannot be deleted")
        number = _experiment_number(experiment_id)
        with self._write() as conn:
            ids = conn.scalars(
                select(traces.c.trace_id).where(traces.c.experiment_id == number)
            ).all()
            self._delete_trace_rows(conn, ids)
            result = conn.execute(delete(experiments).where(experiments.c.experiment_id == number))
            if result.rowcount == 0:
                raise NotFoundError(f"no experiment with id {experiment_id!r}")

    # Writing traces

    def write_traces(self, batch: Sequence[Trace]) -> None:
        if not batch:
            return
        # A trace continued from another process (its local root has a remote parent) may
        # already be stored in part: merge its spans and derive the row from all of them.
        whole = [t for t in batch if _root_parent(t) is None]
        continued = [t for t in batch if _root_parent(t) is not None]
        with self._write() as conn:
            self._require_experiments(conn, {t.info.experiment_id for t in batch})
            trace_ids = [t.info.trace_id for t in whole]
            stored = self._existing(conn, trace_ids)
            self._upsert(conn, traces, [rows.trace_row(t.info) for t in whole], ["trace_id"])
            self._replace_key_values(conn, trace_tags, {t.trace_id: t.info.tags for t in whole})
            self._replace_key_values(
                conn, trace_metadata, {t.trace_id: t.info.metadata for t in whole}
            )
            span_rows = [rows.span_row(s) for t in whole for s in t.data.spans]
            self._upsert(conn, spans, span_rows, ["trace_id", "span_id"])
            self._replace_text(conn, stored, [(t.info, t.data.spans) for t in whole])
            for trace in continued:
                self._merge(conn, trace.info.experiment_id, trace.data.spans, trace.info, {})

    def log_spans(
        self,
        experiment_id: str,
        new_spans: Sequence[Span],
        trace_metadata: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        if not new_spans:
            return
        with self._write() as conn:
            self._require_experiments(conn, {str(experiment_id)})
            self._merge(conn, str(experiment_id), new_spans, None, trace_metadata or {})

    def _merge(
        self,
        conn: Connection,
        experiment_id: str,
        new_spans: Sequence[Span],
        info: TraceInfo | None,
        extra_metadata: Mapping[str, Mapping[str, str]],
    ) -> None:
        self._upsert(conn, spans, [rows.span_row(s) for s in new_spans], ["trace_id", "span_id"])
        trace_ids = sorted({s.trace_id for s in new_spans})
        stored = self._existing(conn, trace_ids)
        derived = [
            self._derive_info(conn, experiment_id, t, info, extra_metadata.get(t))
            for t in trace_ids
        ]
        self._upsert(conn, traces, [rows.trace_row(i) for i, _ in derived], ["trace_id"])
        self._replace_key_values(conn, trace_tags, {i.trace_id: i.tags for i, _ in derived})
        self._replace_key_values(conn, trace_metadata, {i.trace_id: i.metadata for i, _ in derived})
        self._replace_text(conn, stored, derived)

    def _derive_info(
        self,
        conn: Connection,
        experiment_id: str,
        trace_id: str,
        extra: TraceInfo | None,
        extra_metadata: Mapping[str, str] | None,
    ) -> tuple[TraceInfo, list[Span]]:
        """The trace row derived from every stored span, keeping tags and metadata."""
        stored = self._spans(conn, [trace_id]).get(trace_id, [])
        row = conn.execute(select(traces).where(traces.c.trace_id == trace_id)).first()
        previous = rows.info_from_row(row._mapping) if row is not None else None
        metadata = dict(previous.metadata) if previous else {}
        tags = dict(previous.tags) if previous else {}
        if extra is not None:
            metadata.update(extra.metadata)
            tags.update(extra.tags)
        if extra_metadata:
            metadata.update(extra_metadata)
        client_request_id = (previous.client_request_id if previous else None) or (
            extra.client_request_id if extra else None
        )
        info = compute_trace_info(
            trace_id,
            previous.experiment_id if previous else str(experiment_id),
            stored,
            metadata=metadata,
            tags=tags,
            client_request_id=client_request_id,
        )
        return info, stored

    # Reading traces

    def get_trace(self, trace_id: str, include_spans: bool = True) -> Trace:
        with self.engine.connect() as conn:
            row = conn.execute(select(traces).where(traces.c.trace_id == trace_id)).first()
            if row is None:
                raise NotFoundError(f"no trace with id {trace_id!r}")
            found = self._spans(conn, [trace_id]).get(trace_id, []) if include_spans else []
        return Trace(rows.info_from_row(row._mapping), TraceData(found))

    def search_traces(
        self,
        experiment_ids: Sequence[str],
        filter_string: str | None = None,
        order_by: Sequence[str] | None = None,
        max_results: int = 100,
        page_token: str | None = None,
        include_spans: bool = False,
    ) -> PagedList[Trace]:
        _check_max_results(max_results)
        numbers = [_experiment_number(e) for e in experiment_ids]
        query = SearchQuery(numbers, filter_string, order_by, self.dialect)
        stmt = query.statement(max_results + 1, page_token)
        with self.engine.connect() as conn:
            found = [dict(r._mapping) for r in conn.execute(stmt)]
            page = found[:max_results]
            ids = [r["trace_id"] for r in page]
            by_trace = self._spans(conn, ids) if include_spans and ids else {}
        token = query.token_after(page[-1]) if len(found) > max_results else None
        result = [
            Trace(rows.info_from_row(r), TraceData(by_trace.get(r["trace_id"], []))) for r in page
        ]
        return PagedList(result, token)

    def search_sessions(
        self, experiment_ids: Sequence[str], max_results: int = 100, page_token: str | None = None
    ) -> PagedList[Session]:
        _check_max_results(max_results)
        numbers = [_experiment_number(e) for e in experiment_ids]
        stmt, token_after = session_query(numbers, max_results + 1, page_token)
        with self.engine.connect() as conn:
            found = [dict(r._mapping) for r in conn.execute(stmt)]
        items = [
            Session(
                session_id=r["session_id"],
                experiment_id=str(r["experiment_id"]),
                trace_count=int(r["trace_count"]),
                first_request_time=int(r["first_request_time"]),
                last_request_time=int(r["last_request_time"]),
                user_id=r["user_id"],
            )
            for r in found[:max_results]
        ]
        token = token_after(found[max_results - 1]) if len(found) > max_results else None
        return PagedList(items, token)

    # Deleting and tagging

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
            stmt = stmt.where(traces.c.trace_id.in_(list(trace_ids)))
        if older_than_ms is not None:
            stmt = stmt.where(traces.c.request_time < _now_ms() - older_than_ms)
        if max_traces is not None:
            stmt = stmt.order_by(traces.c.request_time, traces.c.trace_id).limit(max_traces)
        with self._write() as conn:
            self._check_experiment(conn, number, experiment_id)
            ids = list(conn.scalars(stmt).all())
            self._delete_trace_rows(conn, ids)
        return len(ids)

    def set_trace_tag(self, trace_id: str, key: str, value: str) -> None:
        key, value = _check_tag(key, value)
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

    def delete_trace_tag(self, trace_id: str, key: str) -> None:
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

    # Plumbing

    def _write(self) -> Connection:
        conn = self.engine.connect().execution_options(**WRITE)
        return _Transaction(conn)  # type: ignore[return-value]

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

    def _replace_key_values(
        self, conn: Connection, table: Table, values: dict[str, dict[str, str]]
    ) -> None:
        ids = list(values)
        for chunk in _chunks(ids):
            conn.execute(delete(table).where(table.c.trace_id.in_(chunk)))
        new_rows = [row for trace_id, kv in values.items() for row in rows.tag_rows(trace_id, kv)]
        if new_rows:
            conn.execute(table.insert(), new_rows)

    def _existing(self, conn: Connection, trace_ids: Sequence[str]) -> list[str]:
        """Which of `trace_ids` already have a trace row (an indexed lookup)."""
        found: list[str] = []
        for chunk in _chunks(list(trace_ids)):
            found.extend(
                conn.scalars(select(traces.c.trace_id).where(traces.c.trace_id.in_(chunk)))
            )
        return found

    def _replace_text(
        self,
        conn: Connection,
        stored_ids: list[str],
        items: Iterable[tuple[TraceInfo, Sequence[Span]]],
    ) -> None:
        # Only traces stored before have text rows to drop; the full-text table has no index on
        # trace_id (an FTS5 column), so skipping the delete for new traces keeps writes O(batch).
        for chunk in _chunks(stored_ids):
            conn.execute(_text_delete(len(chunk)), {f"t{i}": t for i, t in enumerate(chunk)})
        text_rows = [
            {"trace_id": info.trace_id, "content": text}
            for info, trace_spans in items
            for text in trace_text_fields(Trace(info, TraceData(list(trace_spans))))
        ]
        if text_rows:
            conn.execute(_TEXT_INSERT, text_rows)

    def _spans(self, conn: Connection, trace_ids: Sequence[str]) -> dict[str, list[Span]]:
        found: dict[str, list[Span]] = {}
        for chunk in _chunks(list(trace_ids)):
            stmt = (
                select(spans.c.trace_id, spans.c.content)
                .where(spans.c.trace_id.in_(chunk))
                .order_by(spans.c.trace_id, spans.c.start_time_ns, spans.c.span_id)
            )
            for trace_id, content in conn.execute(stmt):
                found.setdefault(trace_id, []).append(Span.from_dict(orjson.loads(content)))
        return found

    def _trace_tags(self, conn: Connection, trace_id: str) -> dict[str, str]:
        row = conn.execute(select(traces.c.tags_json).where(traces.c.trace_id == trace_id)).first()
        if row is None:
            raise NotFoundError(f"no trace with id {trace_id!r}")
        tags: dict[str, str] = orjson.loads(row[0])
        return tags

    def _require_experiments(self, conn: Connection, experiment_ids: set[str]) -> None:
        numbers = {_experiment_number(e) for e in experiment_ids}
        found = set(
            conn.scalars(
                select(experiments.c.experiment_id).where(
                    experiments.c.experiment_id.in_(list(numbers))
                )
            ).all()
        )
        missing = sorted(numbers - found)
        if missing:
            raise NotFoundError(f"no experiment with id(s) {', '.join(map(str, missing))}")

    @staticmethod
    def _check_experiment(conn: Connection, number: int, experiment_id: str) -> None:
        row = conn.execute(
            select(experiments.c.experiment_id).where(experiments.c.experiment_id == number)
        ).first()
        if row is None:
            raise NotFoundError(f"no experiment with id {experiment_id!r}")

    def _delete_trace_rows(self, conn: Connection, trace_ids: Sequence[str]) -> None:
        for chunk in _chunks(list(trace_ids)):
            conn.execute(_text_delete(len(chunk)), {f"t{i}": t for i, t in enumerate(chunk)})
            for table in (spans, trace_tags, trace_metadata, traces):
                conn.execute(delete(table).where(table.c.trace_id.in_(chunk)))


class _Transaction:
    """`with store._write() as conn`: one transaction, committed on success."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def __enter__(self) -> Connection:
        self._conn.begin()
        return self._conn

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        try:
            if exc_type is None:
                self._conn.commit()
            else:
                self._conn.rollback()
        finally:
            self._conn.close()


def _text_delete(count: int) -> Any:
    marks = ", ".join(f":t{i}" for i in range(count))
    return text(f"DELETE FROM {TEXT_TABLE} WHERE trace_id IN ({marks})")


_TEXT_INSERT = text(f"INSERT INTO {TEXT_TABLE} (trace_id, content) VALUES (:trace_id, :content)")


def _root_parent(trace: Trace) -> str | None:
    """The parent id of the trace's local root: set when the trace came from another process."""
    root = trace.data.root
    return None if root is None else root.parent_id


def _chunks(items: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def _experiment_number(experiment_id: str | int) -> int:
    try:
        number = int(str(experiment_id))
    except ValueError:
        number = -1
    if not 0 <= number < 2**63:
        raise NotFoundError(f"no experiment with id {experiment_id!r} (ids are integers)")
    return number


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
    return name


def _check_tag(key: object, value: object) -> tuple[str, str]:
    if not isinstance(key, str) or not key or len(key) > 250:
        raise InvalidArgumentError(f"a tag key is a string of 1 to 250 characters, got {key!r}")
    return key, str(value)


def _check_max_results(max_results: int) -> None:
    if not isinstance(max_results, int) or not 1 <= max_results <= MAX_RESULTS:
        raise InvalidArgumentError(
            f"max_results must be an integer from 1 to {MAX_RESULTS}, got {max_results!r}"
        )


def _page_number(token: str) -> int:
    try:
        return int(token)
    except ValueError:
        raise InvalidArgumentError(f"invalid page token {token!r}") from None
