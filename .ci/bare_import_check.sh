#!/usr/bin/env bash
# spanscope with none of the integrated libraries installed: import and autolog() must work.
set -euo pipefail
cd "$(dirname "$0")/.."
bare=$(mktemp -d)
trap 'rm -rf "$bare"' EXIT
uv venv -q --python python3 "$bare/venv"
uv pip install -q --python "$bare/venv/bin/python" -e .
"$bare/venv/bin/python" .ci/bare_import_check.py
