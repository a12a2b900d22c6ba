"""Strip the outputs of the tutorial notebooks, so git holds only their sources.

Run from anywhere: `python scripts/strip_notebooks.py` strips docs/notebooks/*.ipynb in place
(or the notebooks named on the command line). With `--check` it writes nothing and exits 1
naming each notebook that holds outputs, execution counts or run metadata; the test suite runs
that. Standard library only: a notebook is JSON, written as Jupyter writes it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "docs" / "notebooks"
COMMAND = "python scripts/strip_notebooks.py"
# What running a cell adds to its metadata (nbclient's timings, the UI's fold state).
_RUN_CELL_METADATA = ("execution", "collapsed", "scrolled", "ExecuteTime")


def stripped(notebook: dict[str, Any]) -> dict[str, Any]:
    """The notebook without outputs, execution counts and what a run adds to the metadata."""
    cells = []
    for cell in notebook.get("cells", []):
        cell = dict(cell)
        metadata = {
            k: v for k, v in cell.get("metadata", {}).items() if k not in _RUN_CELL_METADATA
        }
        cell["metadata"] = metadata
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        cells.append(cell)
    metadata = {k: v for k, v in notebook.get("metadata", {}).items() if k != "widgets"}
    # A run fills in the kernel's Python version and editor modes: keep the language only.
    if isinstance(metadata.get("language_info"), dict):
        metadata["language_info"] = {"name": metadata["language_info"].get("name", "python")}
    return {**notebook, "cells": cells, "metadata": metadata}


def dumps(notebook: dict[str, Any]) -> str:
    """The notebook's text as Jupyter (nbformat) writes it."""
    return json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def needs_stripping(path: Path) -> bool:
    text = path.read_text(encoding="utf-8")
    return dumps(stripped(json.loads(text))) != text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: docs/notebooks/*.ipynb")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if unstripped")
    args = parser.parse_args(argv)
    paths: list[Path] = args.notebooks or sorted(NOTEBOOKS.glob("*.ipynb"))
    unstripped = [path for path in paths if needs_stripping(path)]
    if args.check:
        for path in unstripped:
            print(f"{path}: has outputs or run metadata; run `{COMMAND}`", file=sys.stderr)
        return 1 if unstripped else 0
    for path in unstripped:
        text = dumps(stripped(json.loads(path.read_text(encoding="utf-8"))))
        path.write_text(text, encoding="utf-8")
        print(f"stripped {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
