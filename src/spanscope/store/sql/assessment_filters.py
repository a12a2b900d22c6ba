"""Compiling assessment comparisons (`feedback.x`, `expectation.x`) of a trace filter to SQL.

A trace matches when one of its valid judgements of that name and kind does. Values are typed on
write (store/sql/assessments.py): booleans as 1 / 0 and numbers in value_number, strings in
value_text; value_type says which, so 1 never equals true.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, not_, or_, select, true

from spanscope.search.ast import Comparison, FieldKind, Op, Scalar, Value
from spanscope.search.stored_text import replace_unstorable
from spanscope.store.sql.comparisons import FilterContext, compare, exists_where, scalars, stored
from spanscope.store.sql.schema import assessments, traces

__all__ = ["ASSESSMENT_KINDS", "assessment_condition"]

ASSESSMENT_KINDS = (FieldKind.FEEDBACK, FieldKind.EXPECTATION)


def assessment_condition(
    comp: Comparison, context: FilterContext, fence: bool, *, negated: bool = False
) -> ColumnElement[bool]:
    """Whether the trace has a judgement matching `comp`; `negated`: the caller negates it."""
    table = assessments
    scope: list[ColumnElement[bool]] = [
        table.c.name == replace_unstorable(comp.field.key),
        table.c.kind == ("feedback" if comp.field.kind is FieldKind.FEEDBACK else "expectation"),
        table.c.valid.is_(true()),
    ]
    op, value = comp.op, stored(comp.value)
    # Where the set test ends up negated (NOT, IS NULL), a trace passes when it has no such
    # judgement: probing each trace's judgements (an anti-join) never builds the whole set.
    absent = negated != (op is Op.IS_NULL)
    if op in (Op.IS_NULL, Op.IS_NOT_NULL):
        present = _judged([*scope, table.c.value_type != "null"], context, fence, absent)
        return present if op is Op.IS_NOT_NULL else not_(present)
    by_type: dict[str, list[Scalar]] = {}
    for v in scalars(value):
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
    where: list[ColumnElement[bool]], context: FilterContext, fence: bool, absent: bool
) -> ColumnElement[bool]:
    if absent:
        return exists_where([assessments.c.trace_id == traces.c.trace_id, *where], fence)
    if context.many_judged is not None:
        ids = select(assessments.c.trace_id).where(*where)
        if context.many_judged(ids):
            # SQLite plans IN without knowing how many ids it holds. When they are many, walk
            # traces in order and probe each one's judgements (an index on trace_id covers
            # the test), which finds a page long before the whole set could be built.
            return exists_where([assessments.c.trace_id == traces.c.trace_id, *where], fence)
    # An uncorrelated IN, as for text: the database may drive the search from the
    # assessments index (a rare judgement) or probe the set while walking traces.
    judged = traces.c.trace_id.in_(select(assessments.c.trace_id).where(*where))
    # PostgreSQL pulls an IN subquery up into a join even with OFFSET 0; under IS TRUE it
    # stays a subquery, run once and hashed.
    return judged.is_(true()) if fence else judged
