"""Log records bound to spans: span_log_records (OTLP logs ingest, see store/sql/log_records.py).

Revision 0001 creates every table of the current schema, so on a new database it exists
already; on an older one it is created here.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from alembic import op

from spanscope.store.sql.schema import metadata, span_log_records

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    metadata.create_all(op.get_bind(), tables=[span_log_records], checkfirst=True)


def downgrade() -> None:
    op.drop_table(span_log_records.name)
