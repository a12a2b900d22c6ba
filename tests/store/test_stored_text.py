"""U+0000 in any text: stored as U+FFFD on SQLite and PostgreSQL alike (which cannot hold it),
found by filters holding either character, and cleaned from stores written before."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, make_url, text

from spanscope import Span, Trace, TraceData
from spanscope.constants import TraceMetadataKey
from spanscope.entities import TraceInfo, TraceState
from spanscope.search import matches, parse_filter
from spanscope.store.sql import migrate, rows
from spanscope.store.sql.engine import make_engine
from spanscope.store.sql.store import SqlTraceStore
from spanscope.store.sql.writer import TraceWriter

NUL = "\x00"
FFFD = "\ufffd"


def build(plain: str, json: str = "", index: int = 0, span_type: str = "") -> Trace:
    """A trace with `plain` in every text column and `json` in every JSON value and key."""
    json = json or plain
    span_type = span_type or f"TOOL{plain}"  # a column, and an attribute (JSON) of the span
    trace_id = f"{index + 1:032x}"

    def span(number: int, parent: str | None) -> Span:
        return Span.from_dict(
            {
                "trace_id": trace_id,
                "span_id": f"{number:016x}",
                "parent_id": parent,
                "name": f"span{plain}{number}",
                "span_type": span_type,
                "start_time_ns": number,
                "end_time_ns": 100 + number,
                "status": {"code": "ERROR", "message": f"bad{plain}thing"},
                "inputs": {f"q{json}": f"in{json}put"},
                "outputs": [f"out{json}put", {"n": f"x{json}"}],
                "attributes": {f"key{json}": f"val{json}ue", "n": 1, "plain": f"p{json}"},
                "events": [
                    {"name": f"ev{json}ent", "timestamp_ns": 5, "attributes": {f"a{json}": json}}
                ],
            }
        )

    info = TraceInfo(
        trace_id=trace_id,
        request_time=1,
        execution_duration=99,
        state=TraceState.ERROR,
        name=f"span{plain}1",
        request_preview=f"pre{plain}view",
        response_preview=f"re{plain}sponse",
        client_request_id=f"cr{plain}id",
        metadata={
            f"m{plain}k": f"m{plain}v",
            TraceMetadataKey.SESSION: f"s{plain}1",
            TraceMetadataKey.USER: f"u{plain}1",
        },
        tags={f"t{plain}k": f"t{plain}v"},
    )
    return Trace(info, TraceData([span(1, None), span(2, f"{1:016x}")]))


# Filters over every kind of field, each written with a NUL: all find the stored trace.
FILTERS = [
    "name = 'span\x001'",
    "name LIKE 'span_1'",
    "request_preview = 'pre\x00view'",
    "response_preview ILIKE 'RE\x00SPONSE'",
    "client_request_id IN ('cr\x00id')",
    "session_id = 's\x001'",
    "user_id != 'u1'",
    "tags.`t\x00k` = 't\x00v'",
    "metadata.`m\x00k` LIKE 'm\x00%'",
    "span.name = 'span\x002'",
    "span.type = 'TOOL\x00'",
    "span.attributes.`key\x00` = 'val\x00ue'",
    "span.attributes.plain ILIKE 'P\x00'",
    "text LIKE '%in\x00put%'",
    "text ILIKE '%OUT\x00PUT%'",
    "text LIKE 'span\x002'",
]


def test_nul_is_stored_as_the_replacement_character_everywhere(store: SqlTraceStore) -> None:
    original = build(NUL)
    store.write_traces([original])
    stored = store.get_trace(original.trace_id)
    # The same result on both backends: exactly the trace written with U+FFFD instead.
    assert stored.to_dict() == build(FFFD).to_dict()
    for filter_string in FILTERS:
        for spelling in (filter_string, filter_string.replace(NUL, FFFD)):
            found = store.search_traces(["0"], spelling)
            assert [t.trace_id for t in found] == [original.trace_id], repr(spelling)
            parsed = parse_filter(spelling)
            assert parsed is not None
            # The evaluator agrees, before and after storing.
            assert matches(parsed, original) and matches(parsed, stored), repr(spelling)
    assert store.search_traces(["0"], "name = 'span1'") == []


def test_lone_surrogates_are_stored_as_the_replacement_character_too(
    store: SqlTraceStore,
) -> None:
    # UTF-8 cannot encode them (the SDK's JSON encoder refuses them in values: names only here).
    original = build("\ud800", json="j", span_type="TOOL")
    store.write_traces([original])
    stored = store.get_trace(original.trace_id)
    assert stored.to_dict() == build(FFFD, json="j", span_type="TOOL").to_dict()
    for spelling in ("name = 'span\udfff1'", "tags.`t\ud800k` LIKE 't_v'", f"name = 'span{FFFD}1'"):
        assert len(store.search_traces(["0"], spelling)) == 1, repr(spelling)


def test_one_nul_does_not_lose_the_batch(store: SqlTraceStore) -> None:
    batch = [build("", index=i) if i != 42 else build(NUL, index=i) for i in range(100)]
    store.write_traces(batch)
    assert len(store.search_traces(["0"], max_results=1000)) == 100


def test_spans_arriving_piecemeal_and_their_metadata(store: SqlTraceStore) -> None:
    trace = build(NUL)
    root, child = trace.data.spans
    store.log_spans("0", [child], {trace.trace_id: {f"k{NUL}": f"v{NUL}"}})
    store.log_spans("0", [root])
    stored = store.get_trace(trace.trace_id)
    assert stored.info.name == f"span{FFFD}1"
    assert stored.info.metadata[f"k{FFFD}"] == f"v{FFFD}"
    assert [s.to_dict() for s in stored.data.spans] == [s.to_dict() for s in build(FFFD).data.spans]
    assert len(store.search_traces(["0"], "metadata.`k\x00` = 'v\x00'")) == 1
    assert len(store.search_traces(["0"], "text LIKE '%in\x00put%'")) == 1


def test_experiments_and_tags(store: SqlTraceStore) -> None:
    experiment_id = store.create_experiment(f"bot{NUL}", tags={f"team{NUL}": f"a{NUL}"})
    experiment = store.get_experiment(experiment_id)
    assert (experiment.name, experiment.tags) == (f"bot{FFFD}", {f"team{FFFD}": f"a{FFFD}"})
    assert store.get_experiment_by_name(f"bot{NUL}") == experiment
    assert store.get_experiment_by_name(f"bot{FFFD}") == experiment
    assert [e.name for e in store.search_experiments(f"bot{NUL}%")] == [f"bot{FFFD}"]
    store.rename_experiment(experiment_id, f"bot{NUL}2")
    assert store.get_experiment(experiment_id).name == f"bot{FFFD}2"

    trace = build("")
    store.write_traces([trace])
    store.set_trace_tag(trace.trace_id, f"review{NUL}", f"ok{NUL}")
    assert store.get_trace(trace.trace_id).info.tags[f"review{FFFD}"] == f"ok{FFFD}"
    assert len(store.search_traces(["0"], "tags.`review\x00` = 'ok\x00'")) == 1
    store.delete_trace_tag(trace.trace_id, f"review{NUL}")
    assert f"review{FFFD}" not in store.get_trace(trace.trace_id).info.tags


# -- stores written before: revision 0003 cleans them ------------------------------------------


@pytest.fixture
def old_uri(store_uri: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An empty database on the backend of `store_uri`, migrated to revision 0002."""
    if store_uri.startswith("sqlite"):
        uri = f"sqlite:///{tmp_path_factory.mktemp('nul')}/old.db"
        admin = None
    else:
        name = f"nul_{uuid.uuid4().hex[:12]}"
        admin = create_engine(make_url(store_uri).set(drivername="postgresql+psycopg"))
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f"CREATE DATABASE {name}"))
        uri = make_url(store_uri).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(uri)
    config = Config()
    config.set_main_option("script_location", str(migrate._MIGRATIONS))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0002")
    engine.dispose()
    yield uri
    if admin is not None:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f"DROP DATABASE {make_url(uri).database} WITH (FORCE)"))
        admin.dispose()


def test_upgrade_cleans_what_older_versions_stored(
    old_uri: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as patch:  # rows as older versions wrote them, unchecked
        patch.setattr(rows, "has_nul_escape", lambda text: False)
        patch.setattr(rows, "has_unstorable", lambda text: False)
        _write_as_older_versions(old_uri)
    _check_upgraded(old_uri)


def _write_as_older_versions(old_uri: str) -> None:
    engine = make_engine(old_uri)
    sqlite = engine.dialect.name == "sqlite"
    # Written as older versions did: SQLite kept raw NULs; PostgreSQL kept the JSON escapes
    # (a NUL in a text column failed the whole batch there).
    old = build(NUL) if sqlite else build("", json=NUL)
    TraceWriter(engine).write_traces([old])
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO experiments (name, created_at, last_update_time, tags) "
                "VALUES (:n, 1, 1, :t)"
            ),
            {"n": "old" if not sqlite else f"old{NUL}", "t": '{"k\\u0000":"v\\u0000"}'},
        )
    engine.dispose()


def _check_upgraded(old_uri: str) -> None:
    sqlite = old_uri.startswith("sqlite")
    old = build(NUL) if sqlite else build("", json=NUL)
    store = SqlTraceStore(old_uri)  # migrates to the head revision on first use
    try:
        assert migrate.current_revision(store.engine) == migrate.HEAD_REVISION
        expected = build(FFFD) if sqlite else build("", json=FFFD)
        assert store.get_trace(old.trace_id).to_dict() == expected.to_dict()
        for filter_string in ("span.attributes.`key\x00` = 'val\x00ue'", "text LIKE '%in\x00put%'"):
            assert len(store.search_traces(["0"], filter_string)) == 1, repr(filter_string)
        if sqlite:
            assert len(store.search_traces(["0"], "span.name = 'span\x002'")) == 1
        experiment = store.get_experiment_by_name("old" if not sqlite else f"old{FFFD}")
        assert experiment is not None and experiment.tags == {f"k{FFFD}": f"v{FFFD}"}
    finally:
        store.close()


def test_the_six_characters_backslash_u0000_are_text_not_nul(store: SqlTraceStore) -> None:
    literal = "\\u0000"  # a backslash and "u0000", as a Windows path or a JSON snippet holds
    original = build(literal, json=literal)
    store.write_traces([original])
    assert store.get_trace(original.trace_id).to_dict() == original.to_dict()
    assert len(store.search_traces(["0"], "span.attributes.`key\\u0000` = 'val\\u0000ue'")) == 1


def test_long_ids_keys_and_span_types_are_stored_on_both_backends(store: SqlTraceStore) -> None:
    # PostgreSQL refused the whole batch past VARCHAR(250) (VARCHAR(100) for span types),
    # which SQLite stored: revision 0005 lifted the limits.
    long = "x" * 1_000
    trace = build("", span_type="T" * 500)
    trace.info.client_request_id = long
    trace.info.metadata.update(
        {TraceMetadataKey.SESSION: long, TraceMetadataKey.USER: long, "m" * 300: long}
    )
    trace.info.tags["t" * 300] = long
    store.write_traces([trace])
    assert store.get_trace(trace.trace_id).to_dict() == trace.to_dict()
    for field in ("session_id", "user_id", "client_request_id", "tags." + "t" * 300):
        assert len(store.search_traces(["0"], f"{field} = '{long}'")) == 1, field
    assert len(store.search_traces(["0"], "span.type = '" + "T" * 500 + "'")) == 1
