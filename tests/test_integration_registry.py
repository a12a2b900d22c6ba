"""One registry of integrations: extras, docs and checks derive from it, and a new
integration is one folder plus its registry entry."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import spanscope
from spanscope.integrations import by_name, registered
from spanscope.patching import Integration

# The standard library's TOML reader from Python 3.11 (the suite's Python).
tomllib = pytest.importorskip("tomllib")
ROOT = Path(__file__).resolve().parent.parent
INDEX_SCRIPT = ROOT / "scripts" / "generate_integrations_index.py"


def _requirement_names(extras: dict[str, list[str]]) -> dict[str, str]:
    """Distribution name (normalised) -> its version specifier, over every extra."""
    found: dict[str, str] = {}
    for requirements in extras.values():
        for requirement in requirements:
            match = re.match(r"([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?\s*(.*)", requirement)
            assert match is not None, requirement
            found[_normalise(match.group(1))] = match.group(2)
    return found


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_integration_has_an_extra_with_its_minimum_version() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    required = _requirement_names(project["optional-dependencies"])
    for integration in registered():
        specifier = required.get(_normalise(integration.distribution))
        assert specifier is not None, f"no extra installs {integration.distribution}"
        assert f">={integration.min_version}" in specifier.replace(" ", ""), (
            integration.name,
            specifier,
        )


def test_each_declaration_names_its_own_module() -> None:
    names = [integration.name for integration in registered()]
    assert len(names) == len(set(names))
    for integration in registered():
        assert by_name(integration.name) is integration
        assert integration.kind in ("patch", "callback", "native")
        assert getattr(spanscope, integration.name).INTEGRATION is integration
        installed = integration.installed_version()
        assert installed is not None and integration.supports(installed), integration
    assert by_name("nothing") is None


@pytest.mark.parametrize(
    ("version", "supported"),
    [("1.60", True), ("1.60.0", True), ("1.100.2", True), ("2.0rc1", True), ("1.59.9", False)],
)
def test_versions_compare_by_release_numbers(version: str, supported: bool) -> None:
    toy = Integration("toy", "toy", "toy", "1.60", "patch")
    assert toy.supports(version) is supported


def test_an_old_library_version_is_warned_about_and_traced_anyway(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from spanscope.patching import configure_autolog, is_patched, revert

    # A declaration asking for a newer openai than the one installed.
    future = Integration("openai_future", "openai", "openai", "999.0", "patch")
    applied: list[bool] = []
    try:
        configure_autolog(future, lambda: applied.append(True), False, False, True)
    finally:
        revert(future.name)
    assert applied == [True]
    assert "openai_future autolog supports openai >= 999.0" in caplog.text
    assert not is_patched(future.name)


def test_the_docs_index_is_generated_from_the_registry(tmp_path: Path) -> None:
    check = [sys.executable, str(INDEX_SCRIPT), "--check"]
    assert subprocess.run(check, capture_output=True, timeout=60, check=False).returncode == 0
    # A stale copy fails the check, naming the command that fixes it.
    shutil.copytree(ROOT / "docs" / "integrations", tmp_path / "docs" / "integrations")
    index = tmp_path / "docs" / "integrations" / "README.md"
    index.write_text(index.read_text().replace("`openai` >= 1.60", "`openai` >= 1.0"))
    stale = subprocess.run(
        [*check, "--root", str(tmp_path)], capture_output=True, text=True, timeout=60, check=False
    )
    assert stale.returncode == 1
    assert "generate_integrations_index.py" in stale.stderr
    index_text = (ROOT / "docs" / "integrations" / "README.md").read_text()
    for integration in registered():
        assert f"({integration.name}.md)" in index_text
        assert f"`{integration.distribution}` >= {integration.min_version}" in index_text


# --- a toy integration, added the way a contributor would: one folder + a registry entry ---

_TOY_PACKAGE = '''
"""Tracing of toylib: spanscope.toy.autolog()."""

from __future__ import annotations

from spanscope.patching.integration import Integration, configure_autolog

__all__ = ["INTEGRATION", "autolog"]

INTEGRATION = Integration(
    name="toy", library="toylib", distribution="toylib", min_version="1.0", kind="patch"
)


def autolog(disable: bool = False, silent: bool = False, log_traces: bool = True) -> None:
    import toylib

    from spanscope.patching import CallHooks, safe_patch
    from spanscope.tracing.processor import encode_attributes, start_span

    class Hooks(CallHooks):
        def before(self, args, kwargs):
            span = start_span("toylib.greet", encode_attributes("TOOL", None))
            span.set_inputs({"name": args[0]})
            return span

        def after(self, span, result):
            span.end(outputs=result)
            return result

    def patch() -> None:
        safe_patch("toy", toylib, "greet", Hooks())

    configure_autolog(INTEGRATION, patch, disable, silent, log_traces)
'''

_TOY_LIBRARY = 'def greet(name):\n    return f"hello {name}"\n'

_PROBE = """
import sys

import spanscope
from spanscope.integrations import registered
from spanscope.testing import capture_traces

assert "toy" in spanscope.__all__ and [i.name for i in registered()][-1] == "toy"
assert "toylib" not in sys.modules  # importing spanscope never imports a library
spanscope.autolog(exclude=[i.name for i in registered() if i.name != "toy"])
assert "toylib" not in sys.modules  # enabled when it is imported, not before
with capture_traces() as captured:
    import toylib

    assert toylib.greet("ada") == "hello ada"
span = captured.single().spans[0]
print(span.name, span.span_type, span.inputs, span.outputs)
"""


@pytest.fixture(scope="module")
def toy_checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project with a toy integration added: its folder and registry entry."""
    root = tmp_path_factory.mktemp("toy-checkout")
    shutil.copytree(
        ROOT / "src" / "spanscope",
        root / "src" / "spanscope",
        ignore=shutil.ignore_patterns("__pycache__", "static"),
    )
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, root / name)
    shutil.copytree(ROOT / "tests", root / "tests", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "docs", root / "docs")
    shutil.copytree(ROOT / ".ci", root / ".ci")
    toy = root / "src" / "spanscope" / "toy"
    toy.mkdir()
    (toy / "__init__.py").write_text(textwrap.dedent(_TOY_PACKAGE).lstrip())
    registry = root / "src" / "spanscope" / "integrations.py"
    # The entry appended, whatever the formatter made of the registry's literal lists.
    entry = '\nfrom spanscope import toy  # noqa: E402\n\n__all__ += ["toy"]\nMODULES += (toy,)\n'
    registry.write_text(registry.read_text() + entry)
    (root / "docs" / "integrations" / "toy.md").write_text("# Toy\n\nA toy library.\n")
    # The library, installed: a module and its distribution metadata.
    site = root / "site"
    (site / "toylib").mkdir(parents=True)
    (site / "toylib" / "__init__.py").write_text(_TOY_LIBRARY)
    (site / "toylib-1.0.dist-info").mkdir()
    (site / "toylib-1.0.dist-info" / "METADATA").write_text("Name: toylib\nVersion: 1.0\n")
    return root


def _run(checkout: Path, *args: str, site: bool = True) -> subprocess.CompletedProcess[str]:
    paths = [str(checkout / "src")] + ([str(checkout / "site")] if site else [])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=checkout,
        timeout=300,
        check=False,
    )


def test_a_toy_integration_is_autologged(toy_checkout: Path) -> None:
    result = _run(toy_checkout, "-c", _PROBE)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "toylib.greet TOOL {'name': 'ada'} hello ada"


def test_the_public_api_test_and_the_docs_index_pick_up_a_toy_integration(
    toy_checkout: Path,
) -> None:
    test = _run(
        toy_checkout,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "tests/test_public_api.py",
    )
    assert test.returncode == 0, test.stdout + test.stderr
    script = str(toy_checkout / "scripts" / "generate_integrations_index.py")
    shutil.copytree(ROOT / "scripts", toy_checkout / "scripts", dirs_exist_ok=True)
    assert _run(toy_checkout, script, "--check").returncode == 1  # the index lacks toy
    assert _run(toy_checkout, script).returncode == 0
    index = (toy_checkout / "docs" / "integrations" / "README.md").read_text()
    assert "| [Toy](toy.md) | `spanscope.toy.autolog()` | `toylib` >= 1.0 |" in index


def test_the_bare_install_check_covers_a_toy_integration(toy_checkout: Path) -> None:
    # The check runs where no integrated library is installed; here they all are, so it must
    # name them, toylib included (it reads the list from the registry).
    check = _run(toy_checkout, ".ci/bare_import_check.py")
    assert check.returncode != 0
    assert "'toylib'" in check.stderr and "'openai'" in check.stderr
