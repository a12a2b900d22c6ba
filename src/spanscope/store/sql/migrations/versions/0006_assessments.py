"""Feedback and expectations: the assessments table (see store/sql/assessments.py).

Revision 0001 creates every table of the current schema, so on a new database it exists
already; on an older one it is created here.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from alembic import op

from spanscope.store.sql.schema import assessments, metadata

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    metadata.create_all(op.get_bind(), tables=[assessments], checkfirst=True)


def downgrade() -> None:
    op.drop_table(assessments.name)
