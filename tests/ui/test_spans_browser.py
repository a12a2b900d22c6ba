"""The Spans tab: spans across traces with the span filter, and click-through to the trace."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from playwright.sync_api import expect

from tests.ui.conftest import ConsoleWatch
from tests.ui.seed import Seeded

Server = tuple[str, Seeded]


def test_failing_tool_calls_are_listed_and_open_their_trace(
    seeded_server: Server, page: Any, screenshot: Any
) -> None:
    url, seeded = seeded_server
    page.goto(f"{url}/experiments/{seeded.experiment_id}/traces")
    page.get_by_role("link", name="Spans", exact=True).click()
    page.wait_for_url(f"**/experiments/{seeded.experiment_id}/spans")
    rows = page.get_by_test_id("span-row")
    expect(rows.first).to_be_visible()
    page.get_by_label("Filter").fill("type = 'TOOL' AND status = 'ERROR'")
    page.get_by_role("button", name="Search").click()
    expect(rows).to_have_count(1)
    row = rows.first
    assert row.locator("td").nth(0).inner_text() == "check_stock"
    assert row.locator("td").nth(2).inner_text() == "ERROR"
    assert seeded.failing_trace_id[-12:] in row.locator("td").nth(6).inner_text()
    screenshot("spans")

    row.get_by_role("link", name="check_stock").click()
    page.wait_for_url(f"**/traces/{seeded.failing_trace_id}?span=*")
    expect(page.get_by_test_id("span-detail")).to_contain_text("check_stock")


def test_llm_spans_show_their_model_and_sort_by_duration(seeded_server: Server, page: Any) -> None:
    url, seeded = seeded_server
    span_filter = quote("type = 'CHAT_MODEL' AND model LIKE 'gpt-4o-mini%'")
    page.goto(f"{url}/experiments/{seeded.experiment_id}/spans?filter={span_filter}")
    rows = page.get_by_test_id("span-row")
    # Two calls in the agent run; the failed run stops after its first.
    expect(rows).to_have_count(3)
    for i in range(3):
        assert rows.nth(i).locator("td").nth(4).inner_text().startswith("gpt-4o-mini")
    page.get_by_label("Sort").select_option("duration_ms DESC")
    page.wait_for_url("**sort=duration_ms*")
    expect(rows).to_have_count(3)


def test_a_bad_span_filter_is_marked_where_it_fails(
    seeded_server: Server, page: Any, console: ConsoleWatch
) -> None:
    url, seeded = seeded_server
    console.allow("status of 400")  # the refused search, which the box explains
    page.goto(f"{url}/experiments/{seeded.experiment_id}/spans")
    page.get_by_label("Filter").fill("type = 'TOOL' AND tags.env = 'test'")
    page.get_by_role("button", name="Search").click()
    error = page.get_by_test_id("filter-error")
    expect(error).to_contain_text("name the trace's fields as trace.<field>")
    expect(error.locator("mark")).to_have_text("t")
