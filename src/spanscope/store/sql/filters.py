"""Compiling the filter AST to SQL with bound parameters, the same on SQLite and PostgreSQL.

Every comparison is two-valued (false on a missing value, IS NULL aside). The tree is first put
in negation normal form: NOT is pushed down to the comparisons (De Morgan; NOT NOT x is x), and
nested ANDs / ORs are flattened. A positive comparison then needs no NULL guard (nothing above
it negates, and a NULL is not true), a negated one is `NOT (col IS NOT NULL AND ...)`; tags,
metadata and span predicates are EXISTS. The SQL is as deep as the filter's parentheses, however
many NOTs it chains, which keeps every filter within the parser's limits under SQLite's parser
and expression-depth limits.

Values are compared as comparisons.py says (text as stored, ILIKE folding as Python's
`str.lower()`). Assessment comparisons compile in assessment_filters.py, span ones in
span_filters.py, span attributes in attribute_filters.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    exists,
    false,
    func,
    literal,
    literal_column,
    not_,
    or_,
    select,
    table,
    true,
    union_all,
)

from spanscope.search.ast import And, Comparison, Expr, FieldKind, Not, Op, SpanGroup, Value
from spanscope.search.stored_text import replace_unstorable
from spanscope.store.sql.assessment_filters import ASSESSMENT_KINDS, assessment_condition
from spanscope.store.sql.attribute_filters import attribute_condition, attribute_value
from spanscope.store.sql.comparisons import (
    FOLD_COLLATION,
    FilterContext,
    canonical_like,
    compare,
    exists_where,
    stored,
)
from spanscope.store.sql.fulltext import (
    PG_SPAN_INDEXED,
    PG_TRACE_INDEXED,
    case_stable_runs,
    literal_runs,
)
from spanscope.store.sql.schema import TEXT_TABLE, spans, trace_metadata, trace_tags, traces

__all__ = [
    "FOLD_COLLATION",
    "PULL_UP_LIMIT",
    "Leaf",
    "attribute_condition",
    "canonical_like",
    "compare",
    "compile_filter",
    "compile_leaf",
    "fts_query",
    "make_context",
    "normal_form",
    "stored",
    "text_candidates",
]

TRACE_COLUMNS = {
    "trace_id": traces.c.trace_id,
    "name": traces.c.name,
    "status": traces.c.state,
    "timestamp_ms": traces.c.request_time,
    "execution_time_ms": traces.c.execution_duration,
    "session_id": traces.c.session_id,
    "user_id": traces.c.user_id,
    "client_request_id": traces.c.client_request_id,
    "request_preview": traces.c.request_preview,
    "response_preview": traces.c.response_preview,
    "cost": traces.c.cost_total,
    "input_tokens": traces.c.input_tokens,
    "output_tokens": traces.c.output_tokens,
    "total_tokens": traces.c.total_tokens,
}
_SUBQUERY_KINDS = frozenset(
    {
        FieldKind.TAG,
        FieldKind.METADATA,
        FieldKind.SPAN,
        FieldKind.SPAN_ATTRIBUTE,
        FieldKind.TEXT,
        FieldKind.FEEDBACK,
        FieldKind.EXPECTATION,
    }
)
# PostgreSQL turns the subqueries of the top-level AND into (anti-)semi-joins, and plans the
# join order of all of them: past a dozen, planning takes seconds (100 tag comparisons: 2.5 s,
# 100 text comparisons: minutes). Beyond this many, each is fenced (EXISTS with OFFSET 0, IN
# under IS TRUE), which PostgreSQL keeps as a subplan.
PULL_UP_LIMIT = 8


@dataclass(frozen=True, slots=True)
class Leaf:
    comparison: Comparison | SpanGroup
    negated: bool


@dataclass(frozen=True, slots=True)
class _Junction:
    conjunction: bool  # AND, else OR
    operands: tuple[Leaf | _Junction, ...]


def compile_filter(
    expr: Expr,
    dialect: str,
    *,
    fold_collation: str | None = FOLD_COLLATION,
    case_stable: Callable[[], frozenset[str]] | None = None,
    many_judged: Callable[[Select[Any]], bool] | None = None,
    text_per_row: bool = False,
) -> ColumnElement[bool]:
    """The WHERE clause (over `traces`) equivalent to `expr`.

    `fold_collation` (PostgreSQL): the collation ILIKE lowers with; None for the database's
    default (where ICU is missing; non-ASCII case folding then follows that collation).
    `case_stable`: the characters with case the store's full-text index folds as str.lower()
    does (case_folding.py), asked for only when a `text ILIKE` pattern holds one; None: none.
    `many_judged` (SQLite): whether a query of assessment trace ids finds many
    (see assessment_filters._judged).
    `text_per_row`: full-text comparisons test each trace in turn, for a query over a few
    traces (FilterContext.text_per_row).
    """
    context = make_context(dialect, fold_collation, case_stable, many_judged, text_per_row)
    node = normal_form(expr, negated=False)
    if isinstance(node, Leaf):
        return _leaf(node, context, fence=False)
    if not node.conjunction or dialect != "postgresql":
        return _junction(node, context)
    # Top-level AND on PostgreSQL: fence the subqueries past PULL_UP_LIMIT (see above).
    parts = []
    pulled = 0
    for operand in node.operands:
        if isinstance(operand, Leaf):
            comparison = operand.comparison
            pulled += isinstance(comparison, SpanGroup) or comparison.field.kind in _SUBQUERY_KINDS
            parts.append(_leaf(operand, context, fence=pulled > PULL_UP_LIMIT))
        else:
            parts.append(_junction(operand, context))
    return and_(*parts)


def make_context(
    dialect: str,
    fold_collation: str | None = FOLD_COLLATION,
    case_stable: Callable[[], frozenset[str]] | None = None,
    many_judged: Callable[[Select[Any]], bool] | None = None,
    text_per_row: bool = False,
) -> FilterContext:
    """The compile settings (see compile_filter)."""
    return FilterContext(dialect, fold_collation, case_stable, many_judged, text_per_row)


def normal_form(expr: Expr, negated: bool) -> Leaf | _Junction:
    """`expr` (negated if asked) with NOT only on comparisons and no AND directly in an AND,
    nor OR in an OR."""
    while isinstance(expr, Not):  # chains of NOT, without recursion
        expr = expr.operand
        negated = not negated
    if isinstance(expr, (Comparison, SpanGroup)):
        return Leaf(expr, negated)
    conjunction = isinstance(expr, And) != negated  # De Morgan
    operands: list[Leaf | _Junction] = []
    for operand in expr.operands:
        node = normal_form(operand, negated)
        if isinstance(node, _Junction) and node.conjunction == conjunction:
            operands.extend(node.operands)
        else:
            operands.append(node)
    return _Junction(conjunction, tuple(operands))


def _junction(node: _Junction, context: FilterContext) -> ColumnElement[bool]:
    parts = [
        _leaf(o, context, fence=False) if isinstance(o, Leaf) else _junction(o, context)
        for o in node.operands
    ]
    return and_(*parts) if node.conjunction else or_(*parts)


def compile_leaf(leaf: Leaf, context: FilterContext) -> ColumnElement[bool]:
    """One comparison (or span group) of a filter, NOT applied where the leaf says."""
    return _leaf(leaf, context, fence=False)


def _leaf(leaf: Leaf, context: FilterContext, fence: bool) -> ColumnElement[bool]:
    comparison = leaf.comparison
    if isinstance(comparison, SpanGroup):
        from spanscope.store.sql.span_filters import span_group  # it builds on this module

        group = span_group(comparison, context, fence)
        return not_(group) if leaf.negated else group
    if comparison.field.kind in ASSESSMENT_KINDS:
        judged = assessment_condition(comparison, context, fence, negated=leaf.negated)
        return not_(judged) if leaf.negated else judged
    sql = _comparison(comparison, context, fence)
    if not leaf.negated:
        return sql
    if comparison.field.kind is FieldKind.TRACE and comparison.op not in (
        Op.IS_NULL,
        Op.IS_NOT_NULL,
    ):  # NOT of a comparison on a NULL column is true: the comparison itself is false there
        sql = and_(TRACE_COLUMNS[comparison.field.key].isnot(None), sql)
    return not_(sql)


def _comparison(comp: Comparison, context: FilterContext, fence: bool) -> ColumnElement[bool]:
    kind, op, value = comp.field.kind, comp.op, stored(comp.value)
    if kind is FieldKind.TRACE:
        column = TRACE_COLUMNS[comp.field.key]
        if op is Op.IS_NULL:
            return column.is_(None)
        if op is Op.IS_NOT_NULL:
            return column.isnot(None)
        return compare(column, op, value, context)
    if kind in (FieldKind.TAG, FieldKind.METADATA):
        table = trace_tags if kind is FieldKind.TAG else trace_metadata
        scope = [
            table.c.trace_id == traces.c.trace_id,
            table.c.key == replace_unstorable(comp.field.key),
        ]
        if op is Op.IS_NULL:
            return not_(exists_where(scope, fence))
        if op is Op.IS_NOT_NULL:
            return exists_where(scope, fence)
        return exists_where([*scope, compare(table.c.value, op, value, context)], fence)
    if kind is FieldKind.SPAN:
        from spanscope.store.sql.span_filters import span_comparison, span_value_present

        scope = [spans.c.trace_id == traces.c.trace_id]
        if op in (Op.IS_NULL, Op.IS_NOT_NULL):
            present = exists_where(
                [*scope, span_value_present(comp.field.key, context.dialect)], fence
            )
            return not_(present) if op is Op.IS_NULL else present
        return exists_where([*scope, span_comparison(comp, context)], fence)
    if kind is FieldKind.SPAN_ATTRIBUTE:
        return _span_attribute(comp, value, context, fence)
    if kind in ASSESSMENT_KINDS:
        return assessment_condition(comp, context, fence)
    return _text(op, value, context, fence)


def _span_attribute(
    comp: Comparison, value: Value, context: FilterContext, fence: bool
) -> ColumnElement[bool]:
    attribute = attribute_value(replace_unstorable(comp.field.key), context.dialect)
    scope = [spans.c.trace_id == traces.c.trace_id, *attribute.scope]
    from_ = None if attribute.rows is None else spans.join(attribute.rows, true())
    op = comp.op
    if op is Op.IS_NULL:
        return not_(exists_where([*scope, attribute.present()], fence, from_))
    if op is Op.IS_NOT_NULL:
        return exists_where([*scope, attribute.present()], fence, from_)
    return exists_where([*scope, attribute.condition(op, value, context)], fence, from_)


def _text(op: Op, value: Value, context: FilterContext, fence: bool) -> ColumnElement[bool]:
    # The text is stored once (store/sql/fulltext.py): an index pre-selects candidates by the
    # pattern's literal runs, then the exact LIKE / ILIKE is tested on each text alone, read
    # from the trace row and its span rows.
    if op not in (Op.LIKE, Op.ILIKE):
        return false() if op is not Op.IS_NOT_NULL else true()
    insensitive = op is Op.ILIKE
    pattern, runs = _text_runs(op, value, context)
    if context.dialect == "sqlite":
        return _sqlite_text(pattern, runs, insensitive, context.text_per_row)
    # pg_trgm serves LIKE and ILIKE: the runs, in order, pre-select spans and traces through
    # their expression indexes; the exact comparison of each text decides.
    loose = "%" + "%".join(_like_escape(run) for run in runs) + "%" if runs else None

    def like(expr: Any) -> ColumnElement[bool]:
        compared: ColumnElement[str] = context.fold(expr) if insensitive else expr
        return compared.like(pattern, escape="\\")

    def indexed(template: str, name: str) -> list[ColumnElement[bool]]:
        if loose is None:
            return []
        expr: ColumnElement[str] = literal_column(template.format(t=name))
        return [expr.ilike(loose, escape="\\") if insensitive else expr.like(loose, "\\")]

    found = spans.alias("text_spans")
    # The span's inputs and outputs from one parse of its content (spanscope_json_texts).
    texts = (
        func.unnest(func.spanscope_json_texts(found.c.content))
        .table_valued("value")
        .render_derived()
        .alias("texts")
    )
    in_json = exists(select(literal(1)).select_from(texts).where(like(texts.c.value)))
    by_span = select(found.c.trace_id).where(
        *indexed(PG_SPAN_INDEXED, "text_spans"), or_(like(found.c.name), in_json)
    )
    if context.text_per_row:
        # The indexed expression's LIKE, cheap beside the exact test, turns most spans away.
        # IS TRUE: a missing name or preview is no match, never unknown (NOT stays exact).
        return or_(
            like(traces.c.name),
            like(traces.c.request_preview),
            like(traces.c.response_preview),
            by_span.where(found.c.trace_id == traces.c.trace_id).exists(),
        ).is_(true())
    own = traces.alias("text_traces")
    by_trace = select(own.c.trace_id).where(
        *indexed(PG_TRACE_INDEXED, "text_traces"),
        or_(like(own.c.name), like(own.c.request_preview), like(own.c.response_preview)),
    )
    candidates = traces.c.trace_id.in_(union_all(by_span, by_trace))
    # PostgreSQL pulls an IN subquery up into a join even with OFFSET 0; under IS TRUE it
    # stays a subquery, run once and hashed.
    return candidates.is_(true()) if fence else candidates


def _text_runs(op: Op, value: Value, context: FilterContext) -> tuple[str, list[str]]:
    """The canonical LIKE pattern of a text comparison, and the literal runs the index may be
    asked for. ILIKE: the pattern lowered in Python first (as the evaluator does), and only
    runs of characters every database folds alike (fulltext.case_stable_runs)."""
    insensitive = op is Op.ILIKE
    pattern = canonical_like(str(value).lower() if insensitive else str(value))
    runs = case_stable_runs(pattern, context.is_stable) if insensitive else literal_runs(pattern)
    return pattern, runs


def text_candidates(comparison: Comparison, context: FilterContext) -> Select[Any] | None:
    """What a full-text index pre-selects for a text LIKE / ILIKE comparison (every trace it
    may match, and some more): SQLite, the traces' rowids; PostgreSQL, the spans' trace ids
    (the larger half: a trace's own texts are short). None if the index cannot narrow it (a
    pattern without a run of three characters)."""
    if comparison.op not in (Op.LIKE, Op.ILIKE):
        return None
    runs = _text_runs(comparison.op, stored(comparison.value), context)[1]
    if context.dialect == "postgresql":
        if not any(len(run) >= 3 for run in runs):
            return None
        loose = "%" + "%".join(_like_escape(run) for run in runs) + "%"
        indexed: ColumnElement[str] = literal_column(PG_SPAN_INDEXED.format(t="spans"))
        if comparison.op is Op.ILIKE:
            return select(spans.c.trace_id).where(indexed.ilike(loose, escape="\\"))
        return select(spans.c.trace_id).where(indexed.like(loose, escape="\\"))
    query = fts_query(runs)
    if query is None:
        return None
    return (
        select(literal_column("rowid"))
        .select_from(table(TEXT_TABLE))
        .where(literal_column(TEXT_TABLE).op("MATCH")(literal(query)))
    )


def _sqlite_text(
    pattern: str, runs: list[str], insensitive: bool, per_row: bool
) -> ColumnElement[bool]:
    """The trigram index finds traces holding every run of 3+ characters (case folded); the
    exact LIKE of each text of the trace row and its spans then decides (alone `per_row`:
    the index lists every candidate at once, too many for a few traces when the run is
    common)."""

    def like(text_column: Any) -> ColumnElement[bool]:
        return func.coalesce(func.spanscope_like(text_column, pattern, int(insensitive)), 0) == 1

    span_like = func.spanscope_span_like(spans.c.name, spans.c.content, pattern, int(insensitive))
    exact = or_(
        like(traces.c.name),
        like(traces.c.request_preview),
        like(traces.c.response_preview),
        exists(select(literal(1)).where(spans.c.trace_id == traces.c.trace_id, span_like == 1)),
    )
    query = fts_query(runs)
    if query is None or per_row:
        return exact
    matched: Select[Any] = (
        select(literal_column("rowid"))
        .select_from(table(TEXT_TABLE))
        .where(literal_column(TEXT_TABLE).op("MATCH")(literal(query)))
    )
    return and_(literal_column("traces.rowid").in_(matched), exact)


def fts_query(runs: list[str]) -> str | None:
    """An FTS5 query for rows holding trigrams of each literal run of a pattern.

    The index keeps no positions (detail=column), so it is asked for single trigrams: every
    third one of a run and its last, which any row holding the run holds too.
    """
    grams: dict[str, None] = {}
    for run in runs:
        if len(run) >= 3:
            starts = [*range(0, len(run) - 2, 3), len(run) - 3]
            grams.update((run[i : i + 3], None) for i in starts)
    return " AND ".join('"' + gram.replace('"', '""') + '"' for gram in grams) or None


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
