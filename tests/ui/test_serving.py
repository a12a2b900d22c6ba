"""The server's side of the UI: static files, deep links, the wheel, and the API types."""

from __future__ import annotations

import importlib.util
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from spanscope.server.app import create_app
from spanscope.server.settings import ServerSettings
from spanscope.server.ui import STATIC_DIR, mount_ui

ROOT = Path(__file__).resolve().parents[2]
INDEX = "<!doctype html><title>spanscope ui</title>"


@pytest.fixture
def built(tmp_path: Path) -> Path:
    static = tmp_path / "static"
    (static / "assets").mkdir(parents=True)
    (static / "index.html").write_text(INDEX)
    (static / "assets" / "app-1234.js").write_text("console.log(1)")
    return static


def client_for(tmp_path: Path, static: Path) -> TestClient:
    app = create_app(ServerSettings(f"sqlite:///{tmp_path}/s.db"))
    # The real app, with its UI mount replaced by one over the given directory.
    ui_routes = {"ui", "ui_not_built"}
    app.router.routes = [r for r in app.router.routes if getattr(r, "name", "") not in ui_routes]
    mount_ui(app, static)
    return TestClient(app)


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/experiments",
        "/experiments/3/traces?filter=status%20%3D%20%27OK%27",
        "/experiments/3/sessions",
        "/traces/0123456789abcdef0123456789abcdef?span=0123456789abcdef&embed=1",
    ],
)
def test_client_routes_get_the_app(tmp_path: Path, built: Path, path: str) -> None:
    response = client_for(tmp_path, built).get(path)
    assert response.status_code == 200
    assert response.text == INDEX
    assert response.headers["cache-control"] == "no-cache"


@pytest.mark.parametrize(
    "path", ["/api/v1/nothing", "/v1/nothing", "/assets/missing.js", "/docs/nothing"]
)
def test_server_paths_stay_404(tmp_path: Path, built: Path, path: str) -> None:
    assert client_for(tmp_path, built).get(path).status_code == 404


def test_api_and_assets_are_served(tmp_path: Path, built: Path) -> None:
    client = client_for(tmp_path, built)
    assert client.get("/api/v1/experiments").json()["experiments"][0]["name"] == "Default"
    asset = client.get("/assets/app-1234.js")
    assert asset.text == "console.log(1)"
    assert "immutable" in asset.headers["cache-control"]
    # Only GET and HEAD fall back to the app.
    assert client.post("/experiments").status_code == 405


def test_unbuilt_ui_says_how_to_build_it(tmp_path: Path) -> None:
    app = FastAPI()
    mount_ui(app, tmp_path / "empty")
    response = TestClient(app).get("/")
    assert response.status_code == 200
    assert "make install" in response.text


def _dump_script() -> Any:
    spec = importlib.util.spec_from_file_location(
        "dump_openapi", ROOT / "ui/scripts/dump_openapi.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_openapi_schema_is_current() -> None:
    """The UI's types come from ui/src/api/openapi.json: it must match the server's schema."""
    dump = _dump_script()
    assert dump.TARGET.read_text() == dump.current_schema(), (
        "the API changed: run `python ui/scripts/dump_openapi.py` and `npm run gen:api` in ui/"
    )


def test_every_schema_reference_resolves(tmp_path: Path) -> None:
    """openapi-typescript (and any client generator) refuses a schema with a dangling $ref."""
    schema = TestClient(create_app(ServerSettings(f"sqlite:///{tmp_path}/s.db"))).get(
        "/openapi.json"
    )
    text = schema.text
    components = schema.json()["components"]["schemas"]
    refs = set(re.findall(r'"\$ref":"#/components/schemas/([^"]+)"', text.replace(" ", "")))
    assert refs and refs <= set(components), refs - set(components)


@pytest.mark.skipif(
    not (STATIC_DIR / "index.html").is_file(), reason="the web UI is not built (make ui)"
)
def test_wheel_carries_the_built_ui(tmp_path: Path) -> None:
    from hatchling.builders.wheel import WheelBuilder

    wheel = next(
        iter(WheelBuilder(str(ROOT)).build(directory=str(tmp_path), versions=["standard"]))
    )
    names = zipfile.ZipFile(wheel).namelist()
    assert "spanscope/server/static/index.html" in names
    built_assets = {p.name for p in (STATIC_DIR / "assets").iterdir()}
    packed = {Path(n).name for n in names if n.startswith("spanscope/server/static/assets/")}
    assert built_assets and built_assets <= packed
