"""The SQLite page cache per connection: 2 MiB in an application and 8 MiB in `spanscope server`
unless SPANSCOPE_SQLITE_CACHE_MIB says otherwise, and a clear error for a value that is not a
whole number of MiB."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import uvicorn
from click.testing import CliRunner
from sqlalchemy import text

from spanscope.cli.main import cli
from spanscope.constants import ENV_SQLITE_CACHE_MIB
from spanscope.exceptions import InvalidArgumentError
from spanscope.store.sql.engine import make_engine


def _cache_kib(path: Path) -> int:
    engine = make_engine(f"sqlite:///{path}")
    try:
        return _engine_cache_kib(engine)
    finally:
        engine.dispose()


def _engine_cache_kib(engine: Any) -> int:
    with engine.connect() as conn:
        # A negative cache_size is a size in KiB.
        return -int(conn.execute(text("PRAGMA cache_size")).scalar_one())


def test_the_default_and_a_chosen_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_SQLITE_CACHE_MIB, raising=False)
    assert _cache_kib(tmp_path / "default.db") == 2 * 1024
    monkeypatch.setenv(ENV_SQLITE_CACHE_MIB, "64")
    assert _cache_kib(tmp_path / "server.db") == 64 * 1024


@pytest.mark.parametrize("value", ["0", "-4", "8.5", "lots"])
def test_a_bad_size_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(ENV_SQLITE_CACHE_MIB, value)
    with pytest.raises(InvalidArgumentError, match=r"SPANSCOPE_SQLITE_CACHE_MIB .* >= 1; got"):
        make_engine(f"sqlite:///{tmp_path}/bad.db")


@pytest.mark.parametrize(("chosen", "expected_mib"), [(None, 8), ("3", 3)])
def test_the_servers_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chosen: str | None, expected_mib: int
) -> None:
    monkeypatch.setenv(ENV_SQLITE_CACHE_MIB, "1")  # restored (unset) after the test
    if chosen is None:
        monkeypatch.delenv(ENV_SQLITE_CACHE_MIB)
    else:
        monkeypatch.setenv(ENV_SQLITE_CACHE_MIB, chosen)
    served: list[Any] = []
    # The app `spanscope server` would serve, instead of serving it.
    monkeypatch.setattr(uvicorn, "run", lambda app, **_: served.append(app))
    db = tmp_path / "server.db"
    result = CliRunner().invoke(
        cli, ["server", "--backend-store-uri", f"sqlite:///{db}"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    (app,) = served
    store = app.state.store
    try:
        assert _engine_cache_kib(store.engine) == expected_mib * 1024
    finally:
        store.close()
