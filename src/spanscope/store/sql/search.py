"""The SELECTs behind search_traces and search_sessions (filter, order, keyset paging), and
the experiments' trace counts."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select, true

from spanscope.search import Comparison, FieldKind, Not, SpanGroup, parse_filter, parse_order_by
from spanscope.search.stored_text import replace_unstorable
from spanscope.search.trace_order import DEFAULT_ORDER, NO_FEEDBACK
from spanscope.store.sql.filters import FOLD_COLLATION, compile_filter
from spanscope.store.sql.pagination import after_token, decode_token, encode_token
from spanscope.store.sql.schema import assessments, experiments, traces

__all__ = ["NO_FEEDBACK", "SearchQuery", "experiments_with_counts", "session_query"]


def _count_key(name: str) -> tuple[Any, Callable[[dict[str, Any]], Any]]:
    """The sort key of a token count column: -1 for a trace without usage (stored counts are
    never negative, see entities.token_usage.token_count)."""
    return (
        func.coalesce(traces.c[name], -1),
        lambda r: -1 if r[name] is None else r[name],
    )


# Sort keys: never NULL, so keyset comparisons stay two-valued.
_SORT_KEYS: dict[str, tuple[Any, Callable[[dict[str, Any]], Any]]] = {
    "timestamp_ms": (traces.c.request_time, lambda r: r["request_time"]),
    "execution_time_ms": (
        func.coalesce(traces.c.execution_duration, -1),
        lambda r: -1 if r["execution_duration"] is None else r["execution_duration"],
    ),
    # Unpriced traces sort below every cost (costs are never negative).
    "cost": (
        func.coalesce(traces.c.cost_total, -1.0),
        lambda r: -1.0 if r["cost_total"] is None else r["cost_total"],
    ),
    # Traces without token usage sort below every count, as unpriced ones below every cost.
    **{name: _count_key(name) for name in ("input_tokens", "output_tokens", "total_tokens")},
    "name": (func.coalesce(traces.c.name, ""), lambda r: r["name"] or ""),
    "status": (traces.c.state, lambda r: r["state"]),
    "trace_id": (traces.c.trace_id, lambda r: r["trace_id"]),
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
        pending = [self.expr] if self.expr is not None else []
        while pending:
            node = pending.pop()
            if isinstance(node, Comparison):
                if node.field.kind in (FieldKind.FEEDBACK, FieldKind.EXPECTATION):
                    return True
            elif isinstance(node, Not):
                pending.append(node.operand)
            elif isinstance(node, SpanGroup):
                pending.append(node.expr)
            else:
                pending.extend(node.operands)
        return False

    def statement(self, limit: int, page_token: str | None) -> Select[Any]:
        stmt = select(traces).where(traces.c.experiment_id.in_(self.experiment_ids))
        if self.expr is not None:
            where = compile_filter(
                self.expr,
                self.dialect,
                fold_collation=self.fold_collation,
                case_stable=self.case_stable,
                many_judged=self.many_judged,
            )
            stmt = stmt.where(where)
        exprs = []
        for i, (name, ascending, key) in enumerate(self.keys):
            if name == "feedback":
                sort = _feedback_sort(key)
                stmt = stmt.add_columns(sort.label(f"{_SORT_LABEL}{i}"))
                exprs.append((sort, ascending))
            else:
                exprs.append((_SORT_KEYS[name][0], ascending))
        if page_token:
            values = decode_token(page_token, self.context, len(self.keys))
            stmt = stmt.where(after_token(exprs, values))
        order = [e.asc() if ascending else e.desc() for e, ascending in exprs]
        return stmt.order_by(*order).limit(limit)

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
    experiment_ids: Sequence[int], limit: int, page_token: str | None
) -> tuple[Select[Any], Callable[[dict[str, Any]], str]]:
    """Sessions (traces grouped by session id), newest activity first."""
    last = func.max(traces.c.request_time)
    grouped = (
        select(
            traces.c.experiment_id,
            traces.c.session_id,
            func.count().label("trace_count"),
            func.min(traces.c.request_time).label("first_request_time"),
            last.label("last_request_time"),
            func.max(traces.c.user_id).label("user_id"),
        )
        .where(traces.c.experiment_id.in_(list(experiment_ids)), traces.c.session_id.isnot(None))
        .group_by(traces.c.experiment_id, traces.c.session_id)
        .subquery()
    )
    context = "sessions|" + ",".join(map(str, sorted(experiment_ids)))
    keys: list[tuple[Any, bool]] = [
        (grouped.c.last_request_time, False),
        (grouped.c.session_id, False),
        (grouped.c.experiment_id, False),
    ]
    stmt = select(grouped)
    if page_token:
        condition: ColumnElement[bool] = after_token(
            keys, decode_token(page_token, context, len(keys))
        )
        stmt = stmt.where(condition)
    stmt = stmt.order_by(*(k.desc() for k, _ in keys)).limit(limit)

    def token_after(row: dict[str, Any]) -> str:
        values = [row["last_request_time"], row["session_id"], row["experiment_id"]]
        return encode_token(values, context)

    return stmt, token_after
