"""The SQLite page cache per connection: 8 MiB unless SPANSCOPE_SQLITE_CACHE_MIB says otherwise,
and a clear error for a value that is not a whole number of MiB."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from spanscope.constants import ENV_SQLITE_CACHE_MIB
from spanscope.exceptions import InvalidArgumentError
from spanscope.store.sql.engine import make_engine


def _cache_kib(path: Path) -> int:
    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            # A negative cache_size is a size in KiB.
            return -int(conn.execute(text("PRAGMA cache_size")).scalar_one())
    finally:
        engine.dispose()


def test_the_default_and_a_chosen_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_SQLITE_CACHE_MIB, raising=False)
    assert _cache_kib(tmp_path / "default.db") == 8 * 1024
    monkeypatch.setenv(ENV_SQLITE_CACHE_MIB, "64")
    assert _cache_kib(tmp_path / "server.db") == 64 * 1024


@pytest.mark.parametrize("value", ["0", "-4", "8.5", "lots"])
def test_a_bad_size_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(ENV_SQLITE_CACHE_MIB, value)
    with pytest.raises(InvalidArgumentError, match=r"SPANSCOPE_SQLITE_CACHE_MIB .* >= 1; got"):
        make_engine(f"sqlite:///{tmp_path}/bad.db")
