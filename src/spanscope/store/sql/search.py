"""The SELECTs behind search_traces and search_sessions (filter, order, keyset paging), and
the experiments' trace counts."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select, true

from spanscope.search import (
    And,
    Comparison,
    FieldKind,
    Not,
    Or,
    SpanGroup,
    parse_filter,
    parse_order_by,
)
from spanscope.search.stored_text import replace_unstorable
from spanscope.search.trace_order import DEFAULT_ORDER, NO_FEEDBACK
from spanscope.store.sql.filters import (
    FOLD_COLLATION,
    compile_filter,
    make_context,
    text_candidates,
)
from spanscope.store.sql.pagination import after_token, decode_token, encode_token
from spanscope.store.sql.schema import SORT_KEYS, assessments, experiments, traces

__all__ = ["NO_FEEDBACK", "SearchQuery", "experiments_with_counts", "session_query"]


def _missing_as(name: str, value: Any) -> Callable[[dict[str, Any]], Any]:
    return lambda r: value if r[name] is None else r[name]


# Sort keys (schema.SORT_KEYS, each with an index of the read-indexes revision) and their
# values in a row.
_SORT_KEYS: dict[str, tuple[Any, Callable[[dict[str, Any]], Any]]] = {
    field: (SORT_KEYS[field], value)
    for field, value in {
        "timestamp_ms": lambda r: r["request_time"],
        "execution_time_ms": _missing_as("execution_duration", -1),
        "cost": _missing_as("cost_total", -1.0),
        **{
            name: _missing_as(name, -1)
            for name in ("input_tokens", "output_tokens", "total_tokens")
        },
        "name": _missing_as("name", ""),
        "status": lambda r: r["state"],
        "trace_id": lambda r: r["trace_id"],
        "session_id": _missing_as("session_id", ""),
        "user_id": _missing_as("user_id", ""),
    }.items()
}
_SORT_LABEL = "_sort_"


class SearchQuery:
    """One search: experiments, parsed filter, order; builds pages and their tokens."""

    def __init__(
        self,
        experiment_ids: Sequence[int],
        filter_string: str | None,
        order_by: Sequence[str] | None,
        dialect: str,
        *,
        fold_collation: str | None = FOLD_COLLATION,
        case_stable: Callable[[], frozenset[str]] | None = None,
        many_judged: Callable[[Select[Any]], bool] | None = None,
    ) -> None:
        self.experiment_ids = list(experiment_ids)
        self.expr = parse_filter(filter_string)
        orders = parse_order_by(list(order_by) if order_by else list(DEFAULT_ORDER))
        keys = [(o.field, o.ascending, o.key) for o in orders]
        if "trace_id" not in [k for k, _, _ in keys]:
            keys.append(("trace_id", keys[-1][1] if keys else False, ""))
        self.keys = keys
        self.dialect = dialect
        self.fold_collation = fold_collation
        self.case_stable = case_stable
        self.many_judged = many_judged
        signature = f"{sorted(self.experiment_ids)}|{filter_string or ''}|{keys}"
        self.context = hashlib.sha256(signature.encode(errors="surrogatepass")).hexdigest()[:16]

    @property
    def judges(self) -> bool:
        """Whether the filter compares feedback or expectations."""
        return self._compares(FieldKind.FEEDBACK, FieldKind.EXPECTATION)

    @property
    def windowed(self) -> bool:
        """Whether a page may be looked for in a window first (see `statement`): the filter
        searches the traces' text, and the order needs no assessments."""
        return self._compares(FieldKind.TEXT) and all(k[0] != "feedback" for k in self.keys)

    def text_candidates(self) -> list[Select[Any]]:
        """For each text comparison the filter requires (under no NOT, outside span groups),
        what its full-text index pre-selects (filters.text_candidates)."""
        context = make_context(self.dialect, self.fold_collation, self.case_stable)
        found = []
        pending = [(self.expr, False)] if self.expr is not None else []
        while pending:
            node, negated = pending.pop()
            if isinstance(node, Comparison):
                if node.field.kind is FieldKind.TEXT and not negated:
                    candidates = text_candidates(node, context)
                    if candidates is not None:
                        found.append(candidates)
            elif isinstance(node, Not):
                pending.append((node.operand, not negated))
            elif isinstance(node, (And, Or)) and isinstance(node, And) != negated:
                # AND, or NOT of OR: each operand is needed
                pending.extend((operand, negated) for operand in node.operands)
        return found

    def _compares(self, *kinds: FieldKind) -> bool:
        pending = [self.expr] if self.expr is not None else []
        while pending:
            node = pending.pop()
            if isinstance(node, Comparison):
                if node.field.kind in kinds:
                    return True
            elif isinstance(node, Not):
                pending.append(node.operand)
            elif isinstance(node, SpanGroup):
                pending.append(node.expr)
            else:
                pending.extend(node.operands)
        return False

    def count_statement(self, limit: int, text_per_row: bool = False) -> Select[Any]:
        """The number of matching traces, counted up to `limit` rows: the count stops there,
        so it costs at most `limit` index entries (plus the filter's work to find them).
        `text_per_row`: full-text terms tested on each trace instead of through the
        candidates (a common word: most traces are candidates, and the count stops early)."""
        matching = select(traces.c.trace_id).where(traces.c.experiment_id.in_(self.experiment_ids))
        if self.expr is not None:
            matching = matching.where(
                compile_filter(
                    self.expr,
                    self.dialect,
                    fold_collation=self.fold_collation,
                    case_stable=self.case_stable,
                    many_judged=self.many_judged,
                    text_per_row=text_per_row,
                )
            )
        return select(func.count()).select_from(matching.limit(limit).subquery())

    def statement(self, limit: int, page_token: str | None, window: int = 0) -> Select[Any]:
        """The page: the first `limit` matching traces after `page_token`. With a `window`,
        only among the first `window` traces in order (all matches, traces or not: the caller
        knows the page is exact when it is full or the window held fewer traces); the filter
        then tests those traces one by one instead of listing every full-text candidate, which
        for a common word is most traces."""
        scope = traces.c.experiment_id.in_(self.experiment_ids)
        stmt = select(traces) if window else select(traces).where(scope)
        if self.expr is not None:
            where = compile_filter(
                self.expr,
                self.dialect,
                fold_collation=self.fold_collation,
                case_stable=self.case_stable,
                many_judged=self.many_judged,
                text_per_row=bool(window),
            )
            stmt = stmt.where(where)
        exprs, order = self._order()
        if window:
            first = select(traces.c.trace_id).where(scope)
            if page_token:
                first = first.where(self._after(exprs, page_token))
            ids = first.order_by(*order).limit(window).subquery("window")
            return (
                stmt.join_from(ids, traces, ids.c.trace_id == traces.c.trace_id)
                .order_by(*order)
                .limit(limit)
            )
        if page_token:
            stmt = stmt.where(self._after(exprs, page_token))
        for i, (name, _, _) in enumerate(self.keys):
            if name == "feedback":
                stmt = stmt.add_columns(exprs[i][0].label(f"{_SORT_LABEL}{i}"))
        return stmt.order_by(*order).limit(limit)

    def window_size(self, window: int, page_token: str | None) -> Select[Any]:
        """How many of `window` traces there are after `page_token` (a window was full)."""
        exprs, _ = self._order()
        first = select(traces.c.trace_id).where(traces.c.experiment_id.in_(self.experiment_ids))
        if page_token:
            first = first.where(self._after(exprs, page_token))
        return select(func.count()).select_from(first.limit(window).subquery())

    def _after(self, exprs: list[tuple[Any, bool]], page_token: str) -> ColumnElement[bool]:
        values = decode_token(page_token, self.context, len(self.keys))
        return after_token(exprs, values)

    def _order(self) -> tuple[list[tuple[Any, bool]], list[Any]]:
        exprs = []
        for name, ascending, key in self.keys:
            if name == "feedback":
                exprs.append((_feedback_sort(key), ascending))
            else:
                exprs.append((_SORT_KEYS[name][0], ascending))
        return exprs, [e.asc() if ascending else e.desc() for e, ascending in exprs]

    def token_after(self, row: dict[str, Any]) -> str:
        values = [
            row[f"{_SORT_LABEL}{i}"] if name == "feedback" else _SORT_KEYS[name][1](row)
            for i, (name, _, _) in enumerate(self.keys)
        ]
        return encode_token(values, self.context)


def _feedback_sort(name: str) -> Any:
    """A trace's sort value for `feedback.<name>`: its largest valid numeric or true / false
    (1 / 0) value; NO_FEEDBACK, below any value, when it has none."""
    largest = (
        select(func.max(assessments.c.value_number))
        .where(
            assessments.c.trace_id == traces.c.trace_id,
            assessments.c.name == replace_unstorable(name),
            assessments.c.kind == "feedback",
            assessments.c.valid.is_(true()),
            assessments.c.value_type.in_(["number", "bool"]),
        )
        .scalar_subquery()
    )
    return func.coalesce(largest, NO_FEEDBACK)


def experiments_with_counts() -> Select[Any]:
    """Experiments with `trace_count` and `last_trace_time` (None without traces), for one
    experiment or a page of them, in one statement: per experiment row, a count over an
    index led by experiment_id (that experiment's entries only) and the last request time
    read from the end of its range in ix_traces_exp_time (one index probe)."""
    of_experiment = traces.c.experiment_id == experiments.c.experiment_id
    count = select(func.count()).where(of_experiment).scalar_subquery()
    last = (
        select(traces.c.request_time)
        .where(of_experiment)
        .order_by(traces.c.request_time.desc())
        .limit(1)
        .scalar_subquery()
    )
    return select(experiments, count.label("trace_count"), last.label("last_trace_time"))


def session_query(
    experiment_ids: Sequence[int], limit: int, page_token: str | None, query: str | None = None
) -> tuple[Select[Any], Callable[[dict[str, Any]], str]]:
    """Sessions (traces grouped by session id), newest activity first.

    A session's newest trace stands for it: walking the experiment's traces newest first
    (ix_traces_exp_time) and keeping those with no newer trace in their session (a probe of
    ix_traces_exp_session) finds a page of sessions in order without grouping every trace;
    only the page's sessions are then counted (turns, tokens, durations, failures).

    With `query`, only sessions whose id contains it (any case): the walk skips the others,
    so a rare match reads the experiment's sessions (a search box's cost, not a page's).
    """
    newer = traces.alias("newer")
    later = or_(
        newer.c.request_time > traces.c.request_time,
        and_(newer.c.request_time == traces.c.request_time, newer.c.trace_id > traces.c.trace_id),
    )
    has_newer = (
        select(newer.c.trace_id)
        .where(
            newer.c.experiment_id == traces.c.experiment_id,
            newer.c.session_id == traces.c.session_id,
            later,
        )
        .exists()
    )
    context = "sessions|" + ",".join(map(str, sorted(experiment_ids)))
    keys: list[tuple[Any, bool]] = [
        (traces.c.request_time, False),
        (traces.c.session_id, False),
        (traces.c.experiment_id, False),
    ]
    newest = select(
        traces.c.experiment_id,
        traces.c.session_id,
        traces.c.request_time.label("last_request_time"),
    ).where(
        traces.c.experiment_id.in_(list(experiment_ids)),
        traces.c.session_id.isnot(None),
        ~has_newer,
    )
    if query:
        newest = newest.where(
            func.lower(traces.c.session_id).contains(query.lower(), autoescape=True)
        )
    if page_token:
        condition: ColumnElement[bool] = after_token(
            keys, decode_token(page_token, context, len(keys))
        )
        newest = newest.where(condition)
    page = newest.order_by(*(k.desc() for k, _ in keys)).limit(limit).subquery()
    turns = traces.alias("turns")
    # A join, not a subquery per figure: SQLite answers max(user_id) alone by walking
    # ix_traces_exp_user over the whole experiment.
    stmt = (
        select(
            page.c.experiment_id,
            page.c.session_id,
            func.count().label("trace_count"),
            func.min(turns.c.request_time).label("first_request_time"),
            page.c.last_request_time,
            func.max(turns.c.user_id).label("user_id"),
            func.sum(turns.c.total_tokens).label("total_tokens"),
            func.sum(turns.c.execution_duration).label("total_duration_ms"),
            func.sum(case((turns.c.state == "ERROR", 1), else_=0)).label("error_count"),
        )
        .join(
            turns,
            and_(
                turns.c.experiment_id == page.c.experiment_id,
                turns.c.session_id == page.c.session_id,
            ),
        )
        .group_by(page.c.experiment_id, page.c.session_id, page.c.last_request_time)
        .order_by(
            page.c.last_request_time.desc(), page.c.session_id.desc(), page.c.experiment_id.desc()
        )
    )

    def token_after(row: dict[str, Any]) -> str:
        values = [row["last_request_time"], row["session_id"], row["experiment_id"]]
        return encode_token(values, context)

    return stmt, token_after
