"""Any filter string, valid or not, through `spanscope.search_traces`, the REST API (a server in a
thread) and the CLI, on SQLite and on PostgreSQL: a filter that parses finds the same traces
everywhere (the evaluator's answer); one that does not is an InvalidFilterError, a 4xx or exit
status 2 with one line on stderr. Never a 5xx, a raw database error or a traceback; every call is
quick, and the whole test takes seconds.

Filters come from hypothesis: token soups (NUL, lone surrogates, letters databases fold
differently, huge numbers, unbalanced quotes), arbitrary text, valid filters over any keys and
values, and nesting and chains around the parser's limits.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, make_url, text

import spanscope
from spanscope import Trace
from spanscope.exceptions import InvalidArgumentError, InvalidFilterError
from spanscope.search import MAX_COMPARISONS, MAX_DEPTH, matches, parse_filter, to_filter_string
from spanscope.store.sql.store import SqlTraceStore
from spanscope.testing.server import serve_in_thread
from tests.cli.cli_helpers import run_cli
from tests.search.search_helpers import expressions
from tests.store.test_case_folding import VALUES, _trace
from tests.store.test_stored_text import build

pytest.importorskip("fastapi")

ODD_TEXT = st.text(
    st.characters(exclude_categories=[])  # surrogates included
    | st.sampled_from("\x00\ufffdİ\u0131Σ\u03c3ς\u212aß\u0307\u200f\u202e🦜'\"`%_\\"),
    max_size=12,
)
TOKENS = [
    "name", "status", "timestamp_ms", "tags.k", "tags.`t\x00k`", "metadata.m", "span.name",
    "span.type", "span.attributes.a", "span.attributes.`key\x00`", "text", "trace_id", "tags.",
    "`", "=", "!=", "<>", "<", ">=", "LIKE", "ILIKE", "NOT", "IN", "IS", "NULL", "AND", "OR",
    "(", ")", ",", "'a'", "'", '"', "'İstanbul'", "'%ς'", "'\x00'", "'\ud800'", "'\udfff%'",
    "'%\\'", "'\\%'", "1", "-1", "0.5", "99999999999999999999", "-9223372036854775809",
    "9223372036854775807", "1" * 400 + ".5", "1e5", "'OK'", "'ERROR'", "\x00", "\ud800", "\n",
    "\u2028", "é", "ﬀ", "🦜",
]  # fmt: skip


def _nested(depth: int) -> str:
    return "(" * depth + "name = 'x'" + ")" * depth


FILTERS = st.one_of(
    st.lists(st.sampled_from(TOKENS), max_size=12).map(" ".join),
    ODD_TEXT,
    expressions(keys=ODD_TEXT.filter(bool), strings=ODD_TEXT).map(to_filter_string),
    st.integers(MAX_DEPTH - 2, MAX_DEPTH + 2).map(_nested),
    st.integers(MAX_DEPTH - 2, MAX_DEPTH + 2).map(lambda n: "NOT " * n + "tags.k = 'v'"),
)


@dataclass
class Backend:
    name: str
    uri: str
    url: str
    traces: list[Trace]

    def __repr__(self) -> str:  # Hypothesis prints the fixtures of a failing example
        return f"Backend({self.name})"


def _traces() -> list[Trace]:
    batch = [build("\x00", index=0), build("", index=1), build("\ufffd", index=2)]
    batch += [_trace(10 + i, value) for i, value in enumerate(VALUES)]
    return batch


@pytest.fixture(scope="module")
def backends(
    tmp_path_factory: pytest.TempPathFactory, postgres_uri: str
) -> Iterator[list[Backend]]:
    """The same traces on SQLite and on a PostgreSQL database of this module, each served."""
    database = f"reliability_{uuid.uuid4().hex[:12]}"
    admin = create_engine(make_url(postgres_uri).set(drivername="postgresql+psycopg"))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f"CREATE DATABASE {database}"))
    folder: Path = tmp_path_factory.mktemp("reliability")
    uris = {
        "sqlite": f"sqlite:///{folder}/traces.db",
        "postgresql": make_url(postgres_uri).set(database=database).render_as_string(False),
    }
    for uri in uris.values():
        store = SqlTraceStore(uri)
        store.write_traces(_traces())
        store.close()
    try:
        with serve_in_thread(uris["sqlite"]) as sqlite_url:
            with serve_in_thread(uris["postgresql"]) as postgres_url:
                urls = {"sqlite": sqlite_url, "postgresql": postgres_url}
                yield [Backend(n, uri, urls[n], _traces()) for n, uri in uris.items()]
    finally:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f"DROP DATABASE {database} WITH (FORCE)"))
        admin.dispose()


def _python(backend: Backend, filter_string: str) -> list[str] | InvalidArgumentError:
    spanscope.set_tracking_uri(backend.uri)
    try:
        found = spanscope.search_traces(
            experiment_ids=["0"], filter_string=filter_string, max_results=100
        )
    except InvalidArgumentError as error:  # anything else fails the test, as raised
        return error
    return sorted(t.info.trace_id for t in found)


def _rest(backend: Backend, filter_string: str) -> tuple[int, list[str]]:
    body = {"experiment_ids": ["0"], "filter": filter_string, "max_results": 100}
    response = httpx.post(
        f"{backend.url}/api/v1/traces/search",
        content=json.dumps(body),  # ASCII escapes: lone surrogates travel too
        headers={"content-type": "application/json"},
        timeout=30,
    )
    assert response.status_code < 500, (response.status_code, response.text)
    if response.status_code != 200:
        return response.status_code, []
    return 200, sorted(t["info"]["trace_id"] for t in response.json()["traces"])


def _cli(backend: Backend, filter_string: str) -> tuple[int, list[str]]:
    args = ["--tracking-uri", backend.uri, "traces", "search", f"--filter={filter_string}"]
    outcome = run_cli([*args, "--json", "--max-results", "100"])
    assert "Traceback" not in outcome.stderr
    if outcome.status != 0:
        lines = outcome.stderr.splitlines()
        assert outcome.status == 2 and len(lines) == 1, outcome
        assert lines[0].startswith("Error: invalid filter"), outcome
        return outcome.status, []
    found = [json.loads(line)["info"]["trace_id"] for line in outcome.stdout.splitlines()]
    return 0, sorted(found)


@settings(
    max_examples=3000,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@pytest.mark.timeout(3000)
@given(filter_string=FILTERS)
@example(filter_string="name = 'span\x001' OR tags.`t\ud800k` LIKE '%'")
@example(filter_string="NOT " * 44 + "name = 'x'")  # SQLite's parser overflowed here
@example(filter_string=" AND ".join(["name = 'x'"] * MAX_COMPARISONS))
@example(filter_string=" AND ".join(["tags.k = 'v'"] * (MAX_COMPARISONS + 1)))
@example(filter_string="span.attributes.`a\x00\"\\` ILIKE 'İ%'")
@example(filter_string="text ILIKE '%ΣΟΦΟΣ%' AND name ILIKE '_stanbul'")
@example(filter_string="timestamp_ms > 9223372036854775807 OR timestamp_ms = 1" + "0" * 30)
@example(filter_string="span.cost IN (0, 2147483648) OR cost NOT IN (0.5, 2147483648, 1)")
def test_any_filter_gets_an_answer_or_a_clear_error_everywhere(
    backends: list[Backend], filter_string: str
) -> None:
    with open("/tmp/last_filter.txt", "w") as f:
        f.write(repr(filter_string))
    try:
        expr = parse_filter(filter_string)
    except InvalidFilterError:
        expr = None
        valid = False
    else:
        valid = True
    for backend in backends:
        found = _python(backend, filter_string)
        status, over_rest = _rest(backend, filter_string)
        cli_status, over_cli = _cli(backend, filter_string)
        if not valid:
            assert isinstance(found, InvalidFilterError), found
            assert status in (400, 422) and cli_status == 2, (status, cli_status)
            continue
        assert not isinstance(found, InvalidArgumentError), found
        expected = sorted(
            t.info.trace_id for t in backend.traces if expr is None or matches(expr, t)
        )
        assert found == expected, backend.name
        assert (cli_status, over_cli) == (0, expected), backend.name
        # The REST API's own request validation may refuse text JSON cannot carry.
        assert (status, over_rest) == (200, expected) or status == 422, (status, backend.name)
