"""Suite-wide setup: strict mode on, a fresh tracing runtime per test, no hidden internal errors."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator

import pytest

import spanscope
from tests.postgres_server import postgres_binaries, running_postgres

# Shared checks assert for the tests that call them: their failures should read as well.
pytest.register_assert_rewrite("tests.autolog_checks", "tests.genai_expect")

# Settings are read when used, so they can be set after the import. Strict mode: our internal
# errors raise. The store: one SQLite file per test session, off the user's home directory.
os.environ["SPANSCOPE_STRICT"] = "1"
_HOME = tempfile.mkdtemp(prefix="spanscope-tests-")
os.environ["SPANSCOPE_HOME"] = _HOME
os.environ["SPANSCOPE_TRACKING_URI"] = f"sqlite:///{_HOME}/spanscope.db"


def pytest_sessionfinish(session: pytest.Session) -> None:
    spanscope.tracing.reset()
    shutil.rmtree(_HOME, ignore_errors=True)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "internal_errors: the test provokes spanscope internal errors on purpose"
    )


_SPOOLS = iter(range(1_000_000))


@pytest.fixture(autouse=True)
def _fresh_tracing(request: pytest.FixtureRequest) -> Iterator[None]:
    # Each test its own spool, so batches one test leaves for a dead endpoint stay there.
    os.environ["SPANSCOPE_SPOOL_DIR"] = os.path.join(_HOME, "spools", str(next(_SPOOLS)))
    spanscope.tracing.reset()
    yield
    spanscope.flush()
    errors = spanscope.tracing.stats().internal_errors
    spanscope.tracing.reset()
    if request.node.get_closest_marker("internal_errors") is None:
        assert errors == 0, f"{errors} spanscope internal error(s) were logged during the test"


@pytest.fixture(scope="session")
def postgres_uri() -> Iterator[str]:
    if postgres_binaries() is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is required in CI (.ci/run installs it)")
        pytest.skip("PostgreSQL is not installed here; apt-get install postgresql")
    with running_postgres() as uri:
        yield uri
