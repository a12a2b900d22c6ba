"""Security headers: the UI's pages load only the server's own files and cannot be framed,
except the embeddable trace view; API answers are never sniffed, run or framed."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from spanscope.server.app import create_app
from spanscope.server.docs import LOCAL_DOCS_CSP
from spanscope.server.middleware import API_CSP, UI_CSP
from spanscope.server.settings import ServerSettings
from spanscope.server.ui import STATIC_DIR, mount_ui
from spanscope.store.sql.store import SqlTraceStore
from tests.live_server import server_thread
from tests.store.factory import make_trace

TRACE_PAGE = "/traces/0123456789abcdef0123456789abcdef"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    """The real app, its UI served from a stand-in build (the real one may not be built)."""
    static = tmp_path / "static"
    (static / "assets").mkdir(parents=True)
    (static / "index.html").write_text("<!doctype html><title>spanscope</title>")
    (static / "assets" / "app-1.js").write_text("console.log(1)")
    app = create_app(ServerSettings(f"sqlite:///{tmp_path}/s.db"))
    ui_routes = {"ui", "ui_not_built"}
    app.router.routes = [r for r in app.router.routes if getattr(r, "name", "") not in ui_routes]
    mount_ui(app, static)
    with TestClient(app) as test_client:
        yield test_client


def _common(response: Any) -> None:
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"


@pytest.mark.parametrize("path", ["/", "/experiments/0/traces", TRACE_PAGE, f"{TRACE_PAGE}?x=1"])
def test_ui_pages_get_a_csp_and_cannot_be_framed(client: TestClient, path: str) -> None:
    page = client.get(path)
    assert page.headers["content-type"].startswith("text/html")
    _common(page)
    csp = page.headers["content-security-policy"]
    assert csp == UI_CSP
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert page.headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize(
    "path", [f"{TRACE_PAGE}?embed=1", f"{TRACE_PAGE}?span=0123456789abcdef&embed=1"]
)
def test_the_embeddable_trace_view_can_be_framed(client: TestClient, path: str) -> None:
    page = client.get(path)
    _common(page)
    assert "x-frame-options" not in page.headers
    csp = page.headers["content-security-policy"]
    assert "frame-ancestors" not in csp
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    # Only the trace view: embed=1 elsewhere is an ordinary page.
    assert client.get("/experiments/0/traces?embed=1").headers["x-frame-options"] == "DENY"


def test_api_answers_are_never_sniffed_run_or_framed(client: TestClient) -> None:
    answers = [
        client.get("/api/v1/experiments"),
        client.get("/api/v1/experiments/999"),  # 404
        client.post("/api/v1/experiments", content=b"x"),  # 415, from the middleware
        client.post("/api/v1/experiments", json={}),  # 422
        client.get("/openapi.json"),
        client.get("/health"),
        client.get("/assets/app-1.js"),
    ]
    for answer in answers:
        _common(answer)
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["content-security-policy"] == API_CSP
    docs = client.get("/docs")
    _common(docs)
    # With the built UI's copy of Swagger UI the page loads from the server only; without it
    # Swagger UI comes from a CDN and only framing is restricted.
    local = (STATIC_DIR / "docs-assets" / "swagger-ui-bundle.js").is_file()
    expected = LOCAL_DOCS_CSP if local else "frame-ancestors 'none'"
    assert docs.headers["content-security-policy"] == expected


def test_token_and_size_refusals_get_the_headers_too(tmp_path: Path) -> None:
    settings = ServerSettings(f"sqlite:///{tmp_path}/s.db", token="t", max_body_bytes=10)
    with TestClient(create_app(settings)) as client:
        unauthenticated = client.get("/api/v1/experiments")
        assert unauthenticated.status_code == 401
        _common(unauthenticated)
        too_large = client.post(
            "/api/v1/experiments",
            json={"name": "x" * 100},
            headers={"authorization": "Bearer t"},
        )
        assert too_large.status_code == 413
        _common(too_large)
        assert too_large.headers["x-frame-options"] == "DENY"


def test_the_unbuilt_ui_page_obeys_its_csp(tmp_path: Path) -> None:
    app = create_app(ServerSettings(f"sqlite:///{tmp_path}/s.db"))
    app.router.routes = [r for r in app.router.routes if getattr(r, "name", "") != "ui"]
    mount_ui(app, tmp_path / "not-built")
    with TestClient(app) as client:
        page = client.get("/")
    assert "web UI is not built" in page.text
    assert page.headers["content-security-policy"] == UI_CSP
    assert "style=" not in page.text and "<script" not in page.text  # nothing inline to block


# In a real browser: Chromium enforces the headers.


@contextmanager
def notebook_page(html: str) -> Iterator[str]:
    """A page on another origin, as a local notebook's: another port of 127.0.0.1 (the same
    site, so the browser lets the framed UI use its storage)."""
    body = html.encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("content-type", "text/html")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_a_notebook_page_frames_the_trace_view_and_nothing_else(backend: SqlTraceStore) -> None:
    from playwright.sync_api import sync_playwright

    from tests.ui.conftest import CHROMIUM, CHROMIUM_ARGS, _skip_reason

    reason = _skip_reason()
    if reason:
        pytest.skip(reason)

    trace = make_trace("0")
    backend.write_traces([trace])
    trace_id = trace.info.trace_id
    with server_thread(ServerSettings(backend.uri), backend) as url:
        host = (
            f'<iframe id="embed" width="800" height="400" src="{url}/traces/{trace_id}?embed=1">'
            f'</iframe><iframe id="page" src="{url}/traces/{trace_id}"></iframe>'
        )
        with notebook_page(host) as notebook, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                page = browser.new_page()
                errors: list[str] = []
                page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
                page.goto(notebook)
                tree = page.frame_locator("#embed").get_by_test_id("span-tree")
                tree.wait_for(timeout=15_000)
                assert "support_bot" in tree.inner_text()
                for _ in range(100):  # Chromium says so when it refuses the other frame
                    if any("frame-ancestors 'none'" in e for e in errors):
                        break
                    page.wait_for_timeout(100)
                assert [e for e in errors if "frame-ancestors 'none'" not in e] == []
                assert any("frame-ancestors 'none'" in e for e in errors)
                assert page.frame_locator("#page").get_by_test_id("span-tree").count() == 0
            finally:
                browser.close()


def test_a_revalidated_page_keeps_the_page_policy(client: TestClient) -> None:
    """A reload asks with If-None-Match; the 304's headers replace the cached page's, so an
    API policy there would block the app's own scripts."""
    first = client.get(TRACE_PAGE)
    again = client.get(TRACE_PAGE, headers={"if-none-match": first.headers["etag"]})
    assert again.status_code == 304
    assert again.headers["content-security-policy"] == UI_CSP
    assert client.get("/api/v1/experiments").headers["content-security-policy"] == API_CSP
