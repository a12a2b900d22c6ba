"""The documentation site builds strictly, offline, and every link inside it resolves."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

import spanscope

ROOT = Path(__file__).resolve().parent.parent

# Runs mkdocs with every connection refused but loopback's, so a theme or plugin that starts
# fetching (web fonts, a social card, an inventory) fails the build instead of slowing it.
_OFFLINE_MKDOCS = """
import socket, sys

_connect = socket.socket.connect

def _loopback_only(self, address):
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and host not in ("127.0.0.1", "::1", "localhost"):
        raise OSError(f"the docs build tried to reach {address!r}")
    return _connect(self, address)

socket.socket.connect = _loopback_only
from mkdocs.__main__ import cli
sys.exit(cli())
"""


@dataclass
class BuiltSite:
    folder: Path
    output: str


class _Page(HTMLParser):
    """The ids a page defines (its anchors) and the links it holds (a href, img src)."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for key in ("id", "name") if tag == "a" else ("id",):
            if values.get(key):
                self.ids.add(str(values[key]))
        target = values.get("href") if tag == "a" else values.get("src") if tag == "img" else None
        if target:
            self.links.append(target)


_NO_IDS = _Page()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BuiltSite]:
    folder = tmp_path_factory.mktemp("site").resolve()
    # From another folder than the repository's, as the config's paths must not depend on it.
    result = subprocess.run(
        [
            *(sys.executable, "-c", _OFFLINE_MKDOCS, "build", "--strict"),
            *("--config-file", str(ROOT / "mkdocs.yml"), "--site-dir", str(folder)),
        ],
        cwd=folder,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{output[-6000:]}"
    yield BuiltSite(folder, output)


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def test_the_site_builds_without_a_warning(site: BuiltSite) -> None:
    warnings = [line for line in site.output.splitlines() if "WARNING" in line]
    assert warnings == []
    assert (site.folder / "index.html").is_file()


def test_every_internal_link_and_anchor_resolves(site: BuiltSite) -> None:
    pages = {path: _parse(path) for path in site.folder.rglob("*.html")}
    broken = []
    checked = 0
    for path, page in pages.items():
        for link in page.links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or link.startswith("mailto:"):
                continue
            if not parts.path:
                target = path
            elif parts.path.startswith("/"):  # the 404 page's links: from the site's root
                target = (site.folder / unquote(parts.path).lstrip("/")).resolve()
            else:
                target = (path.parent / unquote(parts.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            where = f"{path.relative_to(site.folder)}: {link}"
            if not target.is_relative_to(site.folder) or not target.is_file():
                broken.append(f"{where} (no such file)")
            elif parts.fragment and unquote(parts.fragment) not in pages.get(target, _NO_IDS).ids:
                broken.append(f"{where} (no such anchor)")
            checked += 1
    assert not broken, "\n".join(broken)
    # The checker looked at the site's real links, not at an empty set.
    assert checked > 1000


def test_the_api_reference_documents_the_public_api(site: BuiltSite) -> None:
    reference = site.folder / "reference"
    ids = set().union(*(_parse(path).ids for path in reference.rglob("*.html")))
    names = [name for name in spanscope.__all__ if name != "__version__"]
    missing = [name for name in names if f"spanscope.{name}" not in ids]
    assert not missing, f"not in docs/reference/: {missing}"
    for module in ("tracing", "testing"):
        exported = __import__(f"spanscope.{module}", fromlist=["__all__"]).__all__
        assert [n for n in exported if f"spanscope.{module}.{n}" not in ids] == [], module


def test_contributing_and_changelog_are_included_from_the_root(site: BuiltSite) -> None:
    contributing = (site.folder / "contributing" / "index.html").read_text(encoding="utf-8")
    changelog = (site.folder / "changelog" / "index.html").read_text(encoding="utf-8")
    assert "Adding a store backend" in contributing
    assert 'id="versioning-policy"' in changelog
    assert "--8&lt;--" not in contributing + changelog
