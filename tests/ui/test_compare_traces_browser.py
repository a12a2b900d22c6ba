"""Comparing traces in a real Chromium: three runs of one agent made by the SDK (its OpenAI
autologging against the fake LLM server), chosen in the traces table, shown side by side.

The baseline and the second run differ in exactly one tool output; the third makes one more
LLM call (an added span, with its tokens and cost)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import expect

import spanscope
import spanscope.openai
from spanscope import Trace
from spanscope.store.rest import RestTraceStore
from spanscope.testing import capture_traces
from spanscope.testing.fake_llm import FakeLLMServer
from tests.ui.a11y import assert_no_serious_violations
from tests.ui.page_wait import wait_until
from tests.ui.seed import Seeded
from tests.ui.test_browser import wait_rows

Server = tuple[str, Seeded]
LLM_SPAN = "openai.chat.completions.create"
SEP = "\N{SINGLE RIGHT-POINTING ANGLE QUOTATION MARK}"  # between a path's names


@dataclass
class Runs:
    experiment_id: str
    baseline: Trace
    changed: Trace  # lookup_order's output differs
    extended: Trace  # one more LLM call


def _runs() -> list[Trace]:
    import openai

    # What the (pretend) order system answers and whether the user asks on: neither is an
    # argument of the agent, so only the tool's output, and the extra call, differ.
    world: dict[str, Any] = {}
    spanscope.openai.autolog()
    try:
        with FakeLLMServer() as llm:
            client = openai.OpenAI(base_url=llm.openai_base_url, api_key="sk-fake", max_retries=0)

            @spanscope.trace(span_type="TOOL")
            def lookup_order(order_id: str) -> dict[str, str]:
                return {"order_id": order_id, "status": world["status"], "carrier": "DHL"}

            @spanscope.trace(name="order_agent", span_type="AGENT")
            def agent(question: str) -> str:
                reply = client.chat.completions.create(
                    model="gpt-4o-mini", messages=[{"role": "user", "content": question}]
                )
                lookup_order("A-1")
                if world["follow_up"]:
                    client.chat.completions.create(
                        model="gpt-4o-mini",
                        messages=[{"role": "user", "content": "and when will it arrive?"}],
                    )
                return reply.choices[0].message.content or ""

            with capture_traces() as captured:
                for status, follow_up in (
                    ("shipped", False),
                    ("delayed", False),
                    ("shipped", True),
                ):
                    world.update(status=status, follow_up=follow_up)
                    agent("Where is my order A-1?")
            client.close()
    finally:
        spanscope.openai.autolog(disable=True)
    return captured.traces


@pytest.fixture(scope="module")
def runs(seeded_server: Server) -> Iterator[Runs]:
    url, _ = seeded_server
    store = RestTraceStore(url)
    experiment_id = store.create_experiment(f"compare-{time.time_ns()}")
    made = _runs()
    for trace in made:
        trace.info.experiment_id = experiment_id
    store.write_traces(made)
    stored = [store.get_trace(t.info.trace_id) for t in made]
    store.close()
    yield Runs(experiment_id, *stored)


@pytest.fixture
def page(browser: Any, console: Any) -> Iterator[Any]:
    """The usual page, with its Content-Security-Policy bypassed: axe goes in as an inline
    script."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True)
    opened = context.new_page()
    opened.set_default_timeout(15_000)

    def on_console(message: Any) -> None:
        if message.type == "error":
            console.errors.append(f"console: {message.text}")

    opened.on("console", on_console)
    opened.on("pageerror", lambda error: console.errors.append(f"page error: {error}"))
    yield opened
    context.close()
    assert console.unexpected() == [], "errors in the browser console"


def _wait_param(page: Any, name: str, value: str) -> None:
    """Wait until the address's query holds name=value (however it is encoded)."""
    wait_until(
        page, "([n, v]) => new URLSearchParams(location.search).get(n) === v", arg=[name, value]
    )


def _rows(page: Any) -> Any:
    return page.locator("[data-testid=span-diff-row]")


def _paths_with(page: Any, index: int, change: str) -> list[str]:
    cells = _rows(page).filter(has=page.locator(f"td[data-index='{index}'][data-change={change}]"))
    return [str(p) for p in cells.evaluate_all("rows => rows.map(r => r.dataset.path)")]


def _summary_cell(page: Any, measure: str, index: int) -> Any:
    return page.locator(
        f"[data-testid=compare-summary] tr[data-measure={measure}] td[data-index='{index}']"
    )


def _delta(cell: Any) -> float:
    return float(cell.locator(".delta").get_attribute("data-delta"))


def test_compare_shows_the_one_changed_tool_output_and_the_added_span(
    seeded_server: Server, runs: Runs, page: Any, screenshot: Any
) -> None:
    url, _ = seeded_server
    ids = [runs.baseline.info.trace_id, runs.changed.info.trace_id, runs.extended.info.trace_id]
    page.goto(f"{url}/experiments/{runs.experiment_id}/traces")
    wait_rows(page, 3)
    bar = page.locator(".bulk")
    page.get_by_label(f"Select {ids[0]}").check()
    expect(bar.get_by_role("link", name="Compare")).to_have_count(0)  # one is not a comparison
    page.get_by_label(f"Select {ids[1]}").check()
    page.get_by_label(f"Select {ids[2]}").check()
    bar.get_by_role("link", name="Compare").click()
    # The baseline is the first selected; the order of choosing is the order of columns.
    page.wait_for_url(f"**/experiments/{runs.experiment_id}/traces/compare?traces={','.join(ids)}")

    expect(_rows(page)).to_have_count(4)
    paths = _rows(page).evaluate_all("rows => rows.map(r => r.dataset.path)")
    assert paths == [
        "order_agent",
        f"order_agent/{LLM_SPAN}",
        "order_agent/lookup_order",
        f"order_agent/{LLM_SPAN}[1]",
    ]
    # The second run: exactly one changed span, its output; nothing added or missing.
    assert _paths_with(page, 1, "changed") == ["order_agent/lookup_order"]
    assert _paths_with(page, 1, "same") == ["order_agent", f"order_agent/{LLM_SPAN}"]
    assert _paths_with(page, 1, "added") == []
    assert _paths_with(page, 1, "missing") == []
    changed_cell = _rows(page).nth(2).locator("td[data-index='1']")
    expect(changed_cell).to_contain_text("changed: outputs")
    # The third: the same tree plus its second LLM call.
    assert _paths_with(page, 2, "added") == [f"order_agent/{LLM_SPAN}[1]"]
    assert _paths_with(page, 2, "changed") == []
    assert _paths_with(page, 2, "same") == [
        "order_agent",
        f"order_agent/{LLM_SPAN}",
        "order_agent/lookup_order",
    ]
    counts = page.locator("[data-testid=change-counts]")
    expect(counts.nth(1)).to_contain_text("1 changed")
    expect(counts.nth(2)).to_contain_text("1 added")

    # The first difference opens by itself: lookup_order's outputs, the status side by side.
    pair = page.locator("[data-testid=span-pair]")
    expect(pair.locator("h2")).to_contain_text(f"order_agent {SEP} lookup_order")
    expect(pair.locator("[data-testid=pair-change]")).to_have_text("changed")
    outputs = pair.locator("[data-testid=value-diff-outputs]")
    expect(outputs).to_have_attribute("data-changed-paths", "status")
    expect(outputs.locator(".diff-side.before")).to_contain_text("shipped")
    expect(outputs.locator(".diff-side.after")).to_contain_text("delayed")
    expect(outputs).to_contain_text("2 unchanged keys")  # order_id and carrier, folded away
    expect(outputs).not_to_contain_text("DHL")
    expect(pair.locator("[data-testid=value-diff-inputs]")).to_contain_text("identical")
    expect(pair.locator("[data-testid=value-diff-attributes]")).to_contain_text("identical")

    # Deltas against the baseline: tokens and cost from the third run's extra call; the
    # second run's are the same; latency is each run's own.
    base_tokens = runs.baseline.info.token_usage
    extra_tokens = runs.extended.info.token_usage
    assert base_tokens is not None and extra_tokens is not None
    total = _summary_cell(page, "tokensTotal", 2)
    expect(total.locator(".delta")).to_be_visible()
    assert _delta(total) == extra_tokens["total_tokens"] - base_tokens["total_tokens"] > 0
    assert _delta(_summary_cell(page, "tokensTotal", 1)) == 0
    assert _delta(_summary_cell(page, "tokensIn", 2)) == (
        extra_tokens["input_tokens"] - base_tokens["input_tokens"]
    )
    assert _delta(_summary_cell(page, "tokensOut", 2)) == (
        extra_tokens["output_tokens"] - base_tokens["output_tokens"]
    )
    for index, trace in ((1, runs.changed), (2, runs.extended)):
        assert _delta(_summary_cell(page, "durationMs", index)) == (
            (trace.info.execution_duration or 0) - (runs.baseline.info.execution_duration or 0)
        )
    base_cost, extra_cost = runs.baseline.info.cost, runs.extended.info.cost
    assert base_cost is not None and extra_cost is not None, "gpt-4o-mini is priced"
    assert _delta(_summary_cell(page, "cost", 2)) == pytest.approx(
        extra_cost["total"] - base_cost["total"]
    )
    assert extra_cost["total"] > base_cost["total"]
    expect(_summary_cell(page, "cost", 2).locator(".delta")).to_contain_text("+$")
    page.set_viewport_size({"width": 1280, "height": 1024})  # down to the outputs' diff
    screenshot("compare-traces")
    page.set_viewport_size({"width": 1280, "height": 800})
    assert_no_serious_violations(page, "the trace comparison")

    # The added span, against the third run: its badge picks it and that run.
    _rows(page).nth(3).locator("td[data-index='2'] button").click()
    _wait_param(page, "vs", "2")
    expect(pair.locator("h2")).to_contain_text(f"order_agent {SEP} {LLM_SPAN} #2")
    expect(pair.locator("[data-testid=pair-change]")).to_have_text("added")
    expect(pair.locator("[data-testid=value-diff-inputs] [data-diff=added]")).to_contain_text(
        "and when will it arrive?"
    )
    # Per-span deltas: the baseline has no such span, so its tokens show and no delta.
    tokens = pair.locator("[data-testid=pair-measures] tr[data-measure=tokensTotal] td")
    expect(tokens.nth(0)).to_have_text("—")
    expect(tokens.nth(1)).not_to_have_text("—")
    assert_no_serious_violations(page, "an added span in the trace comparison")

    # The address holds the whole view: opened afresh, it shows the same span and run.
    deep_link = page.url
    assert "span=" in deep_link
    page.goto("about:blank")
    page.goto(deep_link)
    expect(pair.locator("h2")).to_contain_text(f"order_agent {SEP} {LLM_SPAN} #2")
    expect(pair.locator("[data-testid=pair-change]")).to_have_text("added")
    expect(page.locator("[data-testid=span-pair] select")).to_have_value("2")
    expect(_rows(page)).to_have_count(4)


def test_differences_only_and_baseline_switch_stay_in_the_address(
    seeded_server: Server, runs: Runs, page: Any
) -> None:
    url, _ = seeded_server
    ids = [runs.baseline.info.trace_id, runs.changed.info.trace_id]
    page.goto(f"{url}/experiments/{runs.experiment_id}/traces/compare?traces={','.join(ids)}")
    expect(_rows(page)).to_have_count(3)
    # A click, then the state: the box is checked once the address has changed (check()
    # looks at the box right after its click, before the page has re-rendered).
    only = page.get_by_label("Differences only")
    only.click()
    expect(only).to_be_checked()
    _wait_param(page, "only", "1")
    # The changed span with its ancestor, for context.
    expect(_rows(page)).to_have_count(2)
    assert _paths_with(page, 1, "changed") == ["order_agent/lookup_order"]

    # The other run as the baseline: the same one difference, seen the other way round.
    page.locator("[data-testid=compare-summary]").get_by_role(
        "button", name="make baseline"
    ).click()
    _wait_param(page, "traces", f"{ids[1]},{ids[0]}")
    outputs = page.locator("[data-testid=value-diff-outputs]")
    expect(outputs.locator(".diff-side.before")).to_contain_text("delayed")
    expect(outputs.locator(".diff-side.after")).to_contain_text("shipped")
    page.reload()
    expect(_rows(page)).to_have_count(2)
    expect(outputs.locator(".diff-side.before")).to_contain_text("delayed")


def _tool_span_id(trace: Trace) -> str:
    return next(s.span_id for s in trace.data.spans if s.name == "lookup_order")


def test_two_spans_chosen_on_the_spans_page_compare_as_subtrees(
    seeded_server: Server, runs: Runs, page: Any
) -> None:
    url, _ = seeded_server
    base, changed = _tool_span_id(runs.baseline), _tool_span_id(runs.changed)
    page.goto(f"{url}/experiments/{runs.experiment_id}/spans?filter=name+%3D+%27lookup_order%27")
    expect(page.locator("[data-testid=span-row]")).to_have_count(3)
    page.get_by_label(f"Select span lookup_order ({base})").check()
    compare = page.locator(".toolbar").get_by_role("link", name="Compare")
    expect(compare).to_have_count(0)  # two spans make a comparison
    page.get_by_label(f"Select span lookup_order ({changed})").check()
    compare.click()
    _wait_param(
        page,
        "spans",
        f"{runs.baseline.info.trace_id}:{base},{runs.changed.info.trace_id}:{changed}",
    )
    expect(page.locator("h1")).to_contain_text("Compare spans")
    expect(_rows(page)).to_have_count(1)
    expect(_rows(page).first.locator("td[data-index='1']")).to_contain_text("changed: outputs")
    outputs = page.locator("[data-testid=value-diff-outputs]")
    expect(outputs).to_have_attribute("data-changed-paths", "status")
    expect(outputs.locator(".diff-side.after")).to_contain_text("delayed")
    assert_no_serious_violations(page, "a span comparison")

    # From a trace comparison, a matched pair opens alone the same way.
    ids = f"{runs.baseline.info.trace_id},{runs.changed.info.trace_id}"
    page.goto(f"{url}/experiments/{runs.experiment_id}/traces/compare?traces={ids}")
    page.locator("[data-testid=span-pair]").get_by_role(
        "link", name="Compare these two spans alone"
    ).click()
    _wait_param(
        page,
        "spans",
        f"{runs.baseline.info.trace_id}:{base},{runs.changed.info.trace_id}:{changed}",
    )
    expect(_rows(page)).to_have_count(1)


def test_compare_with_from_the_trace_page(seeded_server: Server, runs: Runs, page: Any) -> None:
    url, _ = seeded_server
    base, changed, extended = (
        runs.baseline.info.trace_id,
        runs.changed.info.trace_id,
        runs.extended.info.trace_id,
    )
    page.goto(f"{url}/traces/{base}")
    opener = page.get_by_role("button", name="Compare with…")
    opener.click()
    dialog = page.get_by_role("dialog", name="Compare with another trace")
    expect(dialog).to_be_visible()
    # The experiment's other runs of order_agent are offered; not this one.
    offered = dialog.get_by_test_id("compare-candidates").get_by_role("link")
    expect(offered).to_have_count(2)
    texts = " ".join(offered.all_inner_texts())
    assert changed[-12:] in texts and extended[-12:] in texts and base[-12:] not in texts
    expect(dialog.get_by_role("textbox", name="Trace id")).to_be_focused()
    assert_no_serious_violations(page, "the Compare with… dialog")

    # Escape closes it and gives focus back to its button.
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(opener).to_be_focused()

    # Picking a run opens the comparison, this trace the baseline.
    opener.click()
    dialog.get_by_role("link", name=changed[-12:]).click()
    page.wait_for_url(f"**/experiments/{runs.experiment_id}/traces/compare?traces={base},{changed}")
    expect(_rows(page)).to_have_count(3)
    assert _paths_with(page, 1, "changed") == ["order_agent/lookup_order"]
    expect(_summary_cell(page, "durationMs", 0)).to_be_visible()
    expect(_summary_cell(page, "durationMs", 1)).to_be_visible()

    # A pasted address works too.
    page.go_back()
    opener.click()
    dialog.get_by_role("textbox", name="Trace id").fill(f"{url}/traces/{extended}?span=x")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/traces/compare?traces={base},{extended}")
    expect(_rows(page)).to_have_count(4)
    assert _paths_with(page, 1, "added") == [f"order_agent/{LLM_SPAN}[1]"]
