"""The chat view's markdown, tools and images, and the traces table's JSON and CSV downloads, in
a real Chromium against a real server over traces made by the SDK."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

import spanscope
from spanscope import Trace
from spanscope.server.settings import ServerSettings
from spanscope.store.sql.store import SqlTraceStore
from spanscope.testing import capture_traces
from tests.live_server import server_thread
from tests.ui.a11y import assert_no_serious_violations
from tests.ui.conftest import ConsoleWatch

# A 2x2 red PNG.
PNG = (
    "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP4z8DAwMDAxMDAwMDAAAANHQEDasKb6QAA"
    "AABJRU5ErkJggg=="
)
PNG_URL = f"data:image/png;base64,{PNG}"
# Nothing listens there: the test checks the browser never asks for it.
REMOTE_IMAGE = "http://127.0.0.1:9/remote-cat.png"
XSS = "<img src=x onerror=alert('img')><script>alert('script')</script>"
MARKDOWN = f"""## Weather report

It is **sunny** in *Paris*. See [the forecast](https://example.com/forecast) and
[this](javascript:alert('link')).

```python
def forecast(city):
    return "sunny"
```

{XSS}
"""
TOOLS: list[dict[str, Any]] = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Current weather in a city",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string", "description": "The city name"}},
                "required": ["city"],
            },
        },
    },
    {"name": "lookup_order", "description": "An order by id", "input_schema": {"type": "object"}},
]
CSV_NAME = 'report, "quarterly"'
MANY = 55  # more than a page of the table (50)


@pytest.fixture(scope="module")
def chat_server(seeded_server: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A server of its own: an experiment with a chat trace and a small one, another with more
    traces than a page. (`seeded_server` only brings the skip when Chromium is missing.)"""
    store = SqlTraceStore(f"sqlite:///{tmp_path_factory.mktemp('chat')}/chat.db")
    experiment_id = store.create_experiment("chat-export")
    many_id = store.create_experiment("many")
    with capture_traces() as captured:
        _chat_run()
        _small_run()
    with capture_traces() as many:
        for n in range(MANY):
            _tiny(n)
    for trace in captured.traces:
        trace.info.experiment_id = experiment_id
    for trace in many.traces:
        trace.info.experiment_id = many_id
    store.write_traces([*captured.traces, *many.traces])
    chat, small = captured.traces
    with server_thread(ServerSettings(store.uri), store) as url:
        yield {
            "url": url,
            "experiment_id": experiment_id,
            "many_id": many_id,
            "chat": chat,
            "small": small,
        }
    store.close()


@spanscope.trace(name="markdown_chat", span_type="AGENT")
def _chat_run() -> str:
    with spanscope.start_span("chat gpt-4o", span_type="LLM") as span:
        span.set_inputs(
            {
                "model": "gpt-4o",
                "tools": TOOLS,
                "messages": [
                    {"role": "system", "content": "Answer in markdown."},
                    {
                        "role": "user",
                        "content": [
                            {"type": "text", "text": "What is on this picture?"},
                            {"type": "image_url", "image_url": {"url": PNG_URL}},
                            {"type": "image_url", "image_url": {"url": REMOTE_IMAGE}},
                            {
                                "type": "image",
                                "source": {
                                    "type": "base64",
                                    "media_type": "image/png",
                                    "data": PNG,
                                },
                            },
                        ],
                    },
                ],
            }
        )
        span.set_outputs(
            {"choices": [{"message": {"role": "assistant", "content": MARKDOWN}}]},
        )
    return "done"


@spanscope.trace(name=CSV_NAME, span_type="CHAIN")
def _small_run() -> int:
    with spanscope.start_span("step one", span_type="TOOL") as span:
        span.set_inputs({"note": 'line one\nline "two", three'})
    with spanscope.start_span("step two", span_type="TOOL"):
        pass
    return 2


@spanscope.trace(name="tiny", span_type="CHAIN")
def _tiny(n: int) -> int:
    return n


@pytest.fixture
def unguarded_page(browser: Any, console: ConsoleWatch) -> Iterator[Any]:
    """A page whose Content-Security-Policy is bypassed: an XSS payload that reached the DOM
    would run there, so staying inert is the renderer's doing; axe goes in as an inline script."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True)
    opened = context.new_page()
    opened.set_default_timeout(15_000)
    opened.on("console", lambda m: m.type == "error" and console.errors.append(m.text))
    opened.on("pageerror", lambda error: console.errors.append(f"page error: {error}"))
    yield opened
    context.close()
    assert console.unexpected() == [], "errors in the browser console"


def _open_chat(page: Any, server: dict[str, Any]) -> Any:
    chat: Trace = server["chat"]
    span = next(s for s in chat.spans if s.name == "chat gpt-4o")
    page.goto(f"{server['url']}/traces/{chat.trace_id}?span={span.span_id}")
    view = page.get_by_test_id("chat-view")
    expect(view).to_be_visible()
    # The markdown renderer loads lazily: wait for its highlighted code.
    expect(view.locator(".markdown pre code .hljs-keyword").first).to_have_text("def")
    return view


def test_chat_markdown_is_rendered_and_inert(
    chat_server: dict[str, Any], unguarded_page: Any
) -> None:
    page = unguarded_page
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    view = _open_chat(page, chat_server)

    answer = view.locator(".message[data-role=assistant] .markdown")
    expect(answer.locator("h2")).to_have_text("Weather report")
    expect(answer.locator("strong")).to_have_text("sunny")
    link = answer.locator("a", has_text="the forecast")
    assert link.get_attribute("href") == "https://example.com/forecast"
    assert link.get_attribute("rel") == "noopener noreferrer"
    # The javascript: link keeps its text and loses its target.
    assert answer.locator("a", has_text="this").count() == 0
    assert answer.locator("[href^='javascript']").count() == 0
    code = answer.locator("pre code")
    assert 'return "sunny"' in code.inner_text()
    assert code.locator(".hljs-string").count() >= 1

    # The XSS payload shows as text; nothing of it became an element or ran.
    text = answer.inner_text()
    assert "<script>alert('script')</script>" in text
    assert "onerror=alert('img')" in text
    assert answer.locator("script, [onerror]").count() == 0
    assert page.evaluate("[...document.scripts].filter(s => !s.src).length") == 0
    page.wait_for_timeout(200)  # give an onerror handler its chance to run
    assert dialogs == []

    # The tool definitions: names and descriptions, the schema one click away.
    tools = view.get_by_test_id("tool-definitions")
    expect(tools).to_contain_text("2 tool definitions")
    weather = tools.locator(".tool-definition[data-tool=get_weather]")
    expect(weather).to_contain_text("Current weather in a city")
    expect(tools.locator(".tool-definition[data-tool=lookup_order]")).to_contain_text(
        "An order by id"
    )
    expect(weather.get_by_text("The city name")).to_be_hidden()
    weather.locator("summary").click()
    expect(weather).to_contain_text("The city name")

    assert_no_serious_violations(page, "chat view")

    # Raw text shows the markdown source as it is.
    view.get_by_label("Raw text").check()
    expect(view.locator(".message[data-role=assistant] .message-text")).to_contain_text(
        "## Weather report"
    )
    assert view.locator(".markdown").count() == 0


def test_chat_images_under_the_ui_policy(chat_server: dict[str, Any], page: Any) -> None:
    """With the UI's Content-Security-Policy in force: data-URL images load, remote ones are
    links the browser never fetches."""
    policy = httpx.get(f"{chat_server['url']}/").headers["content-security-policy"]
    assert "img-src 'self' data:" in policy
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    view = _open_chat(page, chat_server)
    # Data-URL images are shown (CSP allows data: images); the remote one only as a link.
    images = view.locator(".message[data-role=user] .chat-image img")
    expect(images).to_have_count(2)
    for i in range(2):
        assert images.nth(i).get_attribute("src") == PNG_URL
        assert images.nth(i).evaluate("img => img.complete && img.naturalWidth") == 2
    remote = view.locator(".message[data-role=user] a.remote-image")
    assert remote.get_attribute("href") == REMOTE_IMAGE
    assert not any("remote-cat" in u for u in requested)


def _select(page: Any, trace_id: str) -> None:
    page.get_by_label(f"Select {trace_id}").check()


def test_export_selected_traces_as_json_and_csv(
    chat_server: dict[str, Any], unguarded_page: Any, tmp_path: Any
) -> None:
    page = unguarded_page
    url = chat_server["url"]
    chat: Trace = chat_server["chat"]
    small: Trace = chat_server["small"]
    page.goto(f"{url}/experiments/{chat_server['experiment_id']}/traces")
    expect(page.locator("[data-testid=traces-table] tbody tr")).to_have_count(2)
    _select(page, chat.trace_id)
    _select(page, small.trace_id)

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Export JSON").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".json")
    path = tmp_path / "traces.json"
    download.save_as(path)
    loaded = json.loads(path.read_text())
    assert isinstance(loaded, list)
    traces = [Trace.from_dict(item) for item in loaded]
    by_id = {t.trace_id: t for t in traces}
    assert set(by_id) == {chat.trace_id, small.trace_id}
    assert len(by_id[chat.trace_id].spans) == 2
    assert len(by_id[small.trace_id].spans) == 3
    # The same as the API's answer for each trace, nanosecond times exact.
    for trace in traces:
        answer = httpx.get(f"{url}/api/v1/traces/{trace.trace_id}").json()
        assert trace.to_dict() == Trace.from_dict(answer).to_dict()
    assert by_id[small.trace_id].info.name == CSV_NAME
    step = by_id[small.trace_id].search_spans(name="step one")[0]
    assert step.inputs == {"note": 'line one\nline "two", three'}

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Export CSV").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    csv_path = tmp_path / "traces.csv"
    download.save_as(csv_path)
    raw = csv_path.read_bytes()
    assert b"\r\n" in raw
    rows = list(csv.reader(io.StringIO(raw.decode(), newline="")))
    header, *records = rows
    headers = [
        th.strip() for th in page.locator("[data-testid=traces-table] thead th").all_inner_texts()
    ]
    assert header[:3] == ["Trace ID", "Name", "Request"]
    assert len(header) == len(headers) - 1  # all shown columns but the checkbox
    assert len(records) == 2
    assert_no_serious_violations(page, "traces table with a selection")
    named = {r[header.index("Trace ID")]: r for r in records}
    assert set(named) == {chat.trace_id, small.trace_id}
    assert named[small.trace_id][header.index("Name")] == CSV_NAME
    assert named[small.trace_id][header.index("State")] == "OK"
    assert named[chat.trace_id][header.index("Latency (ms)")].isdigit()


def test_export_csv_of_all_matching(
    chat_server: dict[str, Any], page: Any, console: ConsoleWatch, tmp_path: Any
) -> None:
    page.goto(f"{chat_server['url']}/experiments/{chat_server['many_id']}/traces")
    expect(page.locator("[data-testid=traces-table] tbody tr")).to_have_count(50)
    page.get_by_label("Select all", exact=True).check()
    page.get_by_role("button", name=f"Select all {MANY} traces matching").click()
    expect(page.get_by_test_id("select-all-matching")).to_contain_text(f"All {MANY} traces matching")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Export CSV").click()
    path = tmp_path / "all.csv"
    download_info.value.save_as(path)
    with path.open(newline="") as f:
        header, *records = list(csv.reader(f))
    ids = [r[header.index("Trace ID")] for r in records]
    assert len(ids) == MANY
    assert len(set(ids)) == MANY
    assert {r[header.index("Name")] for r in records} == {"tiny"}
