"""Compiling the filter AST to SQL with bound parameters, the same on SQLite and PostgreSQL.

Every comparison is two-valued (false on a missing value, IS NULL aside). The tree is first put
in negation normal form: NOT is pushed down to the comparisons (De Morgan; NOT NOT x is x), and
nested ANDs / ORs are flattened. A positive comparison then needs no NULL guard (nothing above
it negates, and a NULL is not true), a negated one is `NOT (col IS NOT NULL AND ...)`; tags,
metadata and span predicates are EXISTS. The SQL is as deep as the filter's parentheses, however
many NOTs it chains, which keeps every filter within the parser's limits under SQLite's parser
and expression-depth limits.

Text is compared as stored (spanscope.search.stored_text): U+0000 or a lone surrogate in a value
or key stands for U+FFFD. ILIKE compares Python's `str.lower()` of the value with the pattern
lowered in Python, as the evaluator does: SQLite calls `str.lower` (sqlite_functions.py),
PostgreSQL lowers with ICU's root locale (`FOLD_COLLATION`), which follows the same Unicode rules
(İ -> i̇, final sigma), whatever the database's own collation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Numeric,
    Select,
    and_,
    case,
    cast,
    column,
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
)
from sqlalchemy.dialects.postgresql import JSONB

from spanscope.search.ast import And, Comparison, Expr, FieldKind, Not, Op, Scalar, SpanGroup, Value
from spanscope.search.stored_text import replace_unstorable
from spanscope.store.sql.case_folding import is_case_stable
from spanscope.store.sql.fulltext import ESCAPE, SEPARATOR, case_stable_runs, literal_runs
from spanscope.store.sql.schema import (
    TEXT_TABLE,
    assessments,
    spans,
    trace_metadata,
    trace_tags,
    traces,
)

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
TEXT = table(TEXT_TABLE, column("trace_id"), column("content"))
_ORDERING = {Op.LT: "__lt__", Op.LE: "__le__", Op.GT: "__gt__", Op.GE: "__ge__"}
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
# The ICU collation of the root locale, present on PostgreSQL built with ICU (the usual builds).
FOLD_COLLATION = "und-x-icu"
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


@dataclass(frozen=True, slots=True)
class _Context:
    dialect: str
    fold_collation: str | None
    case_stable: Callable[[], frozenset[str]] | None
    many_judged: Callable[[Select[Any]], bool] | None = None

    def is_stable(self, char: str) -> bool:
        return is_case_stable(char, self.case_stable)

    def fold(self, expr: Any) -> Any:
        """Python's str.lower() of a text expression (see the module docstring)."""
        if self.dialect == "sqlite":
            return func.spanscope_lower(expr)
        if self.fold_collation is not None:
            return func.lower(expr.collate(self.fold_collation))
        return func.lower(expr)


def compile_filter(
    expr: Expr,
    dialect: str,
    *,
    fold_collation: str | None = FOLD_COLLATION,
    case_stable: Callable[[], frozenset[str]] | None = None,
    many_judged: Callable[[Select[Any]], bool] | None = None,
) -> ColumnElement[bool]:
    """The WHERE clause (over `traces`) equivalent to `expr`.

    `fold_collation` (PostgreSQL): the collation ILIKE lowers with; None for the database's
    default (where ICU is missing; non-ASCII case folding then follows that collation).
    `case_stable`: the characters with case the store's full-text index folds as str.lower()
    does (case_folding.py), asked for only when a `text ILIKE` pattern holds one; None: none.
    `many_judged` (SQLite): whether a query of assessment trace ids finds many (see _judged).
    """
    context = make_context(dialect, fold_collation, case_stable, many_judged)
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
) -> _Context:
    """The compile settings (see compile_filter)."""
    return _Context(dialect, fold_collation, case_stable, many_judged)


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


def _junction(node: _Junction, context: _Context) -> ColumnElement[bool]:
    parts = [
        _leaf(o, context, fence=False) if isinstance(o, Leaf) else _junction(o, context)
        for o in node.operands
    ]
    return and_(*parts) if node.conjunction else or_(*parts)


def compile_leaf(leaf: Leaf, context: _Context) -> ColumnElement[bool]:
    """One comparison (or span group) of a filter, NOT applied where the leaf says."""
    return _leaf(leaf, context, fence=False)


def _leaf(leaf: Leaf, context: _Context, fence: bool) -> ColumnElement[bool]:
    comparison = leaf.comparison
    if isinstance(comparison, SpanGroup):
        from spanscope.store.sql.span_filters import span_group  # it builds on this module

        group = span_group(comparison, context, fence)
        return not_(group) if leaf.negated else group
    if comparison.field.kind in (FieldKind.FEEDBACK, FieldKind.EXPECTATION):
        value = stored(comparison.value)
        judged = _assessment(comparison, value, context, fence, negated=leaf.negated)
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


def canonical_like(pattern: str) -> str:
    """Rewrite a pattern so `\\` escapes only % _ and itself (ESCAPE '\\' reads it the same
    on every database): an escaped other character is that character, a trailing `\\` a
    literal backslash."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            following = pattern[i + 1]
            if following in "%_\\":
                out.append("\\" + following)
            else:
                out.append(following)
            i += 2
        elif char == "\\":
            out.append("\\\\")
            i += 1
        else:
            out.append(char)
            i += 1
    return "".join(out)


def stored(value: Value) -> Value:
    """A filter value as stores keep text (U+0000, lone surrogates -> U+FFFD)."""
    if isinstance(value, str):
        return replace_unstorable(value)
    if isinstance(value, tuple):
        return tuple(replace_unstorable(v) if isinstance(v, str) else v for v in value)
    return value


def _exists(
    where: list[ColumnElement[bool]], fence: bool, from_: Any = None
) -> ColumnElement[bool]:
    query: Select[Any] = select(literal_column("1")).where(*where)
    if from_ is not None:
        query = query.select_from(from_)
    return exists(query.offset(0) if fence else query)


def _comparison(comp: Comparison, context: _Context, fence: bool) -> ColumnElement[bool]:
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
            return not_(_exists(scope, fence))
        if op is Op.IS_NOT_NULL:
            return _exists(scope, fence)
        return _exists([*scope, compare(table.c.value, op, value, context)], fence)
    if kind is FieldKind.SPAN:
        from spanscope.store.sql.span_filters import span_comparison, span_value_present

        scope = [spans.c.trace_id == traces.c.trace_id]
        if op in (Op.IS_NULL, Op.IS_NOT_NULL):
            present = _exists([*scope, span_value_present(comp.field.key, context.dialect)], fence)
            return not_(present) if op is Op.IS_NULL else present
        return _exists([*scope, span_comparison(comp, context)], fence)
    if kind is FieldKind.SPAN_ATTRIBUTE:
        return _span_attribute(comp, value, context, fence)
    if kind in (FieldKind.FEEDBACK, FieldKind.EXPECTATION):
        return _assessment(comp, value, context, fence)
    return _text(op, value, context, fence)


def compare(column: Any, op: Op, value: Value, context: _Context) -> ColumnElement[bool]:
    if op is Op.EQ:
        return column == value  # type: ignore[no-any-return]
    if op is Op.NE:
        return column != value  # type: ignore[no-any-return]
    if op is Op.IN:
        return column.in_(list(_values(value)))  # type: ignore[no-any-return]
    if op is Op.NOT_IN:
        return column.notin_(list(_values(value)))  # type: ignore[no-any-return]
    if op in _ORDERING:
        return getattr(column, _ORDERING[op])(value)  # type: ignore[no-any-return]
    if op in (Op.LIKE, Op.NOT_LIKE):
        like = column.like(canonical_like(str(value)), escape="\\")
        return like if op is Op.LIKE else not_(like)  # type: ignore[no-any-return]
    if op in (Op.ILIKE, Op.NOT_ILIKE):
        # The pattern is lowered in Python, before its escapes are read, as the evaluator does.
        pattern = canonical_like(str(value).lower())
        ilike: ColumnElement[bool] = context.fold(column).like(pattern, escape="\\")
        return ilike if op is Op.ILIKE else not_(ilike)
    raise ValueError(f"operator {op.value} cannot be compiled here")


def _values(value: Value) -> tuple[Scalar, ...]:
    return value if isinstance(value, tuple) else () if value is None else (value,)


def _span_attribute(
    comp: Comparison, value: Value, context: _Context, fence: bool
) -> ColumnElement[bool]:
    key = replace_unstorable(comp.field.key)
    scope: list[ColumnElement[bool]] = [spans.c.trace_id == traces.c.trace_id]
    from_: Any = None
    if context.dialect == "sqlite":
        # json_each, not a JSON path: it reads any key exactly (a path cannot quote every
        # character the same way on every SQLite version).
        attributes = (
            func.json_each(spans.c.content, "$.attributes")
            .table_valued("key", "type", "atom")
            .alias("attributes")
        )
        from_ = spans.join(attributes, true())
        scope.append(attributes.c.key == key)
        kind: Any = attributes.c.type
        number: Any = attributes.c.atom
        text_value: Any = attributes.c.atom
        is_number: ColumnElement[bool] = kind.in_(["integer", "real"])
        is_text = kind == "text"
    else:
        found = cast(spans.c.content, JSONB)["attributes"][key]
        kind = func.jsonb_typeof(found)
        text_value = found.astext
        # Cast only numbers: casting a JSON string to numeric would raise mid-query.
        number = case((kind == "number", cast(text_value, Numeric)))
        is_number = kind == "number"
        is_text = kind == "string"
    present = and_(kind.isnot(None), kind != "null")
    op = comp.op
    if op is Op.IS_NULL:
        return not_(_exists([*scope, present], fence, from_))
    if op is Op.IS_NOT_NULL:
        return _exists([*scope, present], fence, from_)
    condition = attribute_condition(op, value, context, is_number, is_text, number, text_value)
    return _exists([*scope, condition], fence, from_)


def attribute_condition(
    op: Op,
    value: Value,
    context: _Context,
    is_number: ColumnElement[bool],
    is_text: ColumnElement[bool],
    number: Any,
    text_value: Any,
) -> ColumnElement[bool]:
    """A span attribute's JSON value (of the given kind tests) compared with `value`."""
    values = _values(value)
    if all(isinstance(v, (int, float)) for v in values):
        return and_(is_number, compare(number, op, value, context))
    if all(isinstance(v, str) for v in values):
        return and_(is_text, compare(text_value, op, value, context))
    # a mixed IN list: each literal compares with values of its own kind
    strings = [v for v in values if isinstance(v, str)]
    numbers = [v for v in values if not isinstance(v, str)]
    condition = or_(
        and_(is_text, text_value.in_(strings)),
        and_(is_number, number.in_(numbers)),
    )
    if op is Op.NOT_IN:
        condition = and_(or_(is_text, is_number), not_(condition))
    return condition


def _assessment(
    comp: Comparison, value: Value, context: _Context, fence: bool, *, negated: bool = False
) -> ColumnElement[bool]:
    # Values are typed on write (store/sql/assessments.py): booleans as 1 / 0 and numbers in
    # value_number, strings in value_text; value_type says which, so 1 never equals true.
    table = assessments
    scope: list[ColumnElement[bool]] = [
        table.c.name == replace_unstorable(comp.field.key),
        table.c.kind == ("feedback" if comp.field.kind is FieldKind.FEEDBACK else "expectation"),
        table.c.valid.is_(true()),
    ]
    op = comp.op
    # Where the set test ends up negated (NOT, IS NULL), a trace passes when it has no such
    # judgement: probing each trace's judgements (an anti-join) never builds the whole set.
    absent = negated != (op is Op.IS_NULL)
    if op in (Op.IS_NULL, Op.IS_NOT_NULL):
        present = _judged([*scope, table.c.value_type != "null"], context, fence, absent)
        return present if op is Op.IS_NOT_NULL else not_(present)
    values = _values(value)
    by_type: dict[str, list[Scalar]] = {}
    for v in values:
        kind = "bool" if isinstance(v, bool) else "string" if isinstance(v, str) else "number"
        by_type.setdefault(kind, []).append(float(v) if kind == "bool" else v)
    conditions = []
    for kind, group in by_type.items():
        column = table.c.value_text if kind == "string" else table.c.value_number
        operand: Value = tuple(group) if isinstance(value, tuple) else group[0]
        compared = op if len(by_type) == 1 or op is not Op.NOT_IN else Op.IN
        conditions.append(
            and_(table.c.value_type == kind, compare(column, compared, operand, context))
        )
    condition = conditions[0] if len(conditions) == 1 else or_(*conditions)
    if len(by_type) > 1 and op is Op.NOT_IN:  # a mixed list: comparable values not in it
        comparable = table.c.value_type.in_(list(by_type))
        condition = and_(comparable, not_(condition))
    return _judged([*scope, condition], context, fence, absent)


def _judged(
    where: list[ColumnElement[bool]], context: _Context, fence: bool, absent: bool
) -> ColumnElement[bool]:
    if absent:
        return _exists([assessments.c.trace_id == traces.c.trace_id, *where], fence)
    if context.many_judged is not None:
        ids = select(assessments.c.trace_id).where(*where)
        if context.many_judged(ids):
            # SQLite plans IN without knowing how many ids it holds. When they are many, walk
            # traces in order and probe each one's judgements (an index on trace_id covers
            # the test), which finds a page long before the whole set could be built.
            return _exists([assessments.c.trace_id == traces.c.trace_id, *where], fence)
    # An uncorrelated IN, as for text: the database may drive the search from the
    # assessments index (a rare judgement) or probe the set while walking traces.
    judged = traces.c.trace_id.in_(select(assessments.c.trace_id).where(*where))
    # PostgreSQL pulls an IN subquery up into a join even with OFFSET 0; under IS TRUE it
    # stays a subquery, run once and hashed.
    return judged.is_(true()) if fence else judged


def _text(op: Op, value: Value, context: _Context, fence: bool) -> ColumnElement[bool]:
    # A trace's texts share one row (store/sql/fulltext.py): the index pre-selects rows by the
    # pattern's literal runs, then the exact LIKE / ILIKE is tested on each text alone.
    if op not in (Op.LIKE, Op.ILIKE):
        return false() if op is not Op.IS_NOT_NULL else true()
    content = TEXT.c.content
    insensitive = op is Op.ILIKE
    # ILIKE: the pattern lowered in Python first (as the evaluator does); the index is then
    # asked only for runs of characters every database folds alike (fulltext.case_stable_runs).
    pattern = canonical_like(str(value).lower() if insensitive else str(value))
    runs = case_stable_runs(pattern, context.is_stable) if insensitive else literal_runs(pattern)
    conditions: list[ColumnElement[bool]] = []
    if context.dialect == "sqlite":
        # The trigram index finds rows holding every run of 3+ characters (case folded); the
        # exact LIKE then decides.
        query = fts_query(runs)
        if query is not None:
            conditions.append(literal_column(TEXT_TABLE).op("MATCH")(literal(query)))
        conditions.append(func.spanscope_text_like(content, pattern, int(insensitive)) == 1)
    else:
        # pg_trgm serves LIKE and ILIKE: the runs, in order, pre-select; the exact comparison
        # of each text decides.
        if runs:
            loose = "%" + "%".join(_like_escape(run) for run in runs) + "%"
            pre = content.ilike(loose, escape="\\") if insensitive else content.like(loose, "\\")
            conditions.append(pre)
        texts = (
            func.unnest(func.string_to_array(content, literal(SEPARATOR)))
            .table_valued("value")
            .render_derived()
            .alias("texts")
        )
        one = func.replace(
            func.replace(texts.c.value, literal(ESCAPE + "s"), literal(SEPARATOR)),
            literal(ESCAPE + "e"),
            literal(ESCAPE),
        )
        compared = context.fold(one) if insensitive else one
        match = select(literal(1)).select_from(texts).where(compared.like(pattern, escape="\\"))
        conditions.append(exists(match))
    candidates = traces.c.trace_id.in_(select(TEXT.c.trace_id).where(*conditions))
    # PostgreSQL pulls an IN subquery up into a join even with OFFSET 0; under IS TRUE it
    # stays a subquery, run once and hashed.
    return candidates.is_(true()) if fence else candidates


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
