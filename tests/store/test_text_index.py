"""The full-text table (one row per trace): exact per-text matching, rewrites, deletes, the
upgrade of stores written by revision 0001, and span rows written without re-encoding."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import orjson
import pytest
from alembic import command
from alembic.config import Config
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import create_engine, make_url, text

from spanscope import Span, Trace, TraceData
from spanscope.search import matches, parse_filter, trace_text_fields
from spanscope.store.sql import migrate, rows
from spanscope.store.sql.filters import fts_query
from spanscope.store.sql.fulltext import ESCAPE, SEPARATOR, join_texts, literal_runs, split_texts
from spanscope.store.sql.rows import span_content
from spanscope.store.sql.schema import spans as spans_table
from spanscope.store.sql.schema import traces
from spanscope.store.sql.store import SqlTraceStore
from tests.store.factory import make_trace

ODD = st.text(alphabet=f"ab{SEPARATOR}{ESCAPE}es%_\\", max_size=6)


@given(st.lists(ODD, max_size=5))
def test_texts_split_back_as_joined(texts: list[str]) -> None:
    joined = join_texts(texts)
    if not texts:
        assert joined is None
    else:
        assert joined is not None
        assert split_texts(joined) == sorted(set(texts))


@given(ODD)
def test_literal_runs_never_hold_the_separator_or_escape(pattern: str) -> None:
    for run in literal_runs(pattern):
        assert SEPARATOR not in run and ESCAPE not in run and run


def _named(store: SqlTraceStore, names: list[str]) -> Trace:
    """A stored trace whose spans (under the SDK root) carry `names`."""
    trace = make_trace("0")
    spans = [s.to_dict() for s in trace.data.spans]
    for span, name in zip(spans[1:], names, strict=False):
        span["name"], span["inputs"], span["outputs"] = name, None, None
    trace = Trace(trace.info, TraceData([Span.from_dict(s) for s in spans]))
    store.write_traces([trace])
    return trace


def _found(store: SqlTraceStore, trace: Trace, filter_string: str) -> bool:
    hits = store.search_traces(["0"], filter_string, max_results=10)
    parsed = parse_filter(filter_string)
    assert parsed is not None
    expected = matches(parsed, trace)
    assert (len(hits) == 1) is expected, filter_string  # the evaluator agrees with SQL
    return expected


@pytest.mark.parametrize(
    ("names", "filter_string", "found"),
    [
        (["abcdef", "ghijkl"], "text LIKE '%abcdef%ghijkl%'", False),  # across two texts
        (["abcdef", "ghijkl"], "text LIKE '%def_ghi%'", False),
        (["abcdef", "ghijkl"], "text LIKE 'ghijkl'", True),  # anchored on one text
        (["abcdef", "ghijkl"], "text ILIKE 'ABC%'", True),
        ([f"xyz{SEPARATOR}uvw", "other"], f"text LIKE '%xyz{SEPARATOR}uvw%'", True),
        ([f"xyz{SEPARATOR}uvw", "other"], "text LIKE 'xyz_uvw'", True),
        ([f"pq{ESCAPE}s", "rst"], f"text LIKE 'pq{ESCAPE}s'", True),
        ([f"pq{ESCAPE}s", "rst"], f"text LIKE '%{SEPARATOR}%'", False),
        ([f"lmn{ESCAPE}e{SEPARATOR}"], f"text LIKE '%{ESCAPE}e{SEPARATOR}'", True),
    ],
)
def test_patterns_match_one_text_at_a_time(
    store: SqlTraceStore, names: list[str], filter_string: str, found: bool
) -> None:
    trace = _named(store, names)
    assert _found(store, trace, filter_string) is found


def _indexed(store: SqlTraceStore, trace_id: str, run: str) -> bool:
    """Whether the full-text index itself (not the exact test after it) pre-selects the trace
    for `run`: SQLite's contentless index keeps an entry per trace; PostgreSQL's indexes are
    on the rows themselves, which come and go with the trace."""
    with store.engine.connect() as conn:
        if store.dialect == "sqlite":
            query = text(
                "SELECT count(*) FROM trace_text WHERE trace_text MATCH :q AND rowid = "
                "(SELECT rowid FROM traces WHERE trace_id = :t)"
            )
            return bool(conn.execute(query, {"q": fts_query([run]), "t": trace_id}).scalar_one())
        query = text("SELECT count(*) FROM spans WHERE trace_id = :t AND (name || content) LIKE :p")
        return bool(conn.execute(query, {"t": trace_id, "p": f"%{run}%"}).scalar_one())


def test_the_index_follows_rewrites_and_deletes(store: SqlTraceStore) -> None:
    trace = make_trace("0", "first question")
    root, *children = trace.data.spans
    store.log_spans("0", children)  # piecemeal: the children, then the root
    assert not store.search_traces(["0"], "text LIKE '%on its way%'")  # the root's output
    store.log_spans("0", [root])
    assert _indexed(store, trace.trace_id, "on its way")
    assert len(store.search_traces(["0"], "text LIKE '%on its way%'")) == 1
    rewritten = _renamed(trace, "first question", "other wording")
    store.write_traces([rewritten])  # written again, with other text: the old text is gone
    assert not _indexed(store, trace.trace_id, "first question")
    assert _indexed(store, trace.trace_id, "other wording")
    assert not store.search_traces(["0"], "text LIKE '%first question%'")
    assert store.delete_traces("0", trace_ids=[trace.trace_id]) == 1
    assert not _indexed(store, trace.trace_id, "other wording")
    again = make_trace("0", "second question")  # may reuse the deleted row's SQLite rowid
    store.write_traces([again])
    assert [t.trace_id for t in store.search_traces(["0"], "text LIKE '%second%'")] == [
        again.trace_id
    ]
    assert not store.search_traces(["0"], "text LIKE '%other wording%'")
    assert not _indexed(store, again.trace_id, "other wording")


def _renamed(trace: Trace, old: str, new: str) -> Trace:
    """`trace` with `old` replaced by `new` in its spans' inputs and its request preview."""
    spans = [
        orjson.loads(orjson.dumps(s.to_dict()).replace(old.encode(), new.encode()))
        for s in trace.data.spans
    ]
    info = trace.info
    info.request_preview = (info.request_preview or "").replace(old, new)
    return Trace(info, TraceData([Span.from_dict(s) for s in spans]))


def test_span_rows_hold_the_span_as_to_dict_gives_it() -> None:
    span = make_trace("0").data.spans[1]
    assert orjson.loads(span_content(span)) == span.to_dict()
    assert Span.from_dict(orjson.loads(span_content(span))) == span


@pytest.fixture
def empty_uri(store_uri: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A store URI of an empty database on the backend of `store_uri`."""
    if store_uri.startswith("sqlite"):
        yield f"sqlite:///{tmp_path_factory.mktemp('upgrade')}/old.db"
        return
    name = f"upgrade_{uuid.uuid4().hex[:12]}"
    admin = create_engine(make_url(store_uri).set(drivername="postgresql+psycopg"))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    yield str(make_url(store_uri).set(database=name).render_as_string(hide_password=False))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))
    admin.dispose()


def test_upgrade_from_revision_0001_keeps_full_text_search(empty_uri: str) -> None:
    from spanscope.store.sql.engine import make_engine

    engine = make_engine(empty_uri)
    config = Config()
    config.set_main_option("script_location", str(migrate._MIGRATIONS))
    with engine.begin() as conn:  # a store as 0001 left it: one text row per text
        config.attributes["connection"] = conn
        command.upgrade(config, "0001")
    # Its rows as the writer of the time wrote them (0001 created the current tables), and
    # one text row per text of the trace, a text repeated.
    trace = make_trace("0", "old refund question")
    spans = [s.to_dict() for s in trace.data.spans]
    spans[-1]["name"] = f"odd{SEPARATOR}name"
    trace = Trace(trace.info, TraceData([Span.from_dict(s) for s in spans]))
    texts = [*trace_text_fields(trace), "old refund question"]
    with engine.begin() as conn:
        trace_row = rows.trace_values(trace.info)
        conn.execute(traces.insert(), [dict(zip(rows.TRACE_COLUMNS, trace_row, strict=True))])
        conn.execute(
            spans_table.insert(),
            [
                dict(zip(rows.SPAN_COLUMNS, rows.span_values(s), strict=True))
                for s in trace.data.spans
            ],
        )
        for value in texts:
            conn.execute(
                text("INSERT INTO trace_text (trace_id, content) VALUES (:t, :c)"),
                {"t": trace.trace_id, "c": value},
            )
    engine.dispose()
    store = SqlTraceStore(empty_uri)  # migrates to the head revision on first use
    try:
        assert migrate.current_revision(store.engine) == migrate.HEAD_REVISION
        for pattern, hits in (
            ("%refund%", 1),
            (f"odd{SEPARATOR}name", 1),
            ("%question%odd%", 0),  # two old rows are now texts of one row: still apart
        ):
            found = store.search_traces(["0"], f"text LIKE '{pattern}'")
            assert len(found) == hits, pattern
        new = make_trace("0", "new question")  # new rows do not collide with migrated ones
        store.write_traces([new])
        assert len(store.search_traces(["0"], "text LIKE '%new question%'")) == 1
        assert len(store.search_traces(["0"], "text LIKE '%refund%'")) == 2
    finally:
        store.close()
