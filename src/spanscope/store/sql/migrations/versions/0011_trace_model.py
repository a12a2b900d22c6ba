"""Metrics: the model a trace is grouped under (`traces.model`), filled in from the stored
spans, and the index the metrics query reads (store/sql/metrics.py).

Revision 0001 creates every table of the current schema, so on a new database both exist
already; on an older one they are added here.

Revision ID: 0011
Revises: 0008
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import orjson
import sqlalchemy as sa
from alembic import op

from spanscope.entities.derivation import trace_model
from spanscope.entities.span import Span
from spanscope.store.sql.migrate import index_names
from spanscope.store.sql.schema import spans, traces

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_INDEX = "ix_traces_exp_metrics"
_BATCH = 1000


def upgrade() -> None:
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    if "model" not in {c["name"] for c in inspector.get_columns(traces.name)}:
        op.add_column(traces.name, sa.Column("model", sa.Text()))
        _fill_models(bind)
    if _INDEX not in index_names(bind, traces.name):
        (index,) = [i for i in traces.indexes if i.name == _INDEX]
        index.create(bind)


def downgrade() -> None:
    op.drop_index(_INDEX, table_name=traces.name)
    op.drop_column(traces.name, "model")


def _fill_models(bind: sa.Connection) -> None:
    """Each trace's model from its spans naming one (only those can: a cheap text test first)."""
    query = (
        sa.select(spans.c.trace_id, spans.c.content)
        .where(spans.c.content.like("%gen_ai.re%model%"))
        .order_by(spans.c.trace_id)
    )
    models: list[dict[str, str]] = []
    for trace_id, found in _by_trace(bind.execute(query)):
        model = trace_model(found)
        if model is not None:
            models.append({"t": trace_id, "m": model})
        if len(models) >= _BATCH:
            _update(bind, models)
            models = []
    _update(bind, models)


def _by_trace(result: Iterable[Any]) -> Iterator[tuple[str, list[Span]]]:
    current: str | None = None
    found: list[Span] = []
    for row in result:
        trace_id, content = str(row[0]), str(row[1])
        if trace_id != current:
            if current is not None:
                yield current, found
            current, found = trace_id, []
        found.append(Span.from_dict(orjson.loads(content)))
    if current is not None:
        yield current, found


def _update(bind: sa.Connection, models: list[dict[str, str]]) -> None:
    if models:
        stmt = (
            traces.update()
            .where(traces.c.trace_id == sa.bindparam("t"))
            .values(model=sa.bindparam("m"))
        )
        bind.execute(stmt, models)
