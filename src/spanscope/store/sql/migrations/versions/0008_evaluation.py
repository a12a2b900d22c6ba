"""Datasets and evaluation runs (see store/sql/datasets.py and evaluation_runs.py).

Revision 0001 creates every table of the current schema, so on a new database they exist
already; on an older one they are created here.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from alembic import op

from spanscope.store.sql.schema import (
    dataset_records,
    dataset_versions,
    datasets,
    evaluation_items,
    evaluation_runs,
    metadata,
)

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_TABLES = [datasets, dataset_versions, dataset_records, evaluation_runs, evaluation_items]


def upgrade() -> None:
    metadata.create_all(op.get_bind(), tables=_TABLES, checkfirst=True)


def downgrade() -> None:
    for table in reversed(_TABLES):
        op.drop_table(table.name)
