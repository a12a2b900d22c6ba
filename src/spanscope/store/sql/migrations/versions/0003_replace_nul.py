"""Stored text without U+0000: it becomes U+FFFD, as every write now stores it.

PostgreSQL cannot hold U+0000 in text, nor in jsonb: spans stored with a NUL in an attribute,
input or output (kept as the JSON escape \\u0000 in text) made every `span.attributes` search
over them fail. SQLite kept raw NULs anywhere. Traces holding one are rewritten as a write
stores them now (spanscope.search.stored_text), their full-text row included; so are
experiments. Finding them reads the text and JSON columns once. Ids that hold a NUL (spanscope
never writes one) are left as they are.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import orjson
import sqlalchemy as sa
from alembic import op

from spanscope.entities.span import Span
from spanscope.entities.trace import Trace, TraceData
from spanscope.search import trace_text_fields
from spanscope.search.stored_text import NUL, replace_unstorable, replace_unstorable_json
from spanscope.store.sql import rows
from spanscope.store.sql.fulltext import join_texts
from spanscope.store.sql.sanitize import clean_traces
from spanscope.store.sql.schema import (
    TEXT_TABLE,
    experiments,
    spans,
    trace_metadata,
    trace_tags,
    traces,
)

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_CHUNK = 200
_ESCAPE = "\\u0000"
_TEXT_COLUMNS = {
    traces: ("name", "request_preview", "response_preview", "client_request_id"),
    trace_tags: ("key", "value"),
    trace_metadata: ("key", "value"),
    spans: ("name", "span_type", "status"),
}
_JSON_COLUMNS = {traces: ("metadata_json", "tags_json"), spans: ("content",)}


def upgrade() -> None:
    bind = op.get_bind()
    found: set[str] = set()
    for table in (traces, trace_tags, trace_metadata, spans):
        conditions = _nul_conditions(bind, table)
        if conditions:
            query = sa.select(table.c.trace_id).where(sa.or_(*conditions)).distinct()
            found.update(bind.execute(query).scalars())
    ids = sorted(i for i in found if NUL not in i)
    for start in range(0, len(ids), _CHUNK):
        _rewrite(bind, ids[start : start + _CHUNK])
    _clean_experiments(bind)


def downgrade() -> None:
    pass  # the replaced characters are not known any more; the schema did not change


def _nul_conditions(bind: sa.Connection, table: sa.Table) -> list[sa.ColumnElement[bool]]:
    conditions = []
    if bind.dialect.name == "sqlite":  # PostgreSQL text holds no NUL
        for name in _TEXT_COLUMNS.get(table, ()):
            as_bytes = sa.cast(table.c[name], sa.LargeBinary)
            conditions.append(sa.func.instr(as_bytes, sa.literal(b"\x00", sa.LargeBinary)) > 0)
    position = sa.func.instr if bind.dialect.name == "sqlite" else sa.func.strpos
    for name in _JSON_COLUMNS.get(table, ()):
        conditions.append(position(table.c[name], sa.literal(_ESCAPE)) > 0)
    return conditions


def _rewrite(bind: sa.Connection, trace_ids: list[str]) -> None:
    """Rewrite the rows of these traces as a write stores them now."""
    columns = _present(bind, traces)
    infos = {
        row.trace_id: rows.info_from_row(row._mapping)
        for row in bind.execute(
            sa.select(*(traces.c[n] for n in columns)).where(traces.c.trace_id.in_(trace_ids))
        )
    }
    found: dict[str, list[Span]] = {}
    query = sa.select(spans.c.trace_id, spans.c.content).where(spans.c.trace_id.in_(trace_ids))
    for trace_id, content in bind.execute(query):
        found.setdefault(trace_id, []).append(Span.from_dict(orjson.loads(content)))
    for trace_id in trace_ids:
        info = infos.get(trace_id)
        if info is None:
            continue
        stored = Trace(info, TraceData(found.get(trace_id, [])))
        (trace,) = clean_traces([stored])
        if [(s.trace_id, s.span_id, s.parent_id) for s in trace.data.spans] != [
            (s.trace_id, s.span_id, s.parent_id) for s in stored.data.spans
        ]:
            continue  # a span id holds a NUL: left as it is
        _write(bind, trace)


def _present(bind: sa.Connection, table: sa.Table) -> list[str]:
    found = {c["name"] for c in sa.inspect(bind).get_columns(table.name)}
    return [c.name for c in table.columns if c.name in found]


def _write(bind: sa.Connection, trace: Trace) -> None:
    info = trace.info
    # Only the columns of the schema at this revision (later ones add columns).
    trace_columns, span_columns = _present(bind, traces), _present(bind, spans)
    values = dict(zip(rows.TRACE_COLUMNS, rows.trace_values(info), strict=True))
    values = {k: v for k, v in values.items() if k in trace_columns}
    bind.execute(traces.update().where(traces.c.trace_id == info.trace_id).values(values))
    for span in trace.data.spans:
        span_row = dict(zip(rows.SPAN_COLUMNS, rows.span_values(span), strict=True))
        span_row = {k: v for k, v in span_row.items() if k in span_columns}
        bind.execute(
            spans.update()
            .where(spans.c.trace_id == span.trace_id, spans.c.span_id == span.span_id)
            .values(span_row)
        )
    for table, values_of in ((trace_tags, info.tags), (trace_metadata, info.metadata)):
        bind.execute(table.delete().where(table.c.trace_id == info.trace_id))
        if values_of:
            bind.execute(table.insert(), rows.tag_rows(info.trace_id, values_of))
    content = join_texts(trace_text_fields(trace))
    if content is None:
        return
    if bind.dialect.name == "sqlite":
        sql = (
            f"INSERT OR REPLACE INTO {TEXT_TABLE} (rowid, trace_id, content) "
            "SELECT rowid, trace_id, :content FROM traces WHERE trace_id = :trace_id"
        )
    else:
        sql = (
            f"INSERT INTO {TEXT_TABLE} (trace_id, content) VALUES (:trace_id, :content) "
            "ON CONFLICT (trace_id) DO UPDATE SET content = excluded.content"
        )
    bind.execute(sa.text(sql), {"trace_id": info.trace_id, "content": content})


def _clean_experiments(bind: sa.Connection) -> None:
    conditions = []
    position = sa.func.instr if bind.dialect.name == "sqlite" else sa.func.strpos
    if bind.dialect.name == "sqlite":
        as_bytes = sa.cast(experiments.c.name, sa.LargeBinary)
        conditions.append(sa.func.instr(as_bytes, sa.literal(b"\x00", sa.LargeBinary)) > 0)
    conditions.append(position(experiments.c.tags, sa.literal(_ESCAPE)) > 0)
    query = sa.select(experiments.c.experiment_id, experiments.c.name, experiments.c.tags)
    for number, name, tags in list(bind.execute(query.where(sa.or_(*conditions)))):
        values = {"tags": replace_unstorable_json(tags)}
        cleaned = replace_unstorable(name)
        taken = bind.execute(
            sa.select(experiments.c.experiment_id).where(experiments.c.name == cleaned)
        ).first()
        if taken is None:  # two names differing only there: the second keeps its NUL
            values["name"] = cleaned
        bind.execute(
            experiments.update().where(experiments.c.experiment_id == number).values(values)
        )
