"""Indexes for search_spans: spans in start-time order, overall and by type and status.

`search_spans` for, say, failing tool calls (`type = 'TOOL' AND status = 'ERROR'`, newest
first) walks an index from its end and stops after a page, whatever the number of spans; the
trailing trace and span ids are the keyset's tie-breakers.
Revision 0001 creates the current schema (indexes included) on a new database, hence IF NOT
EXISTS.

Revision ID: 0010
Revises: 0008
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_INDEXES = {
    "ix_spans_start": "start_time_ns, trace_id, span_id",
    "ix_spans_type_start": "span_type, start_time_ns, trace_id, span_id",
    "ix_spans_type_status_start": "span_type, status, start_time_ns, trace_id, span_id",
}


def upgrade() -> None:
    for name, columns in _INDEXES.items():
        op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON spans ({columns})")


def downgrade() -> None:
    for name in _INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
