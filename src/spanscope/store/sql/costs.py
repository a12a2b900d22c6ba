"""Recomputing stored costs after the price book changed (`spanscope pricing recompute`).

Traces are walked in trace id order, a few hundred per transaction, each batch locked as the
write path locks it (so spans arriving meanwhile are not priced by two writers at once): every
LLM span is priced again from its usage and its start time, the trace's cost rolled up again,
and only the rows whose cost changed are written.
"""

from __future__ import annotations

from collections.abc import Sequence

import orjson
from sqlalchemy import select

from spanscope.entities.span import Span
from spanscope.pricing import price_spans, span_cost, trace_cost
from spanscope.store.sql import rows
from spanscope.store.sql.engine import write_transaction
from spanscope.store.sql.schema import spans, traces
from spanscope.store.sql.writer import TraceWriter, load_spans

__all__ = ["recompute_costs"]

_BATCH = 200


def recompute_costs(writer: TraceWriter, experiment_numbers: Sequence[int] | None) -> int:
    """Price the stored traces of the experiments (all if None) again; returns how many
    traces' cost changed."""
    changed = 0
    after = ""
    while True:
        with write_transaction(writer.engine) as conn:
            stmt = (
                select(traces.c.trace_id, traces.c.cost_json)
                .where(traces.c.trace_id > after)
                .order_by(traces.c.trace_id)
                .limit(_BATCH)
            )
            if experiment_numbers is not None:
                stmt = stmt.where(traces.c.experiment_id.in_(list(experiment_numbers)))
            stored = {trace_id: cost for trace_id, cost in conn.execute(stmt)}
            if not stored:
                return changed
            ids = sorted(stored)
            writer.lock_traces(conn, ids)
            by_trace = load_spans(conn, ids)
            for trace_id in ids:
                old_spans = by_trace.get(trace_id, [])
                new_spans = price_spans(old_spans)
                for old, new in zip(old_spans, new_spans, strict=True):
                    if new is not old:
                        conn.execute(
                            spans.update()
                            .where(spans.c.trace_id == trace_id, spans.c.span_id == new.span_id)
                            .values(
                                content=rows.span_content(new),
                                cost_total=_total(new),
                            )
                        )
                cost = trace_cost(new_spans)
                cost_json = None if cost is None else orjson.dumps(cost).decode()
                if cost_json != stored[trace_id]:
                    changed += 1
                    conn.execute(
                        traces.update()
                        .where(traces.c.trace_id == trace_id)
                        .values(
                            cost_total=None if cost is None else cost["total"],
                            cost_json=cost_json,
                        )
                    )
            after = ids[-1]


def _total(span: Span) -> float | None:
    cost = span_cost(span)
    return None if cost is None else float(cost["total"])
