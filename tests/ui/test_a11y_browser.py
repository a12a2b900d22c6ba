"""Accessibility, keyboard use, the experiments list, offline API docs, dark mode and a trace
that is not found, in a real Chromium against a real server.

Every page of the app is scanned with axe-core (tests/ui/a11y.py), in both themes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from spanscope.server.settings import ServerSettings
from spanscope.store.sql.store import SqlTraceStore
from spanscope.testing.fake_llm import FakeLLMServer
from tests.live_server import server_thread
from tests.ui.a11y import assert_no_serious_violations
from tests.ui.a11y import scan_page as open_scan_page
from tests.ui.conftest import _skip_reason
from tests.ui.page_wait import wait_until
from tests.ui.seed import Seeded, seed
from tests.ui.test_evaluation_browser import EvalSeed, seed_evaluation


@dataclass
class Both:
    traces: Seeded
    evaluation: EvalSeed


Server = tuple[str, Both]


@pytest.fixture(scope="module")
def seeded_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The browser tests' traces and an evaluation experiment (datasets, runs) in one store."""
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    store = SqlTraceStore(f"sqlite:///{tmp_path_factory.mktemp('a11y')}/a11y.db")
    with FakeLLMServer() as llm:
        seeded = seed(store, llm)
    evaluation = seed_evaluation(store)
    with server_thread(ServerSettings(store.uri), store) as url:
        yield url, Both(seeded, evaluation)
    store.close()


@pytest.fixture
def scan_page(browser: Any, console: Any) -> Iterator[Any]:
    with open_scan_page(browser, console) as opened:
        yield opened


def wait_rows(page: Any, count: int) -> None:
    wait_until(
        page,
        "n => document.querySelectorAll('[data-testid=traces-table] tbody tr').length === n",
        arg=count,
    )


def focus_outline(page: Any) -> dict[str, str]:
    """How the focused element shows its focus: its computed outline and box shadow."""
    style: dict[str, str] = page.evaluate(
        """() => {
          const s = getComputedStyle(document.activeElement);
          return { tag: document.activeElement.tagName, outlineStyle: s.outlineStyle,
                   outlineWidth: s.outlineWidth, outlineColor: s.outlineColor,
                   boxShadow: s.boxShadow };
        }"""
    )
    return style


def assert_focus_visible(page: Any) -> None:
    style = focus_outline(page)
    outlined = style["outlineStyle"] not in ("none", "") and style["outlineWidth"] not in (
        "0px",
        "",
    )
    assert outlined or style["boxShadow"] not in ("none", ""), f"no visible focus: {style}"


def tab_until(page: Any, predicate: str, limit: int = 80) -> None:
    """Press Tab until `predicate` (a JS expression over `el`, the focused element) holds."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const el = document.activeElement; return {predicate}; }})()"):
            return
    raise AssertionError(f"{limit} tabs never reached an element where {predicate}")


# Each page of the app: its path, and what shows once its data is in.
Page = tuple[str, Callable[[Both], str], str]
PAGES: list[Page] = [
    ("experiments", lambda s: "/experiments", "[data-testid=experiments-table] tbody tr"),
    (
        "traces",
        lambda s: f"/experiments/{s.traces.experiment_id}/traces",
        "[data-testid=traces-table] tbody tr",
    ),
    (
        "trace",
        lambda s: f"/traces/{s.traces.agent_trace_id}",
        "[data-testid=chat-view], [role=treeitem]",
    ),
    (
        "failed trace",
        lambda s: f"/traces/{s.traces.failing_trace_id}",
        "[role=treeitem]",
    ),
    (
        "sessions",
        lambda s: f"/experiments/{s.traces.experiment_id}/sessions",
        "[data-testid=session-list] button, [data-testid=session-list] a",
    ),
    ("spans", lambda s: f"/experiments/{s.traces.experiment_id}/spans", "[data-testid=span-row]"),
    (
        "dashboard",
        lambda s: f"/experiments/{s.traces.experiment_id}/dashboard",
        "[data-testid=chart-traces] canvas",
    ),
    (
        "datasets",
        lambda s: f"/experiments/{s.evaluation.experiment_id}/datasets",
        "[data-testid=datasets-table] tbody tr",
    ),
    (
        "dataset",
        lambda s: f"/experiments/{s.evaluation.experiment_id}/datasets/{s.evaluation.dataset_id}",
        "[data-testid=records-table] tbody tr",
    ),
    (
        "evaluation runs",
        lambda s: f"/experiments/{s.evaluation.experiment_id}/evaluations",
        "[data-testid=runs-table] tbody tr",
    ),
    (
        "compare runs",
        lambda s: (
            f"/experiments/{s.evaluation.experiment_id}/evaluations/compare?runs="
            f"{s.evaluation.run_ids['baseline']},{s.evaluation.run_ids['candidate']}"
        ),
        "[data-testid=compare-aggregates] tr",
    ),
    ("trace not found", lambda s: f"/traces/{'0' * 32}", "[data-testid=not-found]"),
]


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("name,path,ready", PAGES, ids=[p[0] for p in PAGES])
def test_every_page_passes_an_accessibility_scan(
    seeded_server: Server,
    scan_page: Any,
    console: Any,
    theme: str,
    name: str,
    path: Callable[[Both], str],
    ready: str,
) -> None:
    url, seeded = seeded_server
    console.allow("404")  # the page that is not found asked for its trace
    scan_page.emulate_media(color_scheme=theme)
    scan_page.goto(url + path(seeded))
    scan_page.locator(ready).first.wait_for()
    assert scan_page.evaluate("document.documentElement.dataset.theme") == theme
    assert_no_serious_violations(scan_page, f"the {name} page ({theme})")


def test_keyboard_only_from_the_table_into_the_tree(seeded_server: Server, page: Any) -> None:
    url, seeded = seeded_server
    page.goto(f"{url}/experiments/{seeded.traces.experiment_id}/traces")
    wait_rows(page, 4)
    target = seeded.traces.agent_trace_id
    tab_until(page, f"el.getAttribute('href') === '/traces/{target}'")
    assert_focus_visible(page)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/traces/{target}")
    tree = page.get_by_role("tree", name="Spans")
    expect(tree.get_by_role("treeitem").first).to_have_attribute("aria-selected", "true")

    # The tree is one tab stop: its fold buttons are not, and Tab goes past it in one step.
    tab_until(page, "el.getAttribute('role') === 'tree'")
    assert_focus_visible(page)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('[role=tree]')") is None

    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.getAttribute('role')") == "tree"
    selected = tree.locator("[role=treeitem][aria-selected=true]")
    page.keyboard.press("ArrowDown")
    expect(selected.locator(".span-name")).to_have_text("search_kb")
    # The tree points assistive technology at the selected row.
    row_id = selected.get_attribute("id")
    expect(tree).to_have_attribute("aria-activedescendant", row_id)
    page.keyboard.press("End")
    expect(selected.locator(".span-name")).to_have_text("openai.chat.completions.create")
    assert "span=" in page.url
    # Left on a leaf goes to its parent; Left on the open parent folds it; Right unfolds.
    page.keyboard.press("ArrowLeft")
    expect(selected.locator(".span-name")).to_have_text("support_agent")
    page.keyboard.press("ArrowLeft")
    expect(tree.get_by_role("treeitem")).to_have_count(1)
    expect(selected).to_have_attribute("aria-expanded", "false")
    page.keyboard.press("ArrowRight")
    expect(tree.get_by_role("treeitem")).to_have_count(5)
    page.keyboard.press("ArrowRight")  # into the first child
    expect(selected.locator(".span-name")).to_have_text("search_kb")
    assert_focus_visible(page)


def test_tree_controls_have_names_and_are_not_tab_stops(seeded_server: Server, page: Any) -> None:
    url, seeded = seeded_server
    page.goto(f"{url}/traces/{seeded.traces.agent_trace_id}")
    tree = page.get_by_role("tree", name="Spans")
    fold = tree.get_by_role("button", name="Collapse")
    expect(fold).to_have_count(1)
    assert fold.get_attribute("tabindex") == "-1"
    tabbable = tree.locator("[tabindex='0'], a[href], button:not([tabindex='-1'])")
    expect(tabbable).to_have_count(0)
    # The finder's arrows are named, and step through the matches.
    page.get_by_label("Find span").fill("openai")
    page.get_by_role("button", name="Next match").click()
    expect(page.get_by_test_id("find-count")).to_have_text("1 / 2")
    page.get_by_role("button", name="Next match").click()
    expect(page.get_by_test_id("find-count")).to_have_text("2 / 2")
    page.get_by_role("button", name="Previous match").click()
    expect(page.get_by_test_id("find-count")).to_have_text("1 / 2")


def test_inputs_and_buttons_show_a_focus_ring(seeded_server: Server, page: Any) -> None:
    url, seeded = seeded_server
    page.goto(f"{url}/experiments/{seeded.traces.experiment_id}/traces")
    wait_rows(page, 4)
    tab_until(page, "el.getAttribute('aria-label') === 'Filter'")
    style = focus_outline(page)
    assert style["outlineStyle"] == "solid" and style["outlineWidth"] == "2px"
    assert style["outlineColor"] == "rgb(67, 56, 202)"  # the focus colour, not a pale tint
    tab_until(page, "el.tagName === 'BUTTON'")
    assert_focus_visible(page)


def test_columns_menu_closes_on_escape_and_outside_click(seeded_server: Server, page: Any) -> None:
    url, seeded = seeded_server
    page.goto(f"{url}/experiments/{seeded.traces.experiment_id}/traces")
    wait_rows(page, 4)
    menu = page.locator("details.dropdown", has_text="Columns")
    menu.locator("summary").click()
    expect(menu).to_have_attribute("open", "")
    menu.get_by_role("checkbox").first.focus()
    page.keyboard.press("Escape")
    expect(menu).not_to_have_attribute("open", "")
    # Focus returns to the menu's button.
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"

    menu.locator("summary").click()
    expect(menu).to_have_attribute("open", "")
    page.locator("h1, .breadcrumbs").first.click()
    expect(menu).not_to_have_attribute("open", "")


def test_experiments_duplicate_search_rename_and_delete(
    seeded_server: Server, page: Any, console: Any
) -> None:
    url, seeded = seeded_server
    console.allow("409")  # the duplicate name's answer
    page.goto(f"{url}/experiments")
    table = page.get_by_test_id("experiments-table")
    expect(table.locator("tbody tr")).to_have_count(4)  # Default, support-bot, scratch, faq-eval

    page.get_by_label("New experiment name").fill("support-bot")
    page.get_by_role("button", name="Create").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("An experiment named “support-bot” already exists.")
    expect(alert).not_to_contain_text("ALREADY_EXISTS:")

    search = page.get_by_label("Search experiments")
    search.fill("SUPPORT")
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table.locator("tbody tr")).to_contain_text("support-bot")
    assert "q=SUPPORT" in page.url
    search.fill("nothing like it")
    expect(page.get_by_test_id("no-experiments")).to_be_visible()
    search.fill("")
    expect(table.locator("tbody tr")).to_have_count(4)

    # Escape cancels a rename and keeps the old name.
    row = table.locator("tr", has_text="scratch")
    row.get_by_role("button", name="Rename").click()
    box = page.get_by_label("Experiment name", exact=True)
    expect(box).to_be_focused()
    box.fill("never saved")
    box.press("Escape")
    expect(box).to_have_count(0)
    expect(row.get_by_role("link", name="scratch")).to_be_visible()
    expect(row.get_by_role("button", name="Rename")).to_be_focused()

    # Delete asks first, saying the traces go too; Cancel keeps it.
    scratch = seeded.traces.scratch_experiment_id
    row.get_by_role("button", name="Delete").click()
    confirm = row.get_by_role("group", name="Delete scratch")
    expect(confirm).to_contain_text("Delete “scratch” and its 3 traces for good?")
    confirm.get_by_role("button", name="Cancel").click()
    assert httpx.get(f"{url}/api/v1/experiments/{scratch}").status_code == 200
    row.get_by_role("button", name="Delete").click()
    row.get_by_role("group", name="Delete scratch").get_by_role("button", name="Delete").click()
    expect(table.locator("tr", has_text="scratch")).to_have_count(0)
    assert httpx.get(f"{url}/api/v1/experiments/{scratch}").status_code == 404
    left = httpx.post(f"{url}/api/v1/traces/search", json={"experiment_ids": [scratch]})
    assert left.status_code == 404 or left.json()["traces"] == []
    # The default experiment cannot be deleted, so it offers no Delete.
    default = table.locator("tr", has_text="Default")
    expect(default.get_by_role("button", name="Delete")).to_have_count(0)


@pytest.mark.parametrize("path,ready", [("/docs", ".opblock"), ("/redoc", "[data-section-id]")])
def test_api_docs_work_with_no_network(
    seeded_server: Server, page: Any, path: str, ready: str
) -> None:
    url, _ = seeded_server
    outside: list[str] = []

    def only_local(route: Any) -> None:
        if route.request.url.startswith("http://127.0.0.1"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_local)
    page.goto(url + path)
    page.locator(ready).first.wait_for()
    text = page.locator("body").inner_text()
    assert "/api/v1/experiments" in text
    assert "/api/v1/traces/search" in text
    assert outside == []


def test_dark_mode_follows_the_browser_and_the_toggle_sticks(
    seeded_server: Server, page: Any
) -> None:
    url, _ = seeded_server
    page.emulate_media(color_scheme="dark")
    page.goto(f"{url}/experiments")
    page.get_by_test_id("experiments-table").wait_for()

    def background() -> str:
        color: str = page.evaluate("getComputedStyle(document.body.parentElement).backgroundColor")
        return color

    def theme() -> str:
        name: str = page.evaluate("document.documentElement.dataset.theme")
        return name

    assert theme() == "dark"
    assert background() == "rgb(15, 18, 24)"
    toggle = page.get_by_role("button", name="Dark mode")
    expect(toggle).to_have_attribute("aria-pressed", "true")
    # Without a choice, the theme follows the browser's preference as it changes.
    page.emulate_media(color_scheme="light")
    wait_until(page, "() => document.documentElement.dataset.theme === 'light'")
    assert background() == "rgb(247, 248, 250)"
    page.emulate_media(color_scheme="dark")
    wait_until(page, "() => document.documentElement.dataset.theme === 'dark'")

    toggle.click()  # a choice: light, kept over the browser's dark preference
    assert theme() == "light"
    expect(toggle).to_have_attribute("aria-pressed", "false")
    assert page.evaluate("localStorage.getItem('spanscope.theme')") == "light"
    page.reload()
    page.get_by_test_id("experiments-table").wait_for()
    assert theme() == "light"
    assert background() == "rgb(247, 248, 250)"
    page.get_by_role("button", name="Dark mode").click()
    page.reload()
    page.get_by_test_id("experiments-table").wait_for()
    assert theme() == "dark"


def test_unknown_trace_is_a_page_with_a_way_back(
    seeded_server: Server, page: Any, console: Any
) -> None:
    url, seeded = seeded_server
    console.allow("404")
    experiment = seeded.traces.experiment_id
    page.goto(f"{url}/experiments/{experiment}/traces")
    wait_rows(page, 4)
    # The experiment is remembered once its own request answers (it may come after the rows).
    wait_until(page, "localStorage.getItem('spanscope.recentExperiment') !== null")
    page.goto(f"{url}/traces/{'f' * 32}")
    missing = page.get_by_test_id("not-found")
    expect(missing.get_by_role("heading")).to_have_text("This trace was not found")
    expect(missing).to_contain_text(f"No trace with id '{'f' * 32}'")
    expect(page.locator(".error-box")).to_have_count(0)
    missing.get_by_role("link", name="Back to the traces of “support-bot”").click()
    page.wait_for_url(f"**/experiments/{experiment}/traces")
    wait_rows(page, 4)

    page.goto(f"{url}/traces/{'f' * 32}")
    page.get_by_test_id("not-found").get_by_role("link", name="All experiments").click()
    page.wait_for_url("**/experiments")
