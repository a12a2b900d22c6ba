"""Full-text search keeps the text once (store/sql/fulltext.py).

SQLite: the FTS5 table becomes contentless (the trigram index alone, no copy of the text),
rebuilt from the rows of the table it replaces (the same texts, indexed under the same rowids,
the trace rows' own), with no positions kept (`detail=none`: searches look up single trigrams).
PostgreSQL: the copy goes; trigram indexes on expressions over spans and traces take its place
(when pg_trgm is installed), and `spanscope_json_texts` reads a span's inputs and outputs out of
its JSON content for the exact test.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from spanscope.store.sql.fulltext import PG_SPAN_INDEXED, PG_TRACE_INDEXED
from spanscope.store.sql.schema import TEXT_TABLE

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_NEW = f"{TEXT_TABLE}_0013"
# The texts of a span's inputs and outputs, as its JSON content spells them (json, not jsonb,
# keeps them verbatim); NULL for a missing or null one. The content is parsed once a call.
_JSON_TEXTS = """
CREATE OR REPLACE FUNCTION spanscope_json_texts(content text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    doc json := content::json;
    inputs json := doc -> 'inputs';
    outputs json := doc -> 'outputs';
BEGIN
    RETURN ARRAY[
        CASE WHEN json_typeof(inputs) = 'null' THEN NULL ELSE inputs::text END,
        CASE WHEN json_typeof(outputs) = 'null' THEN NULL ELSE outputs::text END
    ];
END
$$
"""


def upgrade() -> None:
    bind = op.get_bind()
    # Idempotent: a database set back to an older revision (as tests do) keeps what it has.
    if bind.dialect.name == "sqlite":
        ddl = bind.exec_driver_sql(
            f"SELECT sql FROM sqlite_schema WHERE name = '{TEXT_TABLE}'"
        ).scalar_one()
        if "content=''" in ddl:
            return
        op.execute(
            f"CREATE VIRTUAL TABLE {_NEW} USING fts5("
            "content, content='', tokenize='trigram', detail=none)"
        )
        op.execute(f"INSERT INTO {_NEW} (rowid, content) SELECT rowid, content FROM {TEXT_TABLE}")
        op.execute(f"DROP TABLE {TEXT_TABLE}")
        op.execute(f"ALTER TABLE {_NEW} RENAME TO {TEXT_TABLE}")
        return
    op.execute(_JSON_TEXTS)
    if _has_trigram(bind):
        op.execute(
            "CREATE INDEX IF NOT EXISTS ix_spans_text_trgm ON spans USING gin "
            f"({PG_SPAN_INDEXED.format(t='spans')} gin_trgm_ops)"
        )
        op.execute(
            "CREATE INDEX IF NOT EXISTS ix_traces_text_trgm ON traces USING gin "
            f"({PG_TRACE_INDEXED.format(t='traces')} gin_trgm_ops)"
        )
    op.execute(f"DROP TABLE IF EXISTS {TEXT_TABLE}")


def _has_trigram(bind: sa.Connection) -> bool:
    found = bind.execute(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")).first()
    return found is not None


def downgrade() -> None:
    raise NotImplementedError("0013 cannot be undone: the copy of the text is not kept")
