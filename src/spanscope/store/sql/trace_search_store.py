"""The trace and span search methods of SqlTraceStore: reading a trace, searching traces, spans
and sessions a page at a time (queries: store/sql/search.py and store/sql/span_search.py)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

from sqlalchemy import Connection, Engine, Select, func, select

from spanscope.entities.session import Session
from spanscope.entities.span import Span
from spanscope.entities.trace import Trace, TraceData
from spanscope.exceptions import InvalidArgumentError, NotFoundError
from spanscope.store.base import PagedList
from spanscope.store.sql import rows
from spanscope.store.sql.assessments import load_assessments
from spanscope.store.sql.errors import translated
from spanscope.store.sql.rows import experiment_number as _experiment_number
from spanscope.store.sql.sanitize import clean_text
from spanscope.store.sql.schema import traces
from spanscope.store.sql.search import SearchQuery, session_query
from spanscope.store.sql.span_search import SpanSearchQuery
from spanscope.store.sql.writer import load_spans

__all__ = ["MAX_RESULTS", "SqlTraceSearch", "check_max_results"]

MAX_RESULTS = 10_000
# Past this many assessment matches SQLite walks traces in order (assessment_filters.py).
MANY_JUDGED = 1_000
# A full-text search's windows (_windowed): the first, in traces; the most traces it tests in
# order before it tests every candidate instead (at 10-60 us a trace, tens of ms); and the
# candidates below which those are tested at once.
FIRST_WINDOW = 32
MAX_WINDOW = 5_000
FEW_CANDIDATES = 2_000


class SqlTraceSearch:
    """Read one trace, or search traces, spans and sessions a page at a time, in SQL."""

    engine: Engine
    dialect: str
    fold_collation: str | None

    def _case_stable_characters(self) -> frozenset[str]:
        raise NotImplementedError

    @translated
    def get_trace(self, trace_id: str, include_spans: bool = True) -> Trace:
        trace_id = clean_text(str(trace_id))
        with self.engine.connect() as conn:
            row = conn.execute(select(traces).where(traces.c.trace_id == trace_id)).first()
            if row is None:
                raise NotFoundError(f"no trace with id {trace_id!r}")
            found = self._spans(conn, [trace_id]).get(trace_id, []) if include_spans else []
            judged = load_assessments(conn, [trace_id]).get(trace_id, [])
        info = rows.info_from_row(row._mapping)
        info.assessments = judged
        return Trace(info, TraceData(found))

    @translated
    def search_traces(
        self,
        experiment_ids: Sequence[str],
        filter_string: str | None = None,
        order_by: Sequence[str] | None = None,
        max_results: int = 100,
        page_token: str | None = None,
        include_spans: bool = False,
    ) -> PagedList[Trace]:
        check_max_results(max_results)
        numbers = [_experiment_number(e) for e in experiment_ids]
        with self.engine.connect() as conn:
            query = SearchQuery(
                numbers,
                filter_string,
                order_by,
                self.dialect,
                fold_collation=self.fold_collation,
                case_stable=self._case_stable_characters,
                many_judged=partial(_many_judged, conn) if self.dialect == "sqlite" else None,
            )
            if self.dialect == "postgresql" and query.judges:
                # A page walks traces in time order probing their judgements and stops early;
                # parallel workers cost more to start than the whole walk (tens of ms).
                conn.exec_driver_sql("SET LOCAL max_parallel_workers_per_gather = 0")
            found = _windowed(conn, query, max_results + 1, page_token)
            if found is None:
                stmt = query.statement(max_results + 1, page_token)
                found = [dict(r._mapping) for r in conn.execute(stmt)]
            page = found[:max_results]
            ids = [r["trace_id"] for r in page]
            by_trace = self._spans(conn, ids) if include_spans and ids else {}
            judged = load_assessments(conn, ids) if ids else {}
        token = query.token_after(page[-1]) if len(found) > max_results else None
        result = []
        for r in page:
            info = rows.info_from_row(r)
            info.assessments = judged.get(info.trace_id, [])
            result.append(Trace(info, TraceData(by_trace.get(info.trace_id, []))))
        return PagedList(result, token)

    @translated
    def count_traces(
        self,
        experiment_ids: Sequence[str],
        filter_string: str | None = None,
        limit: int = 10_000,
    ) -> int:
        if not isinstance(limit, int) or limit < 0:
            raise InvalidArgumentError(f"limit must be a non-negative integer, got {limit!r}")
        numbers = [_experiment_number(e) for e in experiment_ids]
        with self.engine.connect() as conn:
            query = SearchQuery(
                numbers,
                filter_string,
                None,
                self.dialect,
                fold_collation=self.fold_collation,
                case_stable=self._case_stable_characters,
                many_judged=partial(_many_judged, conn) if self.dialect == "sqlite" else None,
            )
            # A common word's candidates are most traces: test traces one by one and stop at
            # the cap; a rare one's few candidates are the quick way.
            per_row = query.windowed and not any(
                _fewer_than(conn, c, limit + 1) for c in query.text_candidates()
            )
            return int(conn.scalar(query.count_statement(limit + 1, per_row)) or 0)

    @translated
    def search_spans(
        self,
        experiment_ids: Sequence[str],
        filter_string: str | None = None,
        order_by: Sequence[str] | None = None,
        max_results: int = 100,
        page_token: str | None = None,
    ) -> PagedList[Span]:
        check_max_results(max_results)
        numbers = [_experiment_number(e) for e in experiment_ids]
        query = SpanSearchQuery(
            numbers,
            filter_string,
            order_by,
            self.dialect,
            fold_collation=self.fold_collation,
            case_stable=self._case_stable_characters,
        )
        with self.engine.connect() as conn:
            found = [
                dict(r._mapping) for r in conn.execute(query.statement(max_results + 1, page_token))
            ]
        page = found[:max_results]
        token = query.token_after(page[-1]) if len(found) > max_results else None
        return PagedList(rows.spans_from_rows(r["content"] for r in page), token)

    @translated
    def search_sessions(
        self,
        experiment_ids: Sequence[str],
        max_results: int = 100,
        page_token: str | None = None,
        *,
        query: str | None = None,
    ) -> PagedList[Session]:
        check_max_results(max_results)
        numbers = [_experiment_number(e) for e in experiment_ids]
        needle = clean_text(query) if query else None
        stmt, token_after = session_query(numbers, max_results + 1, page_token, needle)
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
                total_tokens=None if r["total_tokens"] is None else int(r["total_tokens"]),
                total_duration_ms=(
                    None if r["total_duration_ms"] is None else int(r["total_duration_ms"])
                ),
                error_count=int(r["error_count"] or 0),
            )
            for r in found[:max_results]
        ]
        token = token_after(found[max_results - 1]) if len(found) > max_results else None
        return PagedList(items, token)

    def _spans(self, conn: Connection, trace_ids: Sequence[str]) -> dict[str, list[Span]]:
        return load_spans(conn, trace_ids)


def _windowed(
    conn: Connection, query: SearchQuery, limit: int, page_token: str | None
) -> list[dict[str, Any]] | None:
    """The page of a full-text search looked for among the next traces in order, tested one
    by one; None when it takes the search over every candidate instead.

    Over every candidate, a word most traces hold is tested in most traces before the first
    page is taken; in order, a word few traces hold is looked for through most traces. SQLite
    counts a required word's candidates in its index first (up to FEW_CANDIDATES, well under a
    millisecond): few, and the search over them is the fast one. Otherwise a first window of
    FIRST_WINDOW traces tells: no match in it, and the matches are rare (the search over the
    candidates); some, and their share sizes a next window expected to fill the page, if it
    is at most MAX_WINDOW traces. A window's matches are the page when they fill it, or when
    the window reached the last trace.
    """
    if not query.windowed:
        return None
    for candidates in query.text_candidates():
        if _fewer_than(conn, candidates, FEW_CANDIDATES):
            return None
    window = FIRST_WINDOW
    while True:
        found = [dict(r._mapping) for r in conn.execute(query.statement(limit, page_token, window))]
        if len(found) >= limit:
            return found
        if int(conn.scalar(query.window_size(window, page_token)) or 0) < window:
            return found  # every trace after the token was tested
        if not found or window > FIRST_WINDOW:
            return None
        window = 2 * window * limit // len(found)
        if window > MAX_WINDOW:
            return None


def _fewer_than(conn: Connection, candidates: Select[Any], count: int) -> bool:
    """Whether a full-text index pre-selects fewer than `count` rows. SQLite counts them up to
    `count` in its index. PostgreSQL's trigram index cannot stop early (it builds the whole
    bitmap: for a common word, longer than the search); its planner's estimate, from the
    statistics of the indexed expression, tells instead."""
    if conn.dialect.name == "sqlite":
        few = select(func.count()).select_from(candidates.limit(count).subquery())
        return int(conn.scalar(few) or 0) < count
    compiled = candidates.compile(dialect=conn.dialect)
    plan: Any = conn.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {compiled}", compiled.params).scalar()
    return float(plan[0]["Plan"]["Plan Rows"]) < count


def _many_judged(conn: Connection, ids: Select[Any]) -> bool:
    """Whether `ids` (a filter's assessment trace ids) holds MANY_JUDGED or more."""
    probe = select(func.count()).select_from(ids.limit(MANY_JUDGED).subquery())
    return int(conn.scalar(probe) or 0) >= MANY_JUDGED


def check_max_results(max_results: int) -> None:
    if not isinstance(max_results, int) or not 1 <= max_results <= MAX_RESULTS:
        raise InvalidArgumentError(
            f"max_results must be an integer from 1 to {MAX_RESULTS}, got {max_results!r}"
        )
