"""Store backends by URI scheme: built-ins, run-time registration and entry points."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

import spanscope
from spanscope.store.base import TraceStore
from spanscope.store.registry import (
    ENTRY_POINT_GROUP,
    find_store_factory,
    register_store,
    registered_schemes,
    reset_registry,
)
from spanscope.store.sql.store import SqlTraceStore
from spanscope.store.uri import get_store


@pytest.fixture(autouse=True)
def _clean_registry() -> Iterator[None]:
    yield
    reset_registry()


def test_the_built_in_schemes_are_registered() -> None:
    assert {"sqlite", "postgresql", "postgresql+psycopg", "http", "https"} <= set(
        registered_schemes()
    )
    assert find_store_factory("SQLITE") is find_store_factory("sqlite")
    assert find_store_factory("nosuchstore") is None


def test_a_backend_registered_at_run_time_stores_traces(tmp_path: Path) -> None:
    opened: list[str] = []

    def open_memo(uri: str) -> TraceStore:
        opened.append(uri)
        return SqlTraceStore(f"sqlite:///{tmp_path}/{uri.split('://', 1)[1]}.db")

    register_store("memo", open_memo)
    spanscope.set_tracking_uri("memo://notes")

    @spanscope.trace
    def work() -> str:
        return "done"

    work()
    found = spanscope.search_traces()
    assert [t.info.name for t in found] == ["work"]
    assert opened == ["memo://notes"]  # opened once, then cached
    assert get_store("memo://notes") is get_store()


def test_an_unknown_scheme_is_refused_with_what_is_accepted() -> None:
    with pytest.raises(spanscope.InvalidArgumentError) as caught:
        spanscope.set_tracking_uri("mongodb://user:secret@db/traces")
    message = str(caught.value)
    assert "unsupported tracking URI" in message
    assert "secret" not in message  # the password is redacted
    assert "sqlite:///<path>" in message and ENTRY_POINT_GROUP in message


@pytest.mark.parametrize("scheme", ["", "bad://", "x://y"])
def test_register_store_refuses_a_bad_scheme(scheme: str) -> None:
    with pytest.raises(spanscope.InvalidArgumentError, match="URI scheme"):
        register_store(scheme, SqlTraceStore)


_PLUGIN = '''
"""A third-party store backend: SQLite under another scheme, counting the stores it opens."""

from spanscope.store.sql.store import SqlTraceStore

OPENED = []


def open_store(uri):
    OPENED.append(uri)
    return SqlTraceStore("sqlite:///" + uri.split("://", 1)[1])


def not_a_store(uri):
    return object()
'''

_PROBE = """
import sys

import spanscope
import toystore

spanscope.set_tracking_uri("toystore://" + sys.argv[1])

@spanscope.trace
def work():
    return "done"

work()
print(len(spanscope.search_traces()), toystore.OPENED == ["toystore://" + sys.argv[1]])
try:
    spanscope.set_tracking_uri("brokenstore://x")
    spanscope.search_traces()
except spanscope.InvalidArgumentError as exc:
    print(exc)
"""


def test_a_backend_from_an_entry_point(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "toystore.py").write_text(textwrap.dedent(_PLUGIN))
    dist = site / "toystore-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: toystore\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        f"[{ENTRY_POINT_GROUP}]\n"
        "toystore = toystore:open_store\n"
        "brokenstore = toystore:not_a_store\n"
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, str(tmp_path / "plugin.db")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "1 True"
    assert "brokenstore" in lines[1] and "returned object, not a TraceStore" in lines[1]
