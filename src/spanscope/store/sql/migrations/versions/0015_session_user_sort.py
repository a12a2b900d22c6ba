"""Indexes for sorting the traces table by session and by user (schema.SESSION_USER_INDEXES):
experiment, the id (a missing one as ""), trace id, so a sorted first page reads a page of
index entries, not every trace of the experiment.

Revision 0001 creates the current schema (these indexes included) on a new database: each is
dropped if it exists and made again, which on a new, empty database costs nothing.

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

from alembic import op

from spanscope.store.sql.schema import SESSION_USER_INDEXES

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    for index in SESSION_USER_INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {index.name}")
        index.create(bind)
    # Statistics for the new indexes where the database keeps any (as in 0014).
    if (
        bind.dialect.name == "postgresql"
        or bind.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'"
        ).first()
    ):
        op.execute("ANALYZE traces")


def downgrade() -> None:
    for index in SESSION_USER_INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {index.name}")
