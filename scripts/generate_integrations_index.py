"""Write docs/integrations/README.md, the index of integrations, from the registry.

Run from anywhere: `python scripts/generate_integrations_index.py` (or `make docs-index`).
With `--check` it writes nothing and exits 1 when the committed index differs from the
registry (`spanscope.integrations`), naming the command that fixes it. `make lint` runs that.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# This checkout's own package, whatever spanscope the interpreter has installed.
sys.path.insert(0, str(ROOT / "src"))

from spanscope.integrations import registered  # noqa: E402

INDEX = Path("docs") / "integrations" / "README.md"
COMMAND = "python scripts/generate_integrations_index.py"
_HOW = {
    "patch": "patches the client's methods",
    "callback": "registers the framework's own callback",
}


def render(root: Path) -> str:
    rows = []
    for integration in registered():
        page = root / INDEX.parent / f"{integration.name}.md"
        if not page.is_file():
            raise SystemExit(f"{page.relative_to(root)} is missing: every integration has a page")
        title = page.read_text().splitlines()[0].removeprefix("# ").strip()
        rows.append(
            f"| [{title}]({integration.name}.md) | `spanscope.{integration.name}.autolog()` "
            f"| `{integration.distribution}` >= {integration.min_version} "
            f"| {_HOW[integration.kind]} |"
        )
    return "\n".join(
        [
            "# Integrations",
            "",
            f"<!-- Generated from spanscope/integrations.py by {COMMAND}; do not edit. -->",
            "",
            "One line traces a library: `spanscope.<name>.autolog()`, or `spanscope.autolog()`",
            "for every integration whose library is installed (and those imported later).",
            "Importing spanscope never imports these libraries.",
            "",
            "| Integration | Turn on | Library | How |",
            "|---|---|---|---|",
            *rows,
            "",
            "Adding one: [contributing-integrations.md](../contributing-integrations.md).",
            "",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the index is stale")
    parser.add_argument("--root", type=Path, default=ROOT, help="the repository to write in")
    args = parser.parse_args(argv)
    target = args.root / INDEX
    text = render(args.root)
    if args.check:
        if not target.is_file() or target.read_text() != text:
            print(f"{INDEX} is stale: run {COMMAND}", file=sys.stderr)
            return 1
        return 0
    target.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
