"""Write docs/integrations/README.md, the index of integrations, from the registry.

Run from anywhere: `python scripts/generate_integrations_index.py` (or `make docs-index`).
With `--check` it writes nothing and exits 1 when the committed index differs from the
registry (`spanscope.integrations`), naming the command that fixes it. `make lint` runs that.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# This checkout's own package, whatever spanscope the interpreter has installed.
sys.path.insert(0, str(ROOT / "src"))

from spanscope.integrations import registered  # noqa: E402

INDEX = Path("docs") / "integrations" / "README.md"
LOGOS = Path("docs") / "integrations" / "logos"
FIXTURES = Path("src") / "spanscope" / "testing" / "conformance" / "fixtures"
TS_INTEGRATIONS = Path("libs") / "typescript" / "integrations"
COMMAND = "python scripts/generate_integrations_index.py"
_KIND = {
    "patch": "patch: wraps the client's methods",
    "callback": "callback: the framework's own hooks",
    "native": "native: the library's own tracing",
}
# Monogram colours: the project draws its own marks (no library's logo files are copied).
_COLOURS = ("#2563eb", "#7c3aed", "#db2777", "#ea580c", "#16a34a", "#0891b2", "#4f46e5", "#b45309")


def logo(name: str, title: str) -> str:
    """A 32 px monogram of the integration: its title's first letters on a colour of its own."""
    letters = "".join(ch for ch in title if ch.isalnum())[:2] or name[:2]
    colour = _COLOURS[sum(map(ord, name)) % len(_COLOURS)]
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32" viewBox="0 0 32 32" '
        f'role="img" aria-label="{title}">'
        f'<rect width="32" height="32" rx="7" fill="{colour}"/>'
        '<text x="16" y="21" text-anchor="middle" font-family="sans-serif" font-size="13" '
        f'font-weight="700" fill="#ffffff">{letters}</text></svg>\n'
    )


def _title(root: Path, name: str) -> str:
    page = root / INDEX.parent / f"{name}.md"
    if not page.is_file():
        raise SystemExit(f"{page.relative_to(root)} is missing: every integration has a page")
    return page.read_text().splitlines()[0].removeprefix("# ").strip()


def render(root: Path) -> tuple[str, dict[Path, str]]:
    """The index's text and the logo files it shows, by path under `root`."""
    rows = []
    logos: dict[Path, str] = {}
    for integration in registered():
        name = integration.name
        title = _title(root, name)
        logos[LOGOS / f"{name}.svg"] = logo(name, title)
        kit = "yes" if (root / FIXTURES / f"{name}.py").is_file() else "not yet"
        rows.append(
            f"| ![]({LOGOS.name}/{name}.svg) | [{title}]({name}.md) "
            f"| `spanscope.{name}.autolog()` "
            f"| `{integration.distribution}` >= {integration.min_version} "
            f"| {_KIND[integration.kind]} | {integration.records or '-'} | {kit} |"
        )
    ts_rows = []
    for package_json in sorted((root / TS_INTEGRATIONS).glob("*/package.json")):
        package = json.loads(package_json.read_text())
        peers = package.get("peerDependencies") or {}
        library = ", ".join(f"`{lib}` {version}" for lib, version in peers.items()) or "-"
        ts_rows.append(f"| `{package['name']}` | {library} | {package.get('description', '')} |")
    text = "\n".join(
        [
            "# Integrations",
            "",
            f"<!-- Generated from spanscope/integrations.py by {COMMAND}; do not edit. -->",
            "",
            "One line traces a library: `spanscope.<name>.autolog()`, or `spanscope.autolog()`",
            "for every integration whose library is installed (and those imported later).",
            "Importing spanscope never imports these libraries.",
            "",
            "## Python",
            "",
            "| | Integration | Turn on | Library | Kind | What it records | Conformance kit |",
            "|---|---|---|---|---|---|---|",
            *rows,
            "",
            "*Conformance kit*: the integration declares a fixture and passes every check of",
            "`python -m spanscope.testing.conformance` (see",
            "[contributing-integrations.md](../contributing-integrations.md#the-conformance-kit)).",
            "",
            "## TypeScript",
            "",
            "Packages of the TypeScript SDK (`libs/typescript/integrations/`); see",
            "[typescript.md](../typescript.md).",
            "",
            "| Package | Library | What it is |",
            "|---|---|---|",
            *ts_rows,
            "",
            "Adding one: [contributing-integrations.md](../contributing-integrations.md).",
            "",
        ]
    )
    return text, logos


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the index is stale")
    parser.add_argument("--root", type=Path, default=ROOT, help="the repository to write in")
    args = parser.parse_args(argv)
    text, logos = render(args.root)
    files = {INDEX: text, **logos}
    if args.check:
        stale = [
            path
            for path, content in files.items()
            if not (args.root / path).is_file() or (args.root / path).read_text() != content
        ]
        if stale:
            print(f"{', '.join(map(str, stale))} stale: run {COMMAND}", file=sys.stderr)
            return 1
        return 0
    (args.root / LOGOS).mkdir(parents=True, exist_ok=True)
    for path, content in files.items():
        (args.root / path).write_text(content)
    return 0


if __name__ == "__main__":
    sys.exit(main())
