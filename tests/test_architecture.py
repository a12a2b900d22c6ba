"""The layers hold: the package graph is acyclic, and `lint-imports` fails on a bad import."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _package(module: str) -> str:
    """The top-level subpackage (or module) of spanscope a module belongs to."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "spanscope"


def package_graph() -> dict[str, set[str]]:
    """Which spanscope packages import which, from every import in the source (function-level
    imports included)."""
    graph = grimp.build_graph("spanscope")
    edges: dict[str, set[str]] = {}
    for module in graph.modules:
        source = _package(module)
        edges.setdefault(source, set())
        for imported in graph.find_modules_directly_imported_by(module):
            target = _package(imported)
            if target != source:
                edges[source].add(target)
    return edges


def test_the_package_import_graph_is_acyclic() -> None:
    edges = package_graph()
    # The top-level package only re-exports: it may import anything, and only the server (for
    # the version) and the test helpers (the public API, as users call it) import it.
    root_importers = {p for p, targets in edges.items() if "spanscope" in targets}
    assert root_importers <= {"server", "testing"}, root_importers
    without_root = {p: t - {"spanscope"} for p, t in edges.items() if p != "spanscope"}
    try:
        order = list(TopologicalSorter(without_root).static_order())
    except CycleError as exc:  # pragma: no cover - the failure message names the cycle
        pytest.fail(f"import cycle between spanscope packages: {exc.args[1]}")
    assert order.index("entities") < order.index("store") < order.index("tracing")


def test_entities_import_only_constants_and_exceptions() -> None:
    assert package_graph()["entities"] <= {"constants", "exceptions"}


def test_lint_imports_keeps_every_contract() -> None:
    result = _lint_imports(ROOT / "src")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.fixture
def source_copy(tmp_path: Path) -> Iterator[Path]:
    """A copy of the package source, to plant bad imports in."""
    target = tmp_path / "src"
    shutil.copytree(
        ROOT / "src" / "spanscope",
        target / "spanscope",
        ignore=shutil.ignore_patterns("__pycache__", "static"),
    )
    yield target


@pytest.mark.parametrize(
    ("contract", "module", "line", "edge"),
    [
        # An entity reaching up into the runtime.
        ("entities", "entities/span.py", "import spanscope.safety", "spanscope.safety"),
        # The store importing the runtime above it.
        ("layers", "store/merge.py", "from spanscope.tracing import fluent", "spanscope.tracing"),
        # One integration importing another.
        (
            "integrations",
            "dspy/_messages.py",
            "from spanscope.openai import _messages",
            "spanscope.openai",
        ),
    ],
)
def test_lint_imports_fails_on_a_planted_violation(
    source_copy: Path, contract: str, module: str, line: str, edge: str
) -> None:
    assert _lint_imports(source_copy, contract).returncode == 0  # the copy is clean
    path = source_copy / "spanscope" / module
    path.write_text(path.read_text() + f"\n{line}  # planted by the test\n")
    result = _lint_imports(source_copy, contract)
    assert result.returncode != 0
    assert "1 broken" in result.stdout
    planted = "spanscope." + module.removesuffix(".py").replace("/", ".")
    assert f"{planted} -> {edge}" in result.stdout


def _lint_imports(source: Path, contract: str | None = None) -> subprocess.CompletedProcess[str]:
    # The copy comes first on the path, so grimp reads it instead of the installed package.
    env = {**os.environ, "PYTHONPATH": str(source)}
    only = ["--contract", contract] if contract else []
    return subprocess.run(
        [str(LINT_IMPORTS), str(ROOT / "pyproject.toml"), "--no-cache", "--no-logo", *only],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


def test_the_architecture_page_quotes_the_contracts_as_configured() -> None:
    page = (ROOT / "docs" / "architecture.md").read_text()
    quoted = page.split("```toml\n", 1)[1].split("```", 1)[0]
    config = (ROOT / "pyproject.toml").read_text()
    start = config.index("[[tool.importlinter.contracts]]")
    end = config.index("[tool.mypy]")
    assert quoted.strip() == config[start:end].strip()
