"""ILIKE folds case as Python's str.lower() does, on SQLite, on PostgreSQL (whatever the
database's collation) and in the evaluator alike, for the letters where databases usually differ
(dotted İ, final sigma, ß and ẞ, the Kelvin sign, titlecase, Cherokee, Georgian); and the
full-text index still serves `text LIKE` / `text ILIKE`."""

# ruff: noqa: RUF001, RUF003 - letters that look like ASCII ones are the point here

from __future__ import annotations

import pytest
from sqlalchemy import text

from spanscope import Span, Trace, TraceData
from spanscope.entities import TraceInfo
from spanscope.search import literal_to_string, matches, parse_filter
from spanscope.store.sql.search import SearchQuery
from spanscope.store.sql.store import SqlTraceStore

VALUES = [
    "İstanbul",
    "istanbul",
    "ISTANBUL",
    "ıstanbul",
    "ΟΔΥΣΣΕΥΣ",
    "Οδυσσευς",
    "ΣΟΦΟΣ ΣΟΦΟΣ",
    "ΑΣ.",
    "Straße",
    "STRASSE",
    "ẞ",
    "Kelvin \u212a",
    "kelvin k",
    "ǅemal",
    "ǆemal",
    "ᎠᎡ",
    "ꭰꭱ",
    "ᲐᲑ",
    "აბ",
    "Ǳ",
    "ﬀ",
]
PATTERNS = [
    "i̇stanbul",
    "istanbul",
    "%STANBUL",
    "_stanbul",
    "__stanbul",
    "İ%",
    "ı%",
    "I%",
    "%ς",
    "%σ",
    "%Σ",
    "οδυσσευς",
    "οδυσσευσ",
    "%σ %",
    "%ς %",
    "ας.",
    "%ß%",
    "%SS%",
    "ß",
    "%k",
    "%K",
    "kelvin _",
    "ǆ%",
    "Ǆ%",
    "ꭰ%",
    "Ꭰ%",
    "აბ",
    "ᲐᲑ",
    "ǳ",
    "ff",
    "ﬀ",
]


def _trace(index: int, value: str) -> Trace:
    trace_id = f"{index + 1:032x}"
    span = Span.from_dict(
        {
            "trace_id": trace_id,
            "span_id": f"{index + 1:016x}",
            "parent_id": None,
            "name": value,
            "start_time_ns": 1,
            "end_time_ns": 2,
            "status": {"code": "OK"},
            "inputs": {"q": value},
            "attributes": {"a": value},
        }
    )
    info = TraceInfo(trace_id=trace_id, name=value, tags={"t": value}, metadata={"m": value})
    return Trace(info, TraceData([span]))


FIELDS = ["name", "tags.t", "metadata.m", "span.name", "span.attributes.a", "text"]


def test_ilike_agrees_with_the_evaluator_on_letters_databases_fold_differently(
    store: SqlTraceStore,
) -> None:
    batch = [_trace(i, value) for i, value in enumerate(VALUES)]
    store.write_traces(batch)
    for field in FIELDS:
        for pattern in PATTERNS:
            for op in ("ILIKE", "NOT ILIKE") if field != "text" else ("ILIKE",):
                filter_string = f"{field} {op} {literal_to_string(pattern)}"
                expr = parse_filter(filter_string)
                assert expr is not None
                expected = sorted(t.info.name or "" for t in batch if matches(expr, t))
                found = store.search_traces(["0"], filter_string, max_results=100)
                assert sorted(t.info.name or "" for t in found) == expected, filter_string


@pytest.mark.parametrize(
    ("value", "pattern", "found"),
    [
        ("İstanbul", "i̇stanbul", True),  # İ lowers to i and a combining dot above
        ("İstanbul", "istanbul", False),
        ("ΣΟΦΟΣ", "σοφος", True),  # a final capital sigma lowers to ς
        ("ΣΟΦΟΣ", "σοφοσ", False),
        ("Straße", "STRASSE", False),  # lower(), not casefold(): ß is not ss
        ("ẞ", "ß", True),
        ("Kelvin \u212a", "kelvin k", True),
        ("ǅemal", "ǆemal", True),
    ],
)
def test_documented_examples(store: SqlTraceStore, value: str, pattern: str, found: bool) -> None:
    store.write_traces([_trace(0, value)])
    for field in FIELDS:
        filter_string = f"{field} ILIKE {literal_to_string(pattern)}"
        hits = store.search_traces(["0"], filter_string)
        assert bool(hits) is found, filter_string


def _plan(store: SqlTraceStore, filter_string: str) -> str:
    query = SearchQuery(
        [0],
        filter_string,
        None,
        store.dialect,
        fold_collation=store.fold_collation,
        case_stable=store._case_stable_characters,
    )
    statement = query.statement(100, None)
    sql = str(
        statement.compile(dialect=store.engine.dialect, compile_kwargs={"literal_binds": True})
    )
    with store.engine.connect() as conn:
        if store.dialect == "sqlite":
            return "\n".join(str(r[-1]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
        # Tiny tables are cheaper to scan, to probe trace by trace, or to read in trace-id
        # order (what the planner picks once earlier tests leave their statistics behind):
        # forbid all three, so the plan shows whether the trigram index can serve the filter.
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        conn.exec_driver_sql("SET LOCAL enable_nestloop = off")
        conn.exec_driver_sql("SET LOCAL enable_indexscan = off")
        plan = conn.exec_driver_sql("EXPLAIN " + sql.replace("%", "%%"))
        return "\n".join(str(r[0]) for r in plan)


@pytest.mark.parametrize(
    "filter_string",
    [
        "text ILIKE '%refund%'",
        "text LIKE '%refund%'",
        "text ILIKE '%REFUND policy%'",
        "text ILIKE '%Straße 12%'",  # ß folds alike in Python, FTS5 and the collation
        "text ILIKE '%退款政策%'",  # characters without case are case-stable
        "text ILIKE '%ПРИВЕТ МИР%'",
        "text ILIKE '%été été%'",
    ],
)
def test_the_full_text_index_serves_text_like_and_ilike(
    store: SqlTraceStore, filter_string: str
) -> None:
    store.write_traces(
        [_trace(i, f"refund policy {i} Straße 12 退款政策 Привет мир ÉTÉ ÉTÉ") for i in range(5)]
    )
    assert len(store.search_traces(["0"], filter_string)) == 5
    plan = _plan(store, filter_string)
    if store.dialect == "sqlite":
        line = next(line for line in plan.splitlines() if "trace_text" in line)
        assert "VIRTUAL TABLE INDEX" in line and ":M" in line, plan  # M: the MATCH constraint
    else:
        assert "ix_spans_text_trgm" in plan and "ix_traces_text_trgm" in plan, plan


def test_postgresql_lowers_with_icu_whatever_the_database_collation(
    store: SqlTraceStore,
) -> None:
    if store.dialect != "postgresql":
        pytest.skip("PostgreSQL only")
    assert store.fold_collation == "und-x-icu"
    with store.engine.connect() as conn:
        row = conn.execute(
            text('SELECT lower(:v), lower(:v COLLATE "und-x-icu")'), {"v": "İΑΣ"}
        ).one()
    # The suite's server runs in the C.UTF-8 locale, whose lower() differs from Python's.
    assert row[1] == "İΑΣ".lower() != row[0]


def test_the_index_is_asked_only_for_characters_it_folds_as_python_does(
    store: SqlTraceStore,
) -> None:
    stable = store._case_stable_characters()
    assert {"é", "ß", "σ", "а", "k"} <= stable  # Latin, Greek and Cyrillic letters, Kelvin
    assert not {"i", "\u0307"} & stable  # İ lowers to both
    if store.dialect == "sqlite":
        # FTS5's tables do not fold Georgian Mtavruli nor Cherokee as str.lower() does.
        assert not {"ა", "ꭰ"} & stable
        assert "ς" in stable  # FTS5 folds ς, σ and Σ to σ
    else:
        assert "ς" not in stable  # the C.UTF-8 collation lowers Σ to σ, never to ς
