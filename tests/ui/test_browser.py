"""The web UI in a real Chromium against a real server over traces made by the real SDK."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import expect

from spanscope.server.settings import ServerSettings
from tests.live_server import server_thread
from tests.ui.conftest import ConsoleWatch
from tests.ui.page_wait import wait_until
from tests.ui.seed import BIG_TRACE_SPANS, DOCUMENT_TEXT, LONG_NOTE, STACK_MARKER, XSS, Seeded

Server = tuple[str, Seeded]


def span_id(url: str, trace_id: str, name: str) -> str:
    trace = httpx.get(f"{url}/api/v1/traces/{trace_id}").json()
    found: str = next(s["span_id"] for s in trace["data"]["spans"] if s["name"] == name)
    return found


def open_span(page: Any, url: str, trace_id: str, name: str) -> None:
    """Open the trace explorer deep-linked to the span called `name`."""
    page.goto(f"{url}/traces/{trace_id}?span={span_id(url, trace_id, name)}")


def table_rows(page: Any) -> Any:
    return page.locator("[data-testid=traces-table] tbody tr")


def wait_rows(page: Any, count: int) -> None:
    """Wait until the traces table shows `count` rows (it loads after the page)."""
    wait_until(
        page,
        "n => document.querySelectorAll('[data-testid=traces-table] tbody tr').length === n",
        arg=count,
    )


def test_experiments_traces_trace_chat(seeded_server: Server, page: Any, screenshot: Any) -> None:
    url, seeded = seeded_server
    page.goto(url)
    page.wait_for_url("**/experiments")
    row = page.locator("[data-testid=experiments-table] tr", has_text="support-bot")
    assert row.locator("td.num").inner_text() == "4"
    screenshot("experiments")

    row.get_by_role("link", name="support-bot").click()
    page.wait_for_url(f"**/experiments/{seeded.experiment_id}/traces")
    wait_rows(page, 4)
    # Newest first: the XSS trace, the failed run, the agent run, then the old big trace.
    assert table_rows(page).last.inner_text().strip().startswith("…bbbbbbbb")
    screenshot("traces")

    page.locator(f"a[href='/traces/{seeded.agent_trace_id}']").first.click()
    page.wait_for_url(f"**/traces/{seeded.agent_trace_id}")
    summary = page.get_by_test_id("trace-summary")
    assert "support_agent" in summary.inner_text()
    assert page.title() == "support_agent · spanscope"
    assert "47" in summary.inner_text()  # total tokens of both LLM calls
    # gpt-4o-mini has a price: the trace and each call show what they cost (docs/cost.md)
    assert summary.get_by_test_id("trace-cost").inner_text().startswith("$0.0")
    tree = page.get_by_test_id("span-tree")
    expect(tree.locator(".span-name")).to_have_text(
        [
            "support_agent",
            "search_kb",
            "openai.chat.completions.create",
            "get_weather",
            "openai.chat.completions.create",
        ]
    )
    tree.locator("[role=treeitem]").nth(4).click()
    chat = page.get_by_test_id("chat-view")
    expect(chat.locator(".message")).to_have_count(5)  # the detail pane renders after the click
    roles = chat.locator(".message").evaluate_all("els => els.map(e => e.dataset.role)")
    assert roles == ["system", "user", "assistant", "tool", "assistant"]
    assert "You are a concise support agent." in chat.locator(".message").first.inner_text()
    assert "get_weather" in chat.locator(".message").nth(2).inner_text()
    assert "sunny in Paris" in chat.locator(".message").nth(3).inner_text()
    assert "The tool returned: sunny in Paris" in chat.locator(".message").nth(4).inner_text()
    assert "tokens" in chat.get_by_test_id("token-usage").inner_text()
    assert chat.get_by_test_id("call-cost").inner_text().startswith("$0.0")
    assert "span=" in page.url  # the selection is deep-linkable
    screenshot("trace-chat")


def test_exception_stack_trace(seeded_server: Server, page: Any, screenshot: Any) -> None:
    url, seeded = seeded_server
    open_span(page, url, seeded.failing_trace_id, "check_stock")
    selected = page.locator("[role=treeitem][aria-selected=true]")
    selected.wait_for()
    assert "check_stock" in selected.inner_text()
    expect(selected.locator(".error-dot")).to_have_count(1)
    page.get_by_role("tab", name="Events (1)").click()
    exception = page.get_by_test_id("exception")
    assert "WarehouseError" in exception.inner_text()
    stack = exception.get_by_test_id("stacktrace").inner_text()
    assert "Traceback" in stack and "check_stock" in stack and STACK_MARKER in stack
    screenshot("trace-exception")


def test_retriever_documents(seeded_server: Server, page: Any, screenshot: Any) -> None:
    url, seeded = seeded_server
    open_span(page, url, seeded.agent_trace_id, "search_kb")
    documents = page.get_by_test_id("documents-view")
    documents.wait_for()
    expect(documents.locator(".document")).to_have_count(2)
    assert DOCUMENT_TEXT in documents.inner_text()
    assert "kb/refunds.md" in documents.inner_text()
    screenshot("trace-documents")


def test_long_values_expand_and_copy(seeded_server: Server, page: Any) -> None:
    url, seeded = seeded_server
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    open_span(page, url, seeded.agent_trace_id, "search_kb")
    page.get_by_role("tab", name="Attributes (1)").click()
    detail = page.get_by_test_id("span-detail")
    assert "END-OF-NOTE" not in detail.inner_text()  # cut at first, and saying so:
    detail.get_by_role("button", name=f"show all {len(LONG_NOTE):,} characters").click()
    expect(detail).to_contain_text(LONG_NOTE)
    detail.get_by_role("button", name="Copy").click()
    detail.get_by_role("button", name="Copied").wait_for()
    assert (
        page.evaluate("navigator.clipboard.readText()") == f'{{\n  "index.note": "{LONG_NOTE}"\n}}'
    )


def test_filter_narrows_the_table(seeded_server: Server, page: Any, screenshot: Any) -> None:
    url, seeded = seeded_server
    page.goto(f"{url}/experiments/{seeded.experiment_id}/traces")
    wait_rows(page, 4)
    box = page.get_by_label("Filter", exact=True)
    box.fill("span.status = 'ERROR' AND span.type = 'TOOL'")
    box.press("Enter")
    wait_rows(page, 1)
    assert seeded.failing_trace_id[-8:] in table_rows(page).first.inner_text()
    assert "filter=" in page.url
    screenshot("traces-filtered")

    # A quick filter compiles into the same language and narrows with the typed text.
    box.fill("")
    box.press("Enter")
    wait_rows(page, 4)
    page.get_by_label("Filter by state").select_option("ERROR")
    wait_rows(page, 1)


def test_bad_filter_shows_its_error_at_its_position(
    seeded_server: Server, page: Any, console: ConsoleWatch, screenshot: Any
) -> None:
    url, seeded = seeded_server
    # Chromium logs the API's 400 answer itself; that is the expected outcome here.
    console.allow("status of 400")
    page.goto(f"{url}/experiments/{seeded.experiment_id}/traces")
    box = page.get_by_label("Filter", exact=True)
    box.fill("status = 'OK' AND stauts = 'OK'")
    box.press("Enter")
    error = page.get_by_test_id("filter-error")
    expect(error).to_contain_text("unknown field 'stauts'")
    caret = error.locator(".filter-caret")
    assert caret.get_attribute("data-column") == "18"
    assert caret.locator("mark").inner_text() == "s"
    screenshot("filter-error")

    # With a quick filter the text is wrapped in parentheses; the mark stays on the user's text.
    page.get_by_label("Filter by state").select_option("OK")
    assert caret.get_attribute("data-column") == "18"


def test_xss_payload_stays_inert(seeded_server: Server, page: Any, screenshot: Any) -> None:
    url, seeded = seeded_server
    page.goto(f"{url}/experiments/{seeded.experiment_id}/traces")
    expect(page.get_by_test_id("traces-table")).to_contain_text(XSS)  # name and tag, as text
    open_span(page, url, seeded.xss_trace_id, XSS)
    expect(page.get_by_test_id("span-tree")).to_contain_text(XSS)
    detail = page.get_by_test_id("span-detail")
    expect(detail).to_contain_text(XSS)
    page.get_by_role("tab", name="Attributes", exact=False).click()
    expect(detail).to_contain_text(XSS)
    screenshot("xss-as-text")
    assert page.evaluate("window.__xss") is None
    assert page.locator("img").count() == 0
    assert page.locator("#root script").count() == 0


def test_ten_thousand_span_trace_opens_and_scrolls(
    seeded_server: Server, page: Any, screenshot: Any
) -> None:
    url, seeded = seeded_server
    started = time.perf_counter()
    page.goto(f"{url}/traces/{seeded.big_trace_id}")
    tree = page.get_by_test_id("span-tree")
    tree.locator("[role=treeitem]").first.wait_for()
    opened_s = time.perf_counter() - started
    print(f"the {BIG_TRACE_SPANS:,}-span trace opened in {opened_s:.2f} s")
    assert f"{BIG_TRACE_SPANS:,} shown" in tree.inner_text()
    rendered = tree.locator("[role=treeitem]").count()
    assert 10 < rendered < 100, f"{rendered} rows in the DOM: the tree is not virtualised"
    body = tree.locator(".span-tree-body")
    body.evaluate("el => { el.scrollTop = el.scrollHeight; }")
    # A locator waits without evaluating a string in the page, which its CSP forbids.
    tree.locator(".span-name").get_by_text("step 9999", exact=True).wait_for()
    assert tree.locator("[role=treeitem]").count() < 100
    screenshot("trace-10k-spans")
    # Collapsing the root leaves one row.
    body.evaluate("el => { el.scrollTop = 0; }")
    tree.locator("[role=treeitem]").first.get_by_role("button", name="Collapse").click()
    expect(tree.locator("[role=treeitem]")).to_have_count(1)
    # Finding a span by name selects it, unfolding its ancestors and scrolling to it.
    page.get_by_label("Find span").fill("step 5555")
    page.get_by_label("Find span").press("Enter")
    selected = tree.locator("[role=treeitem][aria-selected=true]")
    expect(selected.locator(".span-name")).to_have_text("step 5555")
    expect(page.get_by_test_id("find-count")).to_have_text("1 / 1")
    # The arrow keys walk the tree.
    body.press("ArrowDown")
    expect(selected.locator(".span-name")).to_have_text("step 5556")
    assert "span=" + f"{5556:016x}" in page.url
    assert opened_s < 20, f"the 10,000-span trace took {opened_s:.1f} s to open"


def test_sessions_read_as_a_conversation(seeded_server: Server, page: Any, screenshot: Any) -> None:
    url, seeded = seeded_server
    page.goto(f"{url}/experiments/{seeded.experiment_id}/sessions")
    page.get_by_test_id("session-list").get_by_text(seeded.session_id).click()
    conversation = page.get_by_test_id("conversation")
    conversation.locator(".turn").nth(1).wait_for()
    turns = conversation.locator(".turn")
    expect(turns).to_have_count(2)
    assert "weather in Paris" in turns.first.inner_text()
    assert "SKU-42" in turns.nth(1).inner_text()
    screenshot("sessions")


def test_embed_hides_the_chrome(seeded_server: Server, page: Any) -> None:
    url, seeded = seeded_server
    page.goto(f"{url}/traces/{seeded.agent_trace_id}?embed=1")
    page.get_by_test_id("span-tree").wait_for()
    assert page.locator(".app-header").count() == 0
    assert page.locator(".breadcrumbs").count() == 0


def test_tags_are_editable(seeded_server: Server, page: Any) -> None:
    url, seeded = seeded_server
    page.goto(f"{url}/traces/{seeded.agent_trace_id}")
    editor = page.get_by_test_id("tag-editor")
    editor.get_by_label("Tag key").fill("reviewed")
    editor.get_by_label("Tag value").fill("yes")
    editor.get_by_role("button", name="Add tag").click()
    editor.get_by_text("reviewed=yes").wait_for()
    tags = httpx.get(f"{url}/api/v1/traces/{seeded.agent_trace_id}").json()["info"]["tags"]
    assert tags["reviewed"] == "yes"
    editor.get_by_role("button", name="Remove tag reviewed").click()
    editor.get_by_text("reviewed=yes").wait_for(state="detached")
    tags = httpx.get(f"{url}/api/v1/traces/{seeded.agent_trace_id}").json()["info"]["tags"]
    assert "reviewed" not in tags


def test_create_and_rename_an_experiment(seeded_server: Server, page: Any) -> None:
    url, _ = seeded_server
    page.goto(f"{url}/experiments")
    page.get_by_label("New experiment name").fill("created-in-ui")
    page.get_by_role("button", name="Create").click()
    row = page.locator("[data-testid=experiments-table] tr", has_text="created-in-ui")
    row.get_by_role("button", name="Rename").click()
    # While editing, the name is an input's value, not the row's text: one row edits at a time.
    page.get_by_label("Experiment name", exact=True).fill("renamed-in-ui")
    page.get_by_role("button", name="Save").click()
    page.locator("[data-testid=experiments-table]").get_by_text("renamed-in-ui").wait_for()
    found = httpx.get(f"{url}/api/v1/experiments/by-name", params={"name": "renamed-in-ui"})
    assert found.status_code == 200


def test_bulk_delete(seeded_server: Server, page: Any) -> None:
    url, seeded = seeded_server
    page.goto(f"{url}/experiments/{seeded.scratch_experiment_id}/traces")
    wait_rows(page, 3)
    for i in range(2):
        table_rows(page).nth(i).get_by_role("checkbox").check()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Delete").click()
    wait_rows(page, 1)
    left = httpx.post(
        f"{url}/api/v1/traces/search", json={"experiment_ids": [seeded.scratch_experiment_id]}
    ).json()["traces"]
    assert len(left) == 1


def test_a_token_server_asks_for_the_token(
    seeded_server: Server, page: Any, console: ConsoleWatch, tmp_path: Path
) -> None:
    console.allow("status of 401")  # the first API call, before the token is given
    with server_thread(ServerSettings(f"sqlite:///{tmp_path}/t.db", token="s3cret")) as url:
        page.goto(url)
        page.get_by_label("Server token").fill("s3cret")
        page.get_by_role("button", name="Use token").click()
        page.locator("[data-testid=experiments-table]").get_by_text("Default").wait_for()


def test_client_losses_show_on_the_experiment(seeded_server: Server, page: Any) -> None:
    url, _ = seeded_server
    created = httpx.post(f"{url}/api/v1/experiments", json={"name": "lossy-clients"})
    experiment_id = created.json()["experiment_id"]
    span = {
        "traceId": "ab" * 16,
        "spanId": "cd" * 8,
        "name": "op",
        "startTimeUnixNano": "1700000000000000000",
        "endTimeUnixNano": "1700000001000000000",
    }
    body = {"resourceSpans": [{"scopeSpans": [{"spans": [span]}]}]}
    report = '{"client_id": "app-1", "losses": {"queue_full": 12, "evicted": 3}}'
    headers = {"x-spanscope-experiment-id": experiment_id, "x-spanscope-client-losses": report}
    assert httpx.post(f"{url}/v1/traces", json=body, headers=headers).status_code == 200
    page.goto(f"{url}/experiments/{experiment_id}/traces")
    expect(page.get_by_role("status")).to_have_text(
        "15 traces lost by 1 client in the last 24 h: export queue full 12, evicted from a "
        "full spool 3. The clients count and warn about each loss: see docs/reliability.md."
    )
    page.goto(f"{url}/experiments/0/traces")  # an experiment whose clients lost nothing
    expect(page.get_by_test_id("traces-table")).to_be_visible()
    expect(page.locator(".loss-notice")).to_have_count(0)
