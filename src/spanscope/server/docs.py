"""The API docs at /docs (Swagger UI) and /redoc (ReDoc), from files in the package.

`make ui` (npm run build in ui/) copies Swagger UI's and ReDoc's browser files into the built
UI's docs-assets/ folder, so the docs load nothing from the internet. A checkout whose UI is
not built has no such files: its docs fall back to FastAPI's CDN links.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from spanscope.server.ui import STATIC_DIR

__all__ = ["ASSETS_PATH", "LOCAL_DOCS_CSP", "mount_docs"]

ASSETS_PATH = "/docs-assets"
_SWAGGER_JS = "swagger-ui-bundle.js"
_REDOC_JS = "redoc.standalone.js"
# Swagger UI would otherwise send the spec to validator.swagger.io for a badge.
_SWAGGER_PARAMETERS = {"validatorUrl": None, "deepLinking": True}
# With the files local, the pages may load from this server only. Both pages start their
# viewer from an inline script; ReDoc injects styles and searches in a blob: worker.
LOCAL_DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)


def mount_docs(app: FastAPI, static_dir: Path = STATIC_DIR) -> None:
    """/docs, /redoc and their files; call before the UI's mount at `/`."""
    assets = static_dir / "docs-assets"
    local = (assets / _SWAGGER_JS).is_file() and (assets / _REDOC_JS).is_file()
    title = f"{app.title} API"
    openapi_url = app.openapi_url or "/openapi.json"

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        if not local:
            return get_swagger_ui_html(
                openapi_url=openapi_url, title=title, swagger_ui_parameters=_SWAGGER_PARAMETERS
            )
        return _local(
            get_swagger_ui_html(
                openapi_url=openapi_url,
                title=title,
                swagger_js_url=f"{ASSETS_PATH}/{_SWAGGER_JS}",
                swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
                swagger_favicon_url=f"{ASSETS_PATH}/favicon-32x32.png",
                swagger_ui_parameters=_SWAGGER_PARAMETERS,
            )
        )

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        if not local:
            return get_redoc_html(openapi_url=openapi_url, title=title)
        return _local(
            get_redoc_html(
                openapi_url=openapi_url,
                title=title,
                redoc_js_url=f"{ASSETS_PATH}/{_REDOC_JS}",
                redoc_favicon_url=f"{ASSETS_PATH}/favicon-32x32.png",
                with_google_fonts=False,
            )
        )

    if local:
        app.mount(ASSETS_PATH, StaticFiles(directory=assets), name="docs-assets")


def _local(page: HTMLResponse) -> HTMLResponse:
    # The security headers middleware keeps a policy a route set.
    page.headers["content-security-policy"] = LOCAL_DOCS_CSP
    return page
