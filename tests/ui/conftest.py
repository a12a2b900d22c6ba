"""A real server over seeded traces, and Debian's Chromium driven by Playwright.

The browser tests skip (saying why) when /usr/bin/chromium or the built UI is missing; `make
test` builds the UI first and CI installs Chromium, so there they run.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from spanscope.server.settings import ServerSettings
from spanscope.server.ui import STATIC_DIR
from spanscope.store.sql.store import SqlTraceStore
from spanscope.testing.fake_llm import FakeLLMServer
from tests.live_server import server_thread
from tests.ui.seed import Seeded, seed

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "build" / "ui-screenshots"
DOCS_IMAGES = ROOT / "docs" / "images" / "ui"
# Set to 1 to refresh the screenshots docs/ui.md shows.
DOCS_IMAGES_ENV = "SPANSCOPE_UI_DOCS_IMAGES"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _skip_reason() -> str | None:
    if not CHROMIUM.is_file():
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    if not (STATIC_DIR / "index.html").is_file():
        return "the web UI is not built (make ui)"
    return None


@pytest.fixture(scope="module")
def seeded_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Seeded]]:
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    store = SqlTraceStore(f"sqlite:///{tmp_path_factory.mktemp('ui')}/ui.db")
    with FakeLLMServer() as llm:
        seeded = seed(store, llm)
    with server_thread(ServerSettings(store.uri), store) as url:
        yield url, seeded
    store.close()


@pytest.fixture(scope="module")
def browser(seeded_server: Any) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


class ConsoleWatch:
    """Console errors and uncaught page errors; a test may allow the ones it provokes."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.allowed: list[str] = []

    def allow(self, fragment: str) -> None:
        self.allowed.append(fragment)

    def unexpected(self) -> list[str]:
        return [e for e in self.errors if not any(a in e for a in self.allowed)]


@pytest.fixture
def console() -> ConsoleWatch:
    return ConsoleWatch()


@pytest.fixture
def page(browser: Any, console: ConsoleWatch) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    opened = context.new_page()
    opened.set_default_timeout(15_000)

    def on_console(message: Any) -> None:
        if message.type == "error":
            location = message.location.get("url", "")
            console.errors.append(f"console: {message.text} ({location})")

    opened.on("console", on_console)
    opened.on("pageerror", lambda error: console.errors.append(f"page error: {error}"))
    yield opened
    context.close()
    assert console.unexpected() == [], "errors in the browser console"


@pytest.fixture
def screenshot(page: Any) -> Any:
    """`screenshot("name")` saves the page to build/ui-screenshots/name.png (and to the docs)."""

    def take(name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path))
        if os.environ.get(DOCS_IMAGES_ENV) == "1":
            DOCS_IMAGES.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, DOCS_IMAGES / path.name)
        return path

    return take
