"""Serving the built web UI at `/`, or a page that says how to build it."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

__all__ = ["STATIC_DIR", "mount_ui"]

STATIC_DIR = Path(__file__).parent / "static"

_NOT_BUILT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>spanscope</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 4em auto">
<h1>spanscope server</h1>
<p>The server is running, but the web UI is not built into this installation.</p>
<p>Build it from a source checkout with <code>make install</code> (it runs
<code>npm ci &amp;&amp; npm run build</code> in <code>ui/</code>), then restart the server.</p>
<p>The REST API is at <a href="/docs">/docs</a>
(OpenAPI: <a href="/openapi.json">/openapi.json</a>), OTLP ingest at
<code>POST /v1/traces</code>.</p>
</body></html>
"""


def mount_ui(app: FastAPI, static_dir: Path = STATIC_DIR) -> None:
    """Serve the UI's files (SPA routes fall back to index.html); API routes come first."""
    index = static_dir / "index.html"
    if not index.is_file():

        @app.get("/", include_in_schema=False)
        def ui_not_built() -> HTMLResponse:
            return HTMLResponse(_NOT_BUILT)

        return
    app.mount("/", StaticFiles(directory=static_dir, html=True), name="ui")
