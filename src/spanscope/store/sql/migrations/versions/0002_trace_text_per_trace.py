"""Full-text table: one row per trace (texts joined, see store/sql/fulltext.py).

On SQLite the row's rowid is the trace row's rowid, so writes and deletes find it by key instead
of scanning the FTS5 table, and the index keeps no token positions (`detail=column`: a third
less work per write; searches look up single trigrams, see filters.fts_query); on PostgreSQL
trace_id becomes unique, so writes upsert it.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from spanscope.store.sql.fulltext import ESCAPE, SEPARATOR
from spanscope.store.sql.schema import TEXT_TABLE

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_NEW = f"{TEXT_TABLE}_0002"


def upgrade() -> None:
    bind = op.get_bind()
    # The texts of each trace, escaped and joined as fulltext.join_texts does.
    escaped = "replace(replace(x.content, :esc, :esc_e), :sep, :esc_s)"
    params = {"esc": ESCAPE, "esc_e": ESCAPE + "e", "sep": SEPARATOR, "esc_s": ESCAPE + "s"}
    if bind.dialect.name == "sqlite":
        op.execute(
            f"CREATE VIRTUAL TABLE {_NEW} USING fts5("
            "trace_id UNINDEXED, content, tokenize='trigram', detail=column)"
        )
        joined = f"(SELECT group_concat({escaped}, :sep) FROM {TEXT_TABLE} x "
        joined += "WHERE x.trace_id = t.trace_id)"
        bind.execute(
            sa.text(
                f"INSERT INTO {_NEW} (rowid, trace_id, content) "
                f"SELECT t.rowid, t.trace_id, {joined} FROM traces t "
                f"WHERE EXISTS (SELECT 1 FROM {TEXT_TABLE} y WHERE y.trace_id = t.trace_id)"
            ),
            params,
        )
    else:
        op.execute(f"CREATE TABLE {_NEW} (trace_id VARCHAR(32) NOT NULL, content TEXT)")
        bind.execute(
            sa.text(
                f"INSERT INTO {_NEW} (trace_id, content) "
                f"SELECT x.trace_id, string_agg({escaped}, :sep) FROM {TEXT_TABLE} x "
                "GROUP BY x.trace_id"
            ),
            params,
        )
    trigram = bind.dialect.name == "postgresql" and _has_trigram_index(bind)
    op.execute(f"DROP TABLE {TEXT_TABLE}")
    op.execute(f"ALTER TABLE {_NEW} RENAME TO {TEXT_TABLE}")
    if bind.dialect.name == "postgresql":
        op.execute(f"CREATE UNIQUE INDEX ix_{TEXT_TABLE}_trace ON {TEXT_TABLE} (trace_id)")
        if trigram:
            op.execute(
                f"CREATE INDEX ix_{TEXT_TABLE}_trgm ON {TEXT_TABLE} "
                "USING gin (content gin_trgm_ops)"
            )


def _has_trigram_index(bind: sa.Connection) -> bool:
    """Whether 0001 could create the trigram index (pg_trgm installed)."""
    found = bind.execute(
        sa.text("SELECT 1 FROM pg_indexes WHERE indexname = :name"),
        {"name": f"ix_{TEXT_TABLE}_trgm"},
    ).first()
    return found is not None


def downgrade() -> None:
    raise NotImplementedError("0002 cannot be undone: texts joined per trace are not split back")
