"""/docs and /redoc: from the package's copy of Swagger UI and ReDoc, else from the CDN."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from spanscope.server.docs import ASSETS_PATH, LOCAL_DOCS_CSP, mount_docs


def _app(static: Path) -> TestClient:
    app = FastAPI(title="spanscope", docs_url=None, redoc_url=None)
    mount_docs(app, static)
    return TestClient(app)


def test_docs_load_the_package_files(tmp_path: Path) -> None:
    assets = tmp_path / "docs-assets"
    assets.mkdir()
    for name in ("swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js"):
        (assets / name).write_text(f"/* {name} */")
    client = _app(tmp_path)
    swagger = client.get("/docs")
    assert swagger.status_code == 200
    assert f'src="{ASSETS_PATH}/swagger-ui-bundle.js"' in swagger.text
    assert f'href="{ASSETS_PATH}/swagger-ui.css"' in swagger.text
    assert '"validatorUrl": null' in swagger.text  # no spec sent to validator.swagger.io
    assert "https://" not in swagger.text.replace("https://swagger.io", "")
    assert swagger.headers["content-security-policy"] == LOCAL_DOCS_CSP
    redoc = client.get("/redoc")
    assert f'src="{ASSETS_PATH}/redoc.standalone.js"' in redoc.text
    assert "fonts.googleapis.com" not in redoc.text and "cdn." not in redoc.text
    assert redoc.headers["content-security-policy"] == LOCAL_DOCS_CSP
    asset = client.get(f"{ASSETS_PATH}/swagger-ui-bundle.js")
    assert asset.text == "/* swagger-ui-bundle.js */"


def test_without_the_files_the_docs_use_the_cdn(tmp_path: Path) -> None:
    client = _app(tmp_path)
    assert "cdn.jsdelivr.net/npm/swagger-ui-dist" in client.get("/docs").text
    assert "cdn.jsdelivr.net/npm/redoc" in client.get("/redoc").text
    assert client.get(f"{ASSETS_PATH}/swagger-ui-bundle.js").status_code == 404
