"""Initial schema: experiments, traces, tags, metadata, spans, full-text table.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import time

import sqlalchemy as sa
from alembic import op

from spanscope.constants import DEFAULT_EXPERIMENT_ID, DEFAULT_EXPERIMENT_NAME
from spanscope.store.sql.schema import TEXT_TABLE, metadata

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    metadata.create_all(bind)
    if bind.dialect.name == "sqlite":
        op.execute(
            f"CREATE VIRTUAL TABLE {TEXT_TABLE} USING fts5("
            "trace_id UNINDEXED, content, tokenize='trigram')"
        )
    else:
        op.execute(f"CREATE TABLE {TEXT_TABLE} (trace_id VARCHAR(32) NOT NULL, content TEXT)")
        op.execute(f"CREATE INDEX ix_{TEXT_TABLE}_trace ON {TEXT_TABLE} (trace_id)")
        if _has_trigram(bind):
            op.execute(
                f"CREATE INDEX ix_{TEXT_TABLE}_trgm ON {TEXT_TABLE} "
                "USING gin (content gin_trgm_ops)"
            )
    now = int(time.time() * 1000)
    experiments = sa.table(
        "experiments",
        sa.column("experiment_id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("created_at", sa.BigInteger),
        sa.column("last_update_time", sa.BigInteger),
        sa.column("tags", sa.Text),
    )
    op.bulk_insert(
        experiments,
        [
            {
                "experiment_id": int(DEFAULT_EXPERIMENT_ID),
                "name": DEFAULT_EXPERIMENT_NAME,
                "created_at": now,
                "last_update_time": now,
                "tags": "{}",
            }
        ],
    )
    if bind.dialect.name == "postgresql":
        # The explicit id 0 does not advance the sequence; new experiments start at 1.
        op.execute(
            "SELECT setval(pg_get_serial_sequence('experiments', 'experiment_id'), "
            "GREATEST((SELECT MAX(experiment_id) FROM experiments), 1))"
        )


def _has_trigram(bind: sa.Connection) -> bool:
    try:
        with bind.begin_nested():
            bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        return True
    except sa.exc.DBAPIError:
        return False  # no permission: full-text search still works, without the index


def downgrade() -> None:
    op.execute(f"DROP TABLE IF EXISTS {TEXT_TABLE}")
    metadata.drop_all(op.get_bind())
