"""Text columns without a length limit: client request, session and user ids, tag and metadata
keys, span types.

PostgreSQL refused a whole batch for one value past VARCHAR(250) (a long user id, say), which
SQLite, ignoring the length, stored. On PostgreSQL VARCHAR(n) to TEXT rewrites neither the
table nor its indexes; SQLite's columns have no length to change.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_COLUMNS = {
    "traces": ("client_request_id", "session_id", "user_id"),
    "trace_tags": ("key",),
    "trace_metadata": ("key",),
    "spans": ("span_type",),
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, columns in _COLUMNS.items():
        changes = ", ".join(f'ALTER COLUMN "{column}" TYPE TEXT' for column in columns)
        op.execute(f"ALTER TABLE {table} {changes}")


def downgrade() -> None:
    pass  # longer values may be stored by now: the limits cannot come back
