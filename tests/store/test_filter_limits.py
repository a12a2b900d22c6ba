"""The parser's limits are the whole story: every filter within them runs on SQLite and on
PostgreSQL, quickly, whatever its shape (nested NOTs, long AND chains of subqueries, many full-text
comparisons); one past a limit is an InvalidFilterError before any SQL runs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import event

from spanscope.exceptions import InvalidFilterError
from spanscope.search import MAX_COMPARISONS, MAX_DEPTH, MAX_FILTER_LENGTH
from spanscope.store.sql.store import SqlTraceStore
from tests.store.factory import make_trace


def _alternating(levels: int, leaf: str) -> str:
    """`levels` - 1 nested parentheses, AND and OR alternating: the deepest SQL a filter can
    give (a NOT in `leaf` is one level more)."""
    text = "name = 'x'"
    for i in range(levels - 1):
        text = f"({text} {'AND' if i % 2 else 'OR'} {leaf})"
    return text


def _chain(joiner: str, leaf: Callable[[int], str], count: int = MAX_COMPARISONS) -> str:
    return f" {joiner} ".join(leaf(i) for i in range(count))


# (label, filter at the limit, the same shape one past it)
AT_THE_LIMIT: list[tuple[str, str, str]] = [
    (
        "parentheses and tags",
        _alternating(MAX_DEPTH + 1, "tags.k = 'v'"),
        "(" + _alternating(MAX_DEPTH + 1, "tags.k = 'v'") + ")",
    ),
    (
        "parentheses and negations",
        _alternating(MAX_DEPTH, "NOT name = 'y'"),
        _alternating(MAX_DEPTH + 1, "NOT name = 'y'"),
    ),
    (
        "parentheses and full text",
        _alternating(MAX_DEPTH + 1, "text LIKE '%refund%'"),
        "(" + _alternating(MAX_DEPTH + 1, "text LIKE '%refund%'") + ")",
    ),
    ("chained NOT", "NOT " * MAX_DEPTH + "tags.k = 'v'", "NOT " * (MAX_DEPTH + 1) + "name = 'x'"),
    (
        "NOT (",
        "NOT (" * (MAX_DEPTH // 2) + "name = 'x' OR tags.k = 'v'" + ")" * (MAX_DEPTH // 2),
        "NOT (" * (MAX_DEPTH // 2) + "NOT name = 'x'" + ")" * (MAX_DEPTH // 2),
    ),
    (
        "AND of tags",
        _chain("AND", lambda i: f"tags.k{i % 3} = 'v'"),
        _chain("AND", lambda i: f"tags.k{i % 3} = 'v'", MAX_COMPARISONS + 1),
    ),
    (
        "AND of absent tags",
        _chain("AND", lambda i: f"NOT tags.x{i} = 'v'"),
        _chain("AND", lambda i: f"NOT tags.x{i} = 'v'", MAX_COMPARISONS + 1),
    ),
    (
        "AND of negated columns",
        _chain("AND", lambda i: f"NOT name = 'v{i}'"),
        _chain("AND", lambda i: f"NOT name = 'v{i}'", MAX_COMPARISONS + 1),
    ),
    (
        "OR of attributes",
        _chain("OR", lambda i: f"span.attributes.k{i} = 'v'"),
        _chain("OR", lambda i: f"span.attributes.k{i} = 'v'", MAX_COMPARISONS + 1),
    ),
    (
        "AND of full text",
        _chain("AND", lambda i: f"text LIKE '%fund{i % 10}%'"),
        _chain("AND", lambda i: f"text LIKE '%fund{i % 10}%'", MAX_COMPARISONS + 1),
    ),
    (
        "OR of full text",
        _chain("OR", lambda i: f"text ILIKE '%F{i}%'"),
        _chain("OR", lambda i: f"text ILIKE '%F{i}%'", MAX_COMPARISONS + 1),
    ),
    (
        "AND of span names",
        _chain("AND", lambda i: f"span.name ILIKE '%X{i}%'"),
        _chain("AND", lambda i: f"span.name ILIKE '%X{i}%'", MAX_COMPARISONS + 1),
    ),
    (
        "long IN list",
        "timestamp_ms IN (" + ", ".join(["1"] * ((MAX_FILTER_LENGTH - 16) // 3)) + ")",
        "timestamp_ms IN (" + ", ".join(["1"] * ((MAX_FILTER_LENGTH - 16) // 3 + 1)) + ")",
    ),
    (
        "long LIKE pattern",
        "name LIKE '" + "%a" * ((MAX_FILTER_LENGTH - 12) // 2) + "'",
        "name LIKE '" + "%a" * ((MAX_FILTER_LENGTH - 12) // 2 + 1) + "'",
    ),
    (
        "long full-text pattern",
        "text ILIKE '" + "%a" * ((MAX_FILTER_LENGTH - 13) // 2) + "'",
        "text ILIKE '" + "%a" * ((MAX_FILTER_LENGTH - 13) // 2 + 1) + "'",
    ),
]


@pytest.fixture
def filled(store: SqlTraceStore) -> SqlTraceStore:
    store.write_traces(
        [make_trace("0", f"refund {i}?", tags={"k0": "v", "k1": "v"}) for i in range(20)]
    )
    return store


@pytest.fixture
def statements(store: SqlTraceStore) -> Iterator[list[str]]:
    """The SQL statements the store runs, from now on."""
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(args[2])

    event.listen(store.engine, "before_cursor_execute", record)
    yield seen
    event.remove(store.engine, "before_cursor_execute", record)


@pytest.mark.parametrize(
    ("label", "at_limit", "past"), AT_THE_LIMIT, ids=[a[0] for a in AT_THE_LIMIT]
)
def test_at_the_limit_runs_and_one_past_is_rejected_before_sql(
    filled: SqlTraceStore, statements: list[str], label: str, at_limit: str, past: str
) -> None:
    assert len(at_limit) <= MAX_FILTER_LENGTH, label
    # A plan that explodes with the number of terms (PostgreSQL took minutes to plan 100 text
    # terms before subqueries were fenced) trips the suite's per-test timeout.
    filled.search_traces(["0"], at_limit, max_results=100)
    assert statements
    statements.clear()
    with pytest.raises(InvalidFilterError) as info:
        filled.search_traces(["0"], past)
    assert info.value.position is not None
    assert statements == []  # rejected by the parser: the database never saw it
