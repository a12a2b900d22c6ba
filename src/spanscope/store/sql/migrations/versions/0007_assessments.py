"""Feedback and expectations: the assessments table (see store/sql/assessments.py).

Revision 0001 creates every table of the current schema, so on a new database it exists
already; on an older one it is created here.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from alembic import op

from spanscope.store.sql.schema import assessments, metadata

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    metadata.create_all(op.get_bind(), tables=[assessments], checkfirst=True)


def downgrade() -> None:
    op.drop_table(assessments.name)
