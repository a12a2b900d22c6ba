"""Feedback and expectations in the web UI: given in a real Chromium, stored by the real
server, shown on the trace, in the traces table and in the experiment's summary."""

from __future__ import annotations

from typing import Any

import httpx
from playwright.sync_api import expect

from tests.ui.seed import Seeded
from tests.ui.test_browser import open_span, span_id, table_rows, wait_rows

Server = tuple[str, Seeded]
THUMBS = "user_satisfaction"  # the UI's thumbs feedback (ui/src/lib/assessments.ts)


def assessments(url: str, trace_id: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = httpx.get(f"{url}/api/v1/traces/{trace_id}/assessments").json()[
        "assessments"
    ]
    return found


def log_feedback(url: str, trace_id: str, name: str, value: Any) -> None:
    body = {"name": name, "value": value, "source": {"source_type": "CODE", "source_id": "test"}}
    response = httpx.post(f"{url}/api/v1/traces/{trace_id}/assessments", json=body)
    assert response.status_code == 201, response.text


def test_thumbs_down_on_a_span_shows_on_the_trace_and_in_the_table(
    seeded_server: Server, page: Any, screenshot: Any
) -> None:
    url, seeded = seeded_server
    trace_id = seeded.agent_trace_id
    tool_span = span_id(url, trace_id, "get_weather")
    open_span(page, url, trace_id, "get_weather")
    panel = page.get_by_test_id("span-detail").get_by_test_id("assessments")
    panel.get_by_label("Comment").fill("asked about the wrong city")
    panel.get_by_role("button", name="Thumbs down").click()
    expect(panel.get_by_test_id("assessment")).to_have_count(1)

    [stored] = assessments(url, trace_id)
    assert {k: stored[k] for k in ("name", "kind", "value", "rationale", "span_id", "valid")} == {
        "name": THUMBS,
        "kind": "feedback",
        "value": False,
        "rationale": "asked about the wrong city",
        "span_id": tool_span,
        "valid": True,
    }
    assert stored["source"] == {"source_type": "HUMAN", "source_id": "ui"}

    page.reload()
    panel = page.get_by_test_id("span-detail").get_by_test_id("assessments")
    item = panel.get_by_test_id("assessment")
    expect(item).to_have_count(1)
    assert THUMBS in item.inner_text() and "✗ no" in item.inner_text()
    assert "asked about the wrong city" in item.inner_text()
    expect(panel.get_by_role("button", name="Thumbs down")).to_have_attribute(
        "aria-pressed", "true"
    )
    # It judges the span, not the trace: the trace's own list stays empty.
    trace_panel = page.get_by_test_id("trace-summary").get_by_test_id("assessments")
    expect(trace_panel.get_by_test_id("assessment")).to_have_count(0)
    screenshot("trace-feedback")

    page.goto(f"{url}/experiments/{seeded.experiment_id}/traces")
    wait_rows(page, 4)
    header = page.locator("[data-testid=traces-table] thead")
    expect(header).to_contain_text(THUMBS)
    cells = page.locator(f"[data-testid=traces-table] td[data-feedback={THUMBS}]")
    texts = cells.all_inner_texts()
    assert [t.strip() for t in texts].count("✗") == 1 and sum(bool(t.strip()) for t in texts) == 1
    row = table_rows(page).filter(has=page.locator(f"a[href='/traces/{trace_id}']"))
    assert row.locator(f"td[data-feedback={THUMBS}]").inner_text().strip() == "✗"
    screenshot("traces-feedback-column")

    # Clicking the value narrows the search by it, in the filter language.
    row.get_by_role("button", name="✗").click()
    expect(page.get_by_label("Filter", exact=True)).to_have_value(f"feedback.{THUMBS} = false")


def test_table_filters_by_a_feedback_value(seeded_server: Server, page: Any) -> None:
    url, seeded = seeded_server
    log_feedback(url, seeded.agent_trace_id, "grounded", True)
    log_feedback(url, seeded.failing_trace_id, "grounded", False)
    page.goto(f"{url}/experiments/{seeded.experiment_id}/traces")
    wait_rows(page, 4)
    row = table_rows(page).filter(has=page.locator(f"a[href='/traces/{seeded.agent_trace_id}']"))
    page.locator("summary", has_text="Columns").click()
    page.locator(".dropdown-menu label", has_text="grounded").locator("input").check()
    # The column sorts by the feedback's value: true before false, traces without it last.
    page.locator("[data-testid=traces-table] thead").get_by_role("button", name="grounded").click()
    expect(table_rows(page).first).to_contain_text(seeded.agent_trace_id[-8:])
    expect(table_rows(page).nth(1)).to_contain_text(seeded.failing_trace_id[-8:])
    assert "sort=feedback.grounded+DESC" in page.url
    row.locator("td[data-feedback=grounded]").get_by_role("button", name="✓").click()
    wait_rows(page, 1)
    assert seeded.agent_trace_id[-8:] in table_rows(page).first.inner_text()

    # The quick filter offers each value of each feedback name.
    box = page.get_by_label("Filter", exact=True)
    box.fill("")
    box.press("Enter")
    wait_rows(page, 4)
    page.get_by_label("Filter by feedback").select_option("feedback.grounded = false")
    wait_rows(page, 1)
    assert seeded.failing_trace_id[-8:] in table_rows(page).first.inner_text()
    expect(box).to_have_value("feedback.grounded = false")


def test_named_feedback_override_history_expectation_and_delete(
    seeded_server: Server, page: Any, screenshot: Any
) -> None:
    url, seeded = seeded_server
    trace_id = seeded.failing_trace_id
    page.goto(f"{url}/traces/{trace_id}")
    panel = page.get_by_test_id("trace-summary").get_by_test_id("assessments")
    panel.locator("summary", has_text="Add feedback or expectation").click()
    form = panel.get_by_test_id("new-assessment")
    panel.get_by_label("Your name").fill("ann")
    panel.get_by_label("Your name").blur()
    form.get_by_label("Assessment name").fill("helpfulness")
    form.get_by_label("Feedback type").select_option("number")
    form.get_by_label("Value").fill("2")
    form.get_by_label("Rationale").fill("missed the stock question")
    form.get_by_role("button", name="Add feedback").click()
    item = panel.get_by_test_id("assessment").filter(has_text="helpfulness")
    expect(item.locator(".assessment-line").first.locator(".assessment-value")).to_have_text("2")

    # Overriding keeps the old value as history, struck through under the new one.
    item.get_by_role("button", name="Override").click()
    edit = item.get_by_test_id("edit-assessment")
    edit.get_by_label("Value").fill("4")
    edit.get_by_role("button", name="Override").click()
    item.locator("summary", has_text="1 earlier value").click()
    expect(item.locator(".assessment-history s")).to_have_text("2")
    expect(item.locator(".assessment-line").first.locator(".assessment-value")).to_have_text("4")
    stored = [a for a in assessments(url, trace_id) if a["name"] == "helpfulness"]
    by_valid = {a["valid"]: a for a in stored}
    assert len(stored) == 2 and by_valid[True]["value"] == 4 and by_valid[False]["value"] == 2
    assert by_valid[True]["overrides"] == by_valid[False]["assessment_id"]
    assert by_valid[True]["source"] == {"source_type": "HUMAN", "source_id": "ann"}

    # A bad expectation is refused in the form; a JSON one is stored as JSON.
    form.get_by_label("Assessment kind").select_option("expectation")
    form.get_by_label("Assessment name").fill("expected_facts")
    form.get_by_label("Expected value (JSON)").fill("in stock")
    form.get_by_role("button", name="Add expectation").click()
    expect(form.get_by_role("alert")).to_contain_text("not JSON")
    form.get_by_label("Expected value (JSON)").fill('{"facts": ["SKU-42 is out of stock"]}')
    form.get_by_role("button", name="Add expectation").click()
    expected = panel.get_by_test_id("assessment").filter(has_text="expected_facts")
    expect(expected).to_contain_text("SKU-42 is out of stock")
    screenshot("trace-assessments")
    [stored_expectation] = [a for a in assessments(url, trace_id) if a["kind"] == "expectation"]
    assert stored_expectation["value"] == {"facts": ["SKU-42 is out of stock"]}

    expected.get_by_role("button", name="Delete expected_facts").click()
    expect(expected).to_have_count(0)
    assert [a for a in assessments(url, trace_id) if a["kind"] == "expectation"] == []


def test_experiment_summary_counts_feedback(seeded_server: Server, page: Any) -> None:
    url, seeded = seeded_server
    for trace_id, value in [(seeded.agent_trace_id, True), (seeded.xss_trace_id, True)]:
        log_feedback(url, trace_id, "concise", value)
    log_feedback(url, seeded.failing_trace_id, "concise", False)
    page.goto(f"{url}/experiments/{seeded.experiment_id}/traces")
    chip = page.get_by_test_id("assessment-summary").locator("[data-name=concise]")
    expect(chip).to_have_text("concise 67% ✓ (3)")
