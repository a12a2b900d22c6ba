"""Live traces in a real Chromium against a real server: a running trace is posted in parts, as
the SDK exports it (ended spans, and markers of spans still open, `end_time_ns: null`), and the
traces table (Live on) and the trace's page follow it without a reload until it ends."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from spanscope.server.settings import ServerSettings
from spanscope.store.rest import RestTraceStore
from spanscope.store.sql.store import SqlTraceStore
from tests.live.agent_process import agent_process
from tests.live_server import server_thread
from tests.ui.a11y import assert_no_serious_violations
from tests.ui.a11y import scan_page as open_scan_page
from tests.ui.conftest import _skip_reason
from tests.ui.page_wait import wait_until
from tests.ui.test_browser import table_rows, wait_rows

# Polls come every 1.5 s (a trace) and 2 s (the table): a few of them, on a busy machine.
LIVE = 20_000
SECOND_NS = 1_000_000_000


@pytest.fixture(scope="module")
def seeded_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, None]]:
    """An empty store: each test makes its own experiment and posts its traces as they run.
    (Named as conftest's fixture, so that its `browser` runs against this server.)"""
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    store = SqlTraceStore(f"sqlite:///{tmp_path_factory.mktemp('live')}/live.db")
    with server_thread(ServerSettings(store.uri), store) as url:
        yield url, None
    store.close()


@pytest.fixture
def url(seeded_server: tuple[str, None]) -> str:
    return seeded_server[0]


@pytest.fixture
def page(browser: Any, console: Any) -> Iterator[Any]:
    with open_scan_page(browser, console, console_errors=True) as opened:
        yield opened


class RunningTrace:
    """A trace of an agent posted as it runs: `agent` (the root) > `plan`, `search`, `write`."""

    def __init__(self, url: str, experiment_id: str) -> None:
        self.url = url
        self.experiment_id = experiment_id
        self.trace_id = uuid.uuid4().hex
        # Started a few seconds ago, so running durations read whole seconds.
        self.start_ns = time.time_ns() - 3 * SECOND_NS

    def span(
        self,
        n: int,
        name: str,
        *,
        ended: bool,
        offset_s: float = 0,
        span_type: str | None = None,
        attributes: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        start = self.start_ns + int(offset_s * SECOND_NS)
        return {
            "trace_id": self.trace_id,
            "span_id": f"{n:016x}",
            "parent_id": None if n == 1 else f"{1:016x}",
            "name": name,
            "span_type": span_type or ("AGENT" if n == 1 else "TOOL"),
            "start_time_ns": start,
            "end_time_ns": start + SECOND_NS // 2 if ended else None,
            "status": {"code": "OK" if ended else "UNSET", "message": ""},
            "inputs": {"question": "where is my parcel?"} if n == 1 else None,
            "outputs": None,
            "attributes": attributes or {},
            "events": [],
        }

    def post(self, spans: list[dict[str, Any]], *, state: str = "IN_PROGRESS") -> None:
        info = {
            "trace_id": self.trace_id,
            "experiment_id": self.experiment_id,
            "request_time": self.start_ns // 1_000_000,
            "execution_duration": 4_000 if state != "IN_PROGRESS" else None,
            "state": state,
            "name": "agent",
        }
        response = httpx.post(
            f"{self.url}/api/v1/traces",
            json={"traces": [{"info": info, "data": {"spans": spans}}]},
        )
        assert response.status_code == 204, response.text

    def first_part(self) -> None:
        """The open root's marker and the ended plan."""
        self.post([self.span(1, "agent", ended=False), self.span(2, "plan", ended=True)])

    def second_part(self) -> None:
        """Spans ended since (search) or open longer than the export interval (write)."""
        self.post(
            [
                self.span(1, "agent", ended=False),
                self.span(3, "search", ended=True, offset_s=1),
                self.span(4, "write", ended=False, offset_s=2),
            ]
        )

    def finish(self) -> None:
        """The whole trace, every span ended and the root OK."""
        root = self.span(1, "agent", ended=True)
        root["end_time_ns"] = self.start_ns + 4 * SECOND_NS
        self.post(
            [
                root,
                self.span(2, "plan", ended=True),
                self.span(3, "search", ended=True, offset_s=1),
                self.span(4, "write", ended=True, offset_s=2),
            ],
            state="OK",
        )


def _experiment(url: str, name: str) -> str:
    store = RestTraceStore(url)
    try:
        return store.create_experiment(f"{name}-{uuid.uuid4().hex[:8]}")
    finally:
        store.close()


def _finished(url: str, experiment_id: str) -> None:
    """A trace that ended before the page opened."""
    old = RunningTrace(url, experiment_id)
    old.start_ns -= 60 * SECOND_NS
    old.finish()


def _tree_row(page: Any, name: str) -> Any:
    return page.get_by_role("treeitem").filter(has=page.locator(".span-name", has_text=name))


def test_live_table_shows_a_running_trace_arrive_and_end(url: str, page: Any) -> None:
    experiment = _experiment(url, "live-table")
    _finished(url, experiment)
    page.goto(f"{url}/experiments/{experiment}/traces?live=1")
    wait_rows(page, 1)
    switch = page.get_by_role("switch", name="Live")
    expect(switch).to_be_checked()
    notice = page.get_by_test_id("new-traces")
    expect(notice).to_have_text("")

    running = RunningTrace(url, experiment)
    running.first_part()
    expect(notice).to_have_text("1 new trace", timeout=LIVE)
    expect(notice).to_have_attribute("aria-live", "polite")
    fresh = page.locator("[data-testid=traces-table] tbody tr.fresh")
    expect(fresh).to_have_count(1)
    expect(fresh.locator("[data-column=id]")).to_have_text(f"…{running.trace_id[-8:]}")
    expect(fresh.locator("[data-column=state]")).to_have_text("In progress")
    expect(fresh.locator("[data-column=latency]")).to_have_text("running")
    assert_no_serious_violations(page, "the live traces table with a new trace")

    # Seen: the count starts again, and the page goes to its top.
    page.set_viewport_size({"width": 1280, "height": 300})
    page.evaluate("window.scrollTo(0, 100)")
    wait_until(page, "window.scrollY > 0")
    notice.get_by_role("button", name="1 new trace").click()
    expect(notice).to_have_text("")
    expect(fresh).to_have_count(0)
    wait_until(page, "window.scrollY === 0")
    page.set_viewport_size({"width": 1280, "height": 800})

    # The running row changes in place when the trace ends.
    running.finish()
    row = table_rows(page).filter(has_text=running.trace_id[-8:])
    expect(row.locator("[data-column=state]")).to_have_text("OK", timeout=LIVE)
    expect(row.locator("[data-column=latency]")).to_have_text("4.00 s")
    expect(table_rows(page)).to_have_count(2)
    expect(notice).to_have_text("")

    # A reload keeps Live on; turning it off leaves the URL.
    page.reload()
    wait_rows(page, 2)
    expect(switch).to_be_checked()
    switch.uncheck()
    expect(page.get_by_test_id("new-traces")).to_have_count(0)
    assert "live=1" not in page.url


def test_a_running_trace_grows_on_its_page_until_it_ends(url: str, page: Any) -> None:
    experiment = _experiment(url, "live-trace")
    running = RunningTrace(url, experiment)
    running.first_part()
    page.goto(f"{url}/traces/{running.trace_id}")

    # The ended plan, and the open root with its time so far, in the tree and the summary.
    expect(page.get_by_role("treeitem")).to_have_count(2)
    root = _tree_row(page, "agent")
    expect(root.get_by_test_id("running-duration")).to_contain_text("running · ")
    expect(root.locator(".bar.open")).to_have_count(1)
    expect(_tree_row(page, "plan").get_by_test_id("running-duration")).to_have_count(0)
    expect(_tree_row(page, "plan").locator(".bar.open")).to_have_count(0)
    summary = page.get_by_test_id("trace-summary")
    expect(summary.locator(".badge").first).to_have_text("In progress")
    expect(page.get_by_test_id("trace-duration")).to_contain_text("In progress · ")
    # The root is selected: its detail runs too, and the clock moves.
    detail = page.get_by_test_id("span-detail")
    expect(detail.get_by_role("heading", name="agent")).to_be_visible()
    ticking = detail.get_by_test_id("running-duration")
    before = ticking.inner_text()
    expect(ticking).not_to_have_text(before)
    assert_no_serious_violations(page, "a running trace's page")

    # A span picked stays picked while the trace grows.
    _tree_row(page, "plan").click()
    expect(detail.get_by_role("heading", name="plan")).to_be_visible()
    running.second_part()
    expect(page.get_by_role("treeitem")).to_have_count(4, timeout=LIVE)
    names = page.locator("[role=treeitem] .span-name").all_inner_texts()
    assert names == ["agent", "plan", "search", "write"]
    expect(_tree_row(page, "write").get_by_test_id("running-duration")).to_have_count(1)
    expect(_tree_row(page, "search").get_by_test_id("running-duration")).to_have_count(0)
    expect(_tree_row(page, "plan")).to_have_attribute("aria-selected", "true")
    expect(detail.get_by_role("heading", name="plan")).to_be_visible()
    assert "span=" in page.url

    # The whole trace: everything ended, the root OK, and the page stops running.
    running.finish()
    expect(summary.locator(".badge").first).to_have_text("OK", timeout=LIVE)
    expect(page.get_by_test_id("running-duration")).to_have_count(0)
    expect(page.locator(".bar.open")).to_have_count(0)
    expect(page.get_by_test_id("trace-duration")).to_have_text("4.00 s")
    expect(page.get_by_role("treeitem")).to_have_count(4)
    expect(_tree_row(page, "plan")).to_have_attribute("aria-selected", "true")


def test_the_table_with_live_off_stays_as_it_was(url: str, browser: Any, page: Any) -> None:
    experiment = _experiment(url, "live-off")
    _finished(url, experiment)
    page.goto(f"{url}/experiments/{experiment}/traces")
    wait_rows(page, 1)
    switch = page.get_by_role("switch", name="Live")
    expect(switch).not_to_be_checked()
    searches: list[str] = []
    page.on("request", lambda r: searches.append(r.url) if "traces/search" in r.url else None)

    # A second browser with Live on is the clock: once it shows the new trace, the table
    # with Live off has had time to poll, had it polled.
    witness_context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        witness = witness_context.new_page()
        witness.goto(f"{url}/experiments/{experiment}/traces?live=1")
        wait_rows(witness, 1)
        RunningTrace(url, experiment).first_part()
        expect(witness.get_by_test_id("new-traces")).to_have_text("1 new trace", timeout=LIVE)
        expect(table_rows(witness)).to_have_count(2)
        # And past another poll of the witness.
        witness.wait_for_event("request", lambda r: "traces/search" in r.url, timeout=LIVE)
    finally:
        witness_context.close()

    expect(table_rows(page)).to_have_count(1)
    assert searches == []
    expect(page.get_by_test_id("new-traces")).to_have_count(0)

    # Turned on, it counts from what it showed: the trace that came meanwhile is new.
    switch.check()
    assert "live=1" in page.url
    expect(page.get_by_test_id("new-traces")).to_have_text("1 new trace", timeout=LIVE)
    expect(table_rows(page)).to_have_count(2)


def test_the_other_views_of_a_running_trace_hold(url: str, page: Any) -> None:
    """An open LLM call reads as a chat so far, the critical path runs through the open spans,
    and the trace compares with a finished one."""
    experiment = _experiment(url, "live-views")
    finished = RunningTrace(url, experiment)
    finished.finish()
    running = RunningTrace(url, experiment)
    question = [{"role": "user", "parts": [{"type": "text", "content": "Where is my parcel?"}]}]
    running.post(
        [
            running.span(1, "agent", ended=False),
            running.span(2, "plan", ended=True),
            running.span(
                3,
                "chat",
                ended=False,
                offset_s=1,
                span_type="CHAT_MODEL",
                attributes={"gen_ai.input.messages": json.dumps(question)},
            ),
        ]
    )
    page.goto(f"{url}/traces/{running.trace_id}?span={3:016x}")
    detail = page.get_by_test_id("span-detail")
    expect(detail.get_by_test_id("chat-view")).to_contain_text("Where is my parcel?")
    expect(detail.get_by_test_id("running-duration")).to_contain_text("running · ")

    page.get_by_role("button", name="Critical path").click()
    critical = page.locator("[role=treeitem][data-critical] .span-name")
    expect(critical).to_have_text(["agent", "chat"])
    expect(page.get_by_test_id("timeline-minimap").locator(".minimap-critical")).to_have_attribute(
        "d", re.compile(r"^M.+M")
    )

    page.goto(
        f"{url}/experiments/{experiment}/traces/compare"
        f"?traces={finished.trace_id},{running.trace_id}"
    )
    expect(page.get_by_test_id("compare-summary")).to_contain_text(
        re.compile("in.progress", re.IGNORECASE)
    )
    expect(page.get_by_test_id("span-diff-row").first).to_be_visible()


def test_a_trace_running_in_another_process_appears_grows_and_ends(url: str, page: Any) -> None:
    """The SDK itself, in a child process, sends its running trace in parts (live traces)."""
    experiment = _experiment(url, "live-process")
    page.goto(f"{url}/experiments/{experiment}/traces?live=1")
    notice = page.get_by_test_id("new-traces")
    expect(notice).to_have_text("")
    with agent_process(url, experiment_id=experiment) as agent:
        expect(notice).to_have_text("1 new trace", timeout=LIVE)
        row = table_rows(page).first
        expect(row.locator("[data-column=state]")).to_have_text("In progress")
        row.locator("td.col-name a").click()
        page.wait_for_url("**/traces/*")
        expect(page.get_by_role("treeitem")).to_have_count(2, timeout=LIVE)  # root and plan
        expect(_tree_row(page, "support_agent").get_by_test_id("running-duration")).to_have_count(1)

        assert agent.step() == "searching"
        # The open search arrives as a marker once it has run a live interval.
        search = _tree_row(page, "search")
        expect(search).to_have_count(1, timeout=LIVE)
        expect(search.get_by_test_id("running-duration")).to_have_count(1)

        assert agent.step() == "done"
    summary = page.get_by_test_id("trace-summary")
    expect(summary.locator(".badge").first).to_have_text("OK", timeout=LIVE)
    expect(page.get_by_test_id("running-duration")).to_have_count(0)
    names = page.locator("[role=treeitem] .span-name").all_inner_texts()
    assert names == ["support_agent", "plan", "search"]
