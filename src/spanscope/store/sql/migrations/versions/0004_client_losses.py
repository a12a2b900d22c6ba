"""Clients' loss reports: client_loss_totals and client_loss_events (see store/sql/losses.py).

Revision 0001 creates every table of the current schema, so on a new database these exist
already; on an older one they are created here.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from alembic import op

from spanscope.store.sql.schema import client_loss_events, client_loss_totals, metadata

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    metadata.create_all(
        op.get_bind(), tables=[client_loss_totals, client_loss_events], checkfirst=True
    )


def downgrade() -> None:
    op.drop_table(client_loss_events.name)
    op.drop_table(client_loss_totals.name)
