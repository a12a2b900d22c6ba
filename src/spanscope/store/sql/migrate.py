"""Schema migrations, applied on first use of a store and by `spanscope db upgrade`."""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.exc import DBAPIError

from spanscope.store.sql.engine import WRITE

__all__ = ["HEAD_REVISION", "current_revision", "index_names", "upgrade"]

HEAD_REVISION = "0015"
_MIGRATIONS = Path(__file__).parent / "migrations"
# A constant key for pg_advisory_xact_lock, so concurrent first uses migrate one at a time.
_PG_LOCK_KEY = 0x5350414E
_KNOWN = frozenset(p.name[:4] for p in (_MIGRATIONS / "versions").glob("[0-9][0-9][0-9][0-9]_*.py"))
_logger = logging.getLogger("spanscope")


def current_revision(engine: Engine) -> str | None:
    try:
        with engine.connect() as conn:
            row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
    except DBAPIError:
        return None
    return None if row is None else str(row[0])


def upgrade(engine: Engine) -> bool:
    """Bring the schema to the newest revision; returns True if anything ran.

    A database a newer spanscope migrated (a revision this one does not know) is used as it is,
    with a warning: refusing it would drop every trace of the processes not upgraded yet.
    """
    found = current_revision(engine)
    if found == HEAD_REVISION or _newer(found):
        return False
    from alembic import command  # slow to import; only needed when a migration runs
    from alembic.config import Config

    with engine.connect().execution_options(**WRITE) as conn, conn.begin():
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
        # Another process may have migrated while we waited for the lock.
        if "alembic_version" in inspect(conn).get_table_names():
            row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
            if row is not None and (row[0] == HEAD_REVISION or _newer(str(row[0]))):
                return False
        config = Config()
        config.set_main_option("script_location", str(_MIGRATIONS))
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
    return True


def index_names(conn: Connection | Engine, table: str) -> set[str]:
    """The names of `table`'s indexes, those on expressions included (SQLAlchemy's reflection
    skips them, with a warning)."""
    if conn.dialect.name == "sqlite":
        sql = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = :t"
    else:
        sql = (
            "SELECT indexname FROM pg_indexes "
            "WHERE schemaname = current_schema() AND tablename = :t"
        )
    if isinstance(conn, Engine):
        with conn.connect() as c:
            return {str(n) for n in c.execute(text(sql), {"t": table}).scalars()}
    return {str(n) for n in conn.execute(text(sql), {"t": table}).scalars()}


def _newer(revision: str | None) -> bool:
    if revision is None or revision in _KNOWN:
        return False
    _logger.warning(
        "spanscope: the store's schema is at revision %s, which this version (up to %s) does "
        "not know: a newer spanscope migrated it; using it as it is (upgrade spanscope)",
        revision,
        HEAD_REVISION,
    )
    return True
