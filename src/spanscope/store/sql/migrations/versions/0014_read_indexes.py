"""Indexes for the traces table's sorts (schema.READ_INDEXES): per sort key, experiment, key and
trace id, so the first page of any sort reads a page of index entries, not every trace.

The duration, total tokens and cost indexes existed on the bare columns; they are dropped and
made again by name on the sort expressions (the missing value as -1). Revision 0001 creates
the current schema (these indexes included) on a new database: each is dropped if it exists
and made again, which on a new, empty database costs nothing.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

from alembic import op

from spanscope.store.sql.schema import READ_INDEXES

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_BARE = {  # the indexes of 0013 on the bare columns, for downgrade
    "ix_traces_exp_duration": "experiment_id, execution_duration",
    "ix_traces_exp_tokens": "experiment_id, total_tokens",
    "ix_traces_exp_cost": "experiment_id, cost_total",
}


def upgrade() -> None:
    bind = op.get_bind()
    for index in READ_INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {index.name}")
        index.create(bind)
    # Planner statistics for the new indexes where the database keeps any: SQLite would take
    # an index without statistics beside analysed ones for the most selective, whatever it is.
    if (
        bind.dialect.name == "postgresql"
        or bind.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'"
        ).first()
    ):
        op.execute("ANALYZE traces")


def downgrade() -> None:
    for index in READ_INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {index.name}")
    for name, columns in _BARE.items():
        op.execute(f"CREATE INDEX {name} ON traces ({columns})")
