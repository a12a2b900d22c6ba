"""Metrics rollups: per experiment, hour and model (`metric_hours`), recomputed for the hours
triggers on `traces` mark in `metric_dirty_hours` (store/sql/metric_rollup.py). Every hour that
has traces is marked here, so the first metrics query of a range computes its rollups.

Revision 0001 creates every table of the current schema, so on a new database the tables exist
already; on an older one they are added here. The triggers are made here on both.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

from alembic import op

from spanscope.store.sql.schema import metadata, metric_dirty_hours, metric_hours

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_HOUR = "request_time / 3600000"  # integer division on both backends (times are >= 0)
# The columns the rollups read: a write changing none of them leaves the hour as it was.
_READ = "experiment_id, request_time, execution_duration, state, input_tokens, output_tokens, "
_READ += "cost_total, model"


def _sqlite_mark(row: str) -> str:
    # Not OR IGNORE: the conflict clause of the statement firing a trigger overrides those in
    # its body (an upsert on traces would make it fail). One writer at a time: no race here.
    return (
        "INSERT INTO metric_dirty_hours (experiment_id, hour) "
        f"SELECT {row}.experiment_id, {row}.{_HOUR} WHERE NOT EXISTS (SELECT 1 FROM "
        f"metric_dirty_hours WHERE experiment_id = {row}.experiment_id AND hour = {row}.{_HOUR});"
    )


_SQLITE_TRIGGERS = {
    "metric_hours_on_insert": f"AFTER INSERT ON traces BEGIN {_sqlite_mark('NEW')} END",
    "metric_hours_on_update": (
        f"AFTER UPDATE OF {_READ} ON traces BEGIN {_sqlite_mark('OLD')} {_sqlite_mark('NEW')} END"
    ),
    "metric_hours_on_delete": f"AFTER DELETE ON traces BEGIN {_sqlite_mark('OLD')} END",
}


def _pg_mark(table: str) -> str:
    # DO UPDATE, not DO NOTHING: it locks the mark until the writer commits, so a metrics query
    # claiming the mark (DELETE) waits for the write and then reads its traces.
    return (
        "INSERT INTO metric_dirty_hours (experiment_id, hour) "
        f"SELECT DISTINCT experiment_id, {_HOUR} FROM {table} "
        "ON CONFLICT (experiment_id, hour) DO UPDATE SET hour = excluded.hour;"
    )


# Statement-level, over the statement's transition tables: one insert per write, not per row.
_PG_FUNCTIONS = {
    "spanscope_metric_hours_new": _pg_mark("new_rows"),
    "spanscope_metric_hours_old": _pg_mark("old_rows"),
    "spanscope_metric_hours_both": _pg_mark("old_rows") + " " + _pg_mark("new_rows"),
}
_PG_TRIGGERS = {
    "metric_hours_on_insert": (
        "AFTER INSERT ON traces REFERENCING NEW TABLE AS new_rows",
        "spanscope_metric_hours_new",
    ),
    "metric_hours_on_update": (
        "AFTER UPDATE ON traces REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "spanscope_metric_hours_both",
    ),
    "metric_hours_on_delete": (
        "AFTER DELETE ON traces REFERENCING OLD TABLE AS old_rows",
        "spanscope_metric_hours_old",
    ),
}


def upgrade() -> None:
    bind = op.get_bind()
    metadata.create_all(bind, tables=[metric_hours, metric_dirty_hours], checkfirst=True)
    if bind.dialect.name == "sqlite":
        for name, body in _SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER IF NOT EXISTS {name} {body}")
        conflict = "OR IGNORE "
        suffix = ""
    else:
        for function, body in _PG_FUNCTIONS.items():
            op.execute(
                f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql "
                f"AS $$ BEGIN {body} RETURN NULL; END $$"
            )
        for name, (when, function) in _PG_TRIGGERS.items():
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON traces")
            op.execute(
                f"CREATE TRIGGER {name} {when} FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
            )
        conflict = ""
        suffix = " ON CONFLICT DO NOTHING"
    op.execute(
        f"INSERT {conflict}INTO metric_dirty_hours (experiment_id, hour) "
        f"SELECT DISTINCT experiment_id, {_HOUR} FROM traces{suffix}"
    )


def downgrade() -> None:
    bind = op.get_bind()
    for name in _SQLITE_TRIGGERS:
        op.execute(
            f"DROP TRIGGER IF EXISTS {name}"
            + ("" if bind.dialect.name == "sqlite" else " ON traces")
        )
    if bind.dialect.name != "sqlite":
        for function in _PG_FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS {function}()")
    metric_dirty_hours.drop(bind)
    metric_hours.drop(bind)
