#!/usr/bin/env bash
# spanscope with none of the integrated libraries installed: import and autolog() must work.
set -euo pipefail
cd "$(dirname "$0")/.."
bare=$(mktemp -d)
trap 'rm -rf "$bare"' EXIT
uv venv -q --python python3 "$bare/venv"
uv pip install -q --python "$bare/venv/bin/python" -e .
"$bare/venv/bin/python" - <<'PY'
import importlib.util

import spanscope

for library in ("openai", "anthropic", "ollama", "litellm", "langchain_core", "llama_index", "dspy"):
    assert importlib.util.find_spec(library) is None, f"{library} should not be installed here"
spanscope.autolog()


@spanscope.trace
def ping() -> str:
    return "pong"


assert ping() == "pong"
spanscope.set_tracking_uri("sqlite:///" + __import__("tempfile").mkdtemp() + "/bare.db")
print("bare install: import spanscope and spanscope.autolog() work without integrations")
PY
