"""Cost: traces.cost_total and cost_json, spans.cost_total (docs/cost.md).

Revision 0001 creates every table of the current schema, so on a new database the columns
exist already; on an older one they are added here, NULL (unpriced) until
`spanscope pricing recompute` prices the stored spans.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from spanscope.store.sql.migrate import index_names

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_COLUMNS = (
    ("traces", "cost_total", sa.Float()),
    ("traces", "cost_json", sa.Text()),
    ("spans", "cost_total", sa.Float()),
)
_INDEX = ("ix_traces_exp_cost", "traces", ["experiment_id", "cost_total"])


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    for table, name, kind in _COLUMNS:
        if name not in {c["name"] for c in inspector.get_columns(table)}:
            op.add_column(table, sa.Column(name, kind, nullable=True))
    index, table, columns = _INDEX
    # By name, not by reflection: the read-indexes revision remakes this index on an
    # expression, which SQLAlchemy's reflection skips.
    if index not in index_names(op.get_bind(), table):
        op.create_index(index, table, columns)


def downgrade() -> None:
    index, table, _ = _INDEX
    op.drop_index(index, table_name=table)
    for table, name, _ in reversed(_COLUMNS):
        with op.batch_alter_table(table) as batch:
            batch.drop_column(name)
