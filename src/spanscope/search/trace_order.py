"""The reference order of search_traces: how `order_by` sorts traces. SQL stores must agree.

Every sort value is present, so a missing one sorts first ascending and last descending:
* execution_time_ms, cost and the token counts: -1 when missing (they are never negative);
* name, session_id and user_id: "" when missing; they compare by code point (a store's
  collation may order other text differently, so stores are checked on ASCII names only);
* feedback.<name>: the largest valid numeric or true / false (1 / 0) value of that feedback
  on the trace or its spans, NO_FEEDBACK (below every number) without one;
* ties fall to the next clause, and last to trace_id in the direction of the last clause
  (unless trace_id is a clause).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from typing import Any

from spanscope.entities.trace import Trace
from spanscope.search.ast import Field
from spanscope.search.evaluate import assessment_values, trace_field_value
from spanscope.search.order_by import OrderBy, parse_order_by
from spanscope.search.stored_text import replace_unstorable

__all__ = ["DEFAULT_ORDER", "NO_FEEDBACK", "sort_traces", "sort_value"]

DEFAULT_ORDER = ("timestamp_ms DESC",)
# The sort value of a trace without the feedback: below every stored number.
NO_FEEDBACK = -1.7976931348623157e308
_MISSING_IS_MINUS_ONE = frozenset(
    {"execution_time_ms", "cost", "input_tokens", "output_tokens", "total_tokens"}
)


def sort_value(trace: Trace, order: OrderBy) -> Any:
    """The value `order` sorts `trace` by (never None)."""
    if order.field == "feedback":
        values = assessment_values(trace.info, Field.feedback(order.key))
        numbers = [float(v) for v in values if isinstance(v, (int, float))]  # bools: 1 / 0
        return max(numbers, default=NO_FEEDBACK)
    value = trace_field_value(trace.info, order.field)
    if value is None:
        return -1 if order.field in _MISSING_IS_MINUS_ONE else ""
    return replace_unstorable(value) if isinstance(value, str) else value


def sort_traces(
    traces: Iterable[Trace], order_by: Sequence[str] | str | None = None
) -> list[Trace]:
    """`traces` in the order search_traces returns them for `order_by` (default
    `timestamp_ms DESC`); InvalidFilterError for a malformed order_by."""
    orders = parse_order_by(order_by or list(DEFAULT_ORDER))
    if all(o.field != "trace_id" for o in orders):
        orders.append(OrderBy("trace_id", orders[-1].ascending))
    result = list(traces)
    # Stable sorts from the last clause to the first.
    for order in reversed(orders):
        result.sort(key=functools.partial(_value_of, order), reverse=not order.ascending)
    return result


def _value_of(order: OrderBy, trace: Trace) -> Any:
    return sort_value(trace, order)
