"""Serving the built web UI at `/`, or a page that says how to build it."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import Scope

__all__ = ["STATIC_DIR", "mount_ui"]

STATIC_DIR = Path(__file__).parent / "static"

# Paths that belong to the server, never to the UI: an unknown one is a 404, not the app.
_SERVER_PREFIXES = ("api/", "v1/", "health", "docs", "redoc", "openapi.json")

_NOT_BUILT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>spanscope</title></head>
<body>
<h1>spanscope server</h1>
<p>The server is running, but the web UI is not built into this installation.</p>
<p>Build it from a source checkout with <code>make install</code> (it runs
<code>npm ci &amp;&amp; npm run build</code> in <code>ui/</code>), then restart the server.</p>
<p>The REST API is at <a href="/docs">/docs</a>
(OpenAPI: <a href="/openapi.json">/openapi.json</a>), OTLP ingest at
<code>POST /v1/traces</code>.</p>
</body></html>
"""


class _SinglePageApp(StaticFiles):
    """Static files; any other GET outside the server's own paths gets index.html.

    The UI routes on the client (`/experiments/1/traces`, `/traces/<id>?span=...`), so a deep
    link or a reload must load the app, which then reads the path.
    """

    async def get_response(self, path: str, scope: Scope) -> Response:
        try:
            response = await super().get_response(path, scope)
        except HTTPException as exc:
            if exc.status_code != 404 or not _is_ui_path(path, scope):
                raise
            response = await super().get_response("index.html", scope)
        if path.startswith("assets/"):
            # Vite puts a content hash in every asset's name: safe to cache for good.
            response.headers["cache-control"] = "public, max-age=31536000, immutable"
        elif response.media_type == "text/html":
            response.headers["cache-control"] = "no-cache"
        return response


def _is_ui_path(path: str, scope: Scope) -> bool:
    if scope["method"] not in ("GET", "HEAD"):
        return False
    path = path.lstrip("/")
    return not path.startswith(_SERVER_PREFIXES) and not path.startswith("assets/")


def mount_ui(app: FastAPI, static_dir: Path = STATIC_DIR) -> None:
    """Serve the UI's files (SPA routes fall back to index.html); API routes come first."""
    index = static_dir / "index.html"
    if not index.is_file():

        @app.get("/", include_in_schema=False)
        def ui_not_built() -> HTMLResponse:
            return HTMLResponse(_NOT_BUILT)

        return
    app.mount("/", _SinglePageApp(directory=static_dir, html=True), name="ui")
