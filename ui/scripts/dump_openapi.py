"""Write the server's OpenAPI schema to ui/src/api/openapi.json (the UI's types come from it).

Run from the repository root: `python ui/scripts/dump_openapi.py` then `npm run gen:api` in ui/.
With `--check` it exits 1 when the committed file differs from the current schema.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from spanscope.server.app import create_app
from spanscope.server.settings import ServerSettings

TARGET = Path(__file__).resolve().parent.parent / "src" / "api" / "openapi.json"


def current_schema() -> str:
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(ServerSettings(f"sqlite:///{tmp}/schema.db"))
        return json.dumps(app.openapi(), indent=2, sort_keys=True) + "\n"


def main() -> int:
    schema = current_schema()
    if "--check" in sys.argv[1:]:
        if not TARGET.is_file() or TARGET.read_text() != schema:
            print(f"{TARGET} is stale: run python ui/scripts/dump_openapi.py", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(schema)
    return 0


if __name__ == "__main__":
    sys.exit(main())
