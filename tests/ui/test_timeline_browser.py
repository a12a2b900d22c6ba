"""The trace timeline in a real Chromium against a real server: zoom (keys, wheel), pan (drag,
keys), the minimap, the critical path, following the selection, and a 10,000-span trace.

The main trace is one second long with a one-microsecond span in the middle: a sliver at the
default zoom, a bar a person can see and click once zoomed in around it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import expect

from spanscope import Trace
from spanscope.server.settings import ServerSettings
from spanscope.store.sql.store import SqlTraceStore
from tests.live_server import server_thread
from tests.ui.a11y import assert_no_serious_violations
from tests.ui.a11y import scan_page as open_scan_page
from tests.ui.conftest import _skip_reason
from tests.ui.page_wait import wait_until
from tests.ui.seed import big_trace

START_NS = 1_700_000_000_000_000_000
MS = 1_000_000
# name: (parent, start offset, end offset), in ns from the trace's start.
SPANS: dict[str, tuple[str | None, int, int]] = {
    "request": (None, 0, 1_000 * MS),
    "prepare": ("request", 0, 300 * MS),
    "blip": ("request", 500 * MS, 500 * MS + 1_000),
    "call_model": ("request", 300 * MS, 990 * MS),
    "tokenize": ("call_model", 305 * MS, 320 * MS),
    "stream": ("call_model", 310 * MS, 980 * MS),
    "cleanup": ("request", 900 * MS, 950 * MS),
}
BLIP_START, BLIP_END = SPANS["blip"][1:]
# From the root, each time the child that ends last.
CRITICAL = ["request", "call_model", "stream"]


@dataclass
class TimelineSeed:
    trace_id: str
    span_ids: dict[str, str]
    big_trace_id: str


Server = tuple[str, TimelineSeed]


def micro_trace(experiment_id: str) -> Trace:
    trace_id = "7" * 32
    ids = {name: f"{n + 1:016x}" for n, name in enumerate(SPANS)}
    spans: list[dict[str, Any]] = [
        {
            "trace_id": trace_id,
            "span_id": ids[name],
            "parent_id": ids[parent] if parent else None,
            "name": name,
            "span_type": "CHAIN" if parent is None else "TOOL",
            "start_time_ns": START_NS + start,
            "end_time_ns": START_NS + end,
            "status": {"code": "OK", "message": ""},
            "inputs": {"step": name},
            "outputs": None,
            "attributes": {},
            "events": [],
        }
        for name, (parent, start, end) in SPANS.items()
    ]
    info = {
        "trace_id": trace_id,
        "experiment_id": experiment_id,
        "request_time": START_NS // MS,
        "execution_duration": 1_000,
        "state": "OK",
        "name": "request",
        "request_preview": "a one-second trace with a one-microsecond span",
        "response_preview": None,
        "metadata": {},
        "tags": {},
    }
    return Trace.from_dict({"info": info, "data": {"spans": spans}})


@pytest.fixture(scope="module")
def seeded_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    store = SqlTraceStore(f"sqlite:///{tmp_path_factory.mktemp('timeline')}/timeline.db")
    experiment_id = store.create_experiment("timeline")
    micro = micro_trace(experiment_id)
    big = big_trace(experiment_id, START_NS // MS)
    store.write_traces([micro, big])
    ids = {span.name: span.span_id for span in micro.data.spans}
    with server_thread(ServerSettings(store.uri), store) as url:
        yield url, TimelineSeed(micro.info.trace_id, ids, big.info.trace_id)
    store.close()


@pytest.fixture
def scan_page(browser: Any, console: Any) -> Iterator[Any]:
    with open_scan_page(browser, console, dark=True) as opened:
        yield opened


def open_trace(page: Any, url: str, seeded: TimelineSeed, span: str = "blip") -> None:
    page.goto(f"{url}/traces/{seeded.trace_id}?span={seeded.span_ids[span]}")
    expect(page.get_by_role("treeitem")).to_have_count(len(SPANS))


def window_of(page: Any) -> tuple[float, float]:
    """The visible window, in ns from the trace's start."""
    axis = page.get_by_test_id("timeline-axis")
    return float(axis.get_attribute("data-view-start-ns")), float(
        axis.get_attribute("data-view-end-ns")
    )


def wait_window_change(page: Any, before: tuple[float, float]) -> tuple[float, float]:
    wait_until(
        page,
        """([start, end]) => {
            const axis = document.querySelector('[data-testid=timeline-axis]');
            return Number(axis.dataset.viewStartNs) !== start
                || Number(axis.dataset.viewEndNs) !== end;
        }""",
        arg=list(before),
    )
    return window_of(page)


def bar(page: Any, seeded: TimelineSeed, name: str) -> Any:
    return page.locator(f"[data-span-id='{seeded.span_ids[name]}'] .bar")


def bar_width(page: Any, seeded: TimelineSeed, name: str) -> float:
    box = bar(page, seeded, name).bounding_box()
    assert box is not None
    return float(box["width"])


def test_keyboard_zooms_around_the_selected_span_and_pans(seeded_server: Server, page: Any) -> None:
    url, seeded = seeded_server
    open_trace(page, url, seeded)
    assert window_of(page) == (0, 1_000 * MS)
    assert bar_width(page, seeded, "blip") <= 2
    zoom_in = page.get_by_role("button", name="Zoom in")
    reset = page.get_by_role("button", name="Reset zoom")
    expect(reset).to_be_disabled()

    axis = page.get_by_role("slider", name="Timeline window")
    axis.focus()
    for _ in range(40):  # 2x a press: the narrowest window is reached well before 40
        if zoom_in.is_disabled():
            break
        before = window_of(page)
        page.keyboard.press("+")
        wait_window_change(page, before)
    expect(zoom_in).to_be_disabled()
    start, end = window_of(page)
    assert start < BLIP_END and end > BLIP_START  # the zoom kept the span in view
    assert end - start <= 20_000
    assert bar_width(page, seeded, "blip") >= 20
    # The other spans are outside the window: no bars drawn for them.
    expect(bar(page, seeded, "prepare")).to_have_count(0)
    # Keys on the timeline do not move the tree's selection.
    assert f"span={seeded.span_ids['blip']}" in page.url

    # Right pans later, Left earlier, by a part of the window; the width stays.
    page.keyboard.press("ArrowRight")
    moved = wait_window_change(page, (start, end))
    assert moved[0] > start
    assert moved[1] - moved[0] == pytest.approx(end - start)
    page.keyboard.press("ArrowLeft")
    back = wait_window_change(page, moved)
    assert back[0] == pytest.approx(start)

    page.keyboard.press("-")
    wider = wait_window_change(page, back)
    assert wider[1] - wider[0] == pytest.approx(2 * (end - start))
    page.keyboard.press("0")
    wait_window_change(page, wider)
    assert window_of(page) == (0, 1_000 * MS)
    expect(reset).to_be_disabled()
    assert bar_width(page, seeded, "blip") <= 2


def assert_in_view(page: Any, span_id: str) -> None:
    """The span's bar lies inside the timeline's columns and its row inside the tree's box."""
    drawn = page.locator(f"[data-span-id='{span_id}'] .bar")
    expect(drawn).to_have_count(1)
    box = drawn.bounding_box()
    column = page.get_by_test_id("timeline-axis").bounding_box()
    body = page.locator(".span-tree-body").bounding_box()
    assert box is not None and column is not None and body is not None
    assert column["x"] - 1 <= box["x"]
    assert box["x"] + box["width"] <= column["x"] + column["width"] + 1
    assert body["y"] - 1 <= box["y"]
    assert box["y"] + box["height"] <= body["y"] + body["height"] + 1


def zoom_in_at_the_start(page: Any, presses: int) -> tuple[float, float]:
    page.get_by_role("slider", name="Timeline window").focus()
    for _ in range(presses):
        before = window_of(page)
        page.keyboard.press("+")
        wait_window_change(page, before)
    before = window_of(page)
    page.keyboard.press("Home")
    start, end = wait_window_change(page, before)
    assert start == 0
    return start, end


def test_selecting_a_span_out_of_view_brings_its_bar_into_the_window(
    seeded_server: Server, page: Any
) -> None:
    url, seeded = seeded_server
    open_trace(page, url, seeded, span="prepare")
    start, end = zoom_in_at_the_start(page, 3)
    assert end - start == pytest.approx(125 * MS)
    cleanup, call_model = seeded.span_ids["cleanup"], seeded.span_ids["call_model"]
    expect(bar(page, seeded, "cleanup")).to_have_count(0)  # at 900 ms: far outside

    # Chosen by its name in the tree: the window pans to it and keeps its width.
    page.locator(f"[data-span-id='{cleanup}'] .span-name").click()
    page.wait_for_url(f"**span={cleanup}")
    moved = wait_window_change(page, (start, end))
    assert moved[1] - moved[0] == pytest.approx(end - start)
    assert moved[0] <= SPANS["cleanup"][1] and SPANS["cleanup"][2] <= moved[1]
    assert_in_view(page, cleanup)

    # A span longer than the window (prepare: 300 ms) widens the window to fit it; one that
    # fills the window (call_model: 300 to 990 ms) leaves it alone.
    page.locator(f"[data-span-id='{call_model}'] .span-name").click()
    page.wait_for_url(f"**span={call_model}")
    assert window_of(page) == moved
    prepare = seeded.span_ids["prepare"]
    page.locator(f"[data-span-id='{prepare}'] .span-name").click()
    wider = wait_window_change(page, moved)
    assert wider[0] <= SPANS["prepare"][1] and SPANS["prepare"][2] <= wider[1]
    assert wider[1] - wider[0] < 400 * MS  # zoomed out only as far as needed
    assert_in_view(page, prepare)

    # The window is the user's again: zooming in around the selection is not undone.
    page.get_by_role("slider", name="Timeline window").focus()
    page.keyboard.press("+")
    narrower = wait_window_change(page, wider)
    assert narrower[1] - narrower[0] == pytest.approx((wider[1] - wider[0]) / 2)


def test_a_deep_link_a_find_and_the_keyboard_bring_row_and_bar_into_view(
    seeded_server: Server, page: Any
) -> None:
    url, seeded = seeded_server
    last = f"{9_999:016x}"
    # A deep link to the last of 10,000 spans: its row is scrolled to, far below.
    page.goto(f"{url}/traces/{seeded.big_trace_id}?span={last}")
    expect(page.get_by_text("Spans (10,000 shown)")).to_be_visible()
    assert_in_view(page, last)

    start, end = zoom_in_at_the_start(page, 4)
    assert end - start == pytest.approx(10_000 * MS / 16, rel=0.01)
    # A find, 5 s in: the window pans there.
    page.get_by_label("Find span").fill("step 5005")
    page.keyboard.press("Enter")
    found = f"{5_005:016x}"
    page.wait_for_url(f"**span={found}")
    moved = wait_window_change(page, (start, end))
    assert moved[1] - moved[0] == pytest.approx(end - start)
    assert_in_view(page, found)

    # End in the tree: the last span again, its row far below and its bar 10 s in.
    page.get_by_role("tree", name="Spans").focus()
    page.keyboard.press("End")
    page.wait_for_url(f"**span={last}")
    wait_window_change(page, moved)
    assert_in_view(page, last)


def test_ctrl_wheel_zooms_around_the_pointer(seeded_server: Server, page: Any) -> None:
    url, seeded = seeded_server
    open_trace(page, url, seeded)
    assert bar_width(page, seeded, "blip") <= 2
    # As a person would: point at the bar, Ctrl + wheel, point at it again, ...
    for _ in range(40):
        box = bar(page, seeded, "blip").bounding_box()
        assert box is not None, "the zoom lost the span"
        if box["width"] >= 20:
            break
        before = window_of(page)
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.keyboard.down("Control")
        page.mouse.wheel(0, -400)
        page.keyboard.up("Control")
        wait_window_change(page, before)
    assert bar_width(page, seeded, "blip") >= 20
    start, end = window_of(page)
    assert start < BLIP_END and end > BLIP_START
    # Ctrl + wheel did not zoom the page itself.
    assert page.evaluate("window.visualViewport.scale") == 1


def test_plain_wheel_over_the_axis_zooms_and_over_the_rows_does_not(
    seeded_server: Server, page: Any
) -> None:
    url, seeded = seeded_server
    open_trace(page, url, seeded)
    row = page.locator(f"[data-span-id='{seeded.span_ids['stream']}'] .timeline-col")
    row.hover()
    page.mouse.wheel(0, -400)
    page.get_by_test_id("timeline-axis").hover()
    page.mouse.wheel(0, -400)
    start, end = wait_window_change(page, (0, 1_000 * MS))
    # One notch of 400 px zooms 4x, around the pointer; the rows' wheel changed nothing.
    assert end - start == pytest.approx(250 * MS)


def test_dragging_pans_and_a_click_still_selects(seeded_server: Server, page: Any) -> None:
    url, seeded = seeded_server
    open_trace(page, url, seeded)
    page.get_by_role("slider", name="Timeline window").focus()
    for _ in range(3):
        before = window_of(page)
        page.keyboard.press("+")
        wait_window_change(page, before)
    start, end = window_of(page)
    assert end - start == pytest.approx(125 * MS)

    # Drag the bars of a row to the left: later times come into view.
    column = page.locator(f"[data-span-id='{seeded.span_ids['call_model']}'] .timeline-col")
    box = column.bounding_box()
    assert box is not None
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.6, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.4, y, steps=5)
    page.mouse.up()
    moved = wait_window_change(page, (start, end))
    assert moved[0] == pytest.approx(start + 0.2 * (end - start), rel=0.05)
    assert moved[1] - moved[0] == pytest.approx(end - start)
    # The drag selected nothing; a click still selects its row.
    assert f"span={seeded.span_ids['blip']}" in page.url
    column.click()
    page.wait_for_url(f"**span={seeded.span_ids['call_model']}")

    # Dragging the axis pans too: to the right shows earlier times.
    axis = page.get_by_test_id("timeline-axis")
    box = axis.bounding_box()
    assert box is not None
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.3, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.5, y, steps=5)
    page.mouse.up()
    again = wait_window_change(page, moved)
    assert again[0] == pytest.approx(moved[0] - 0.2 * (end - start), rel=0.05)


def test_the_minimap_shows_the_window_and_dragging_it_moves_the_view(
    seeded_server: Server, page: Any
) -> None:
    url, seeded = seeded_server
    open_trace(page, url, seeded)
    minimap = page.get_by_test_id("timeline-minimap")
    shown = page.get_by_test_id("minimap-window")
    strip = minimap.bounding_box()
    full = shown.bounding_box()
    assert strip is not None and full is not None
    assert full["width"] == pytest.approx(strip["width"], abs=3)

    page.get_by_role("slider", name="Timeline window").focus()
    for _ in range(2):
        before = window_of(page)
        page.keyboard.press("+")
        wait_window_change(page, before)
    start, end = window_of(page)
    total = 1_000 * MS
    box = shown.bounding_box()
    assert box is not None
    # The window on the minimap is where the view is, as a share of the whole trace.
    assert (box["x"] - strip["x"]) / strip["width"] == pytest.approx(start / total, abs=0.01)
    assert box["width"] / strip["width"] == pytest.approx((end - start) / total, abs=0.01)

    # Drag the window to the right by a tenth of the strip: the view moves by a tenth.
    y = box["y"] + box["height"] / 2
    x = box["x"] + box["width"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + strip["width"] / 10, y, steps=4)
    page.mouse.up()
    moved = wait_window_change(page, (start, end))
    assert moved[0] == pytest.approx(start + total / 10, rel=0.02)
    assert moved[1] - moved[0] == pytest.approx(end - start)
    after = shown.bounding_box()
    assert after is not None
    assert after["x"] - box["x"] == pytest.approx(strip["width"] / 10, abs=2)

    # A press beside the window centres the window there.
    page.mouse.click(strip["x"] + strip["width"] * 0.1, y)
    centred = wait_window_change(page, moved)
    assert (centred[0] + centred[1]) / 2 == pytest.approx(0.125 * total, rel=0.02)


def test_critical_path_toggle_marks_exactly_the_chain(
    seeded_server: Server, scan_page: Any
) -> None:
    url, seeded = seeded_server
    page = scan_page
    open_trace(page, url, seeded)
    marked = page.locator("[role=treeitem][data-critical]")
    expect(marked).to_have_count(0)
    toggle = page.get_by_role("button", name="Critical path")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    expect(marked).to_have_count(len(CRITICAL))
    expect(marked.locator(".span-name")).to_have_text(CRITICAL)
    # Screen readers hear it too, not only the colour.
    expect(marked.first).to_contain_text("on the critical path")
    # The minimap draws the chain in its own colour: one segment per span.
    assert page.locator(".minimap-critical").get_attribute("d").count("M") == len(CRITICAL)

    # Zoomed in and marked, in dark mode: no serious accessibility violations.
    page.get_by_role("slider", name="Timeline window").focus()
    page.keyboard.press("+")
    expect(page.get_by_role("button", name="Reset zoom")).to_be_enabled()
    assert_no_serious_violations(page, "the trace timeline, zoomed, critical path on")

    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "false")
    expect(marked).to_have_count(0)
    assert page.locator(".minimap-critical").get_attribute("d") == ""


def test_a_10000_span_trace_renders_only_the_bars_in_view(seeded_server: Server, page: Any) -> None:
    url, seeded = seeded_server
    page.goto(f"{url}/traces/{seeded.big_trace_id}")
    expect(page.get_by_text("Spans (10,000 shown)")).to_be_visible()
    rows = page.get_by_role("treeitem")
    expect(rows.first).to_be_visible()
    assert rows.count() < 100
    assert page.locator(".span-tree-body .bar").count() < 100
    # The minimap draws every span as one path, not 10,000 elements.
    assert page.locator(".minimap path").count() == 3
    assert page.locator(".minimap-spans").get_attribute("d").count("M") == 10_000

    page.get_by_role("slider", name="Timeline window").focus()
    for _ in range(4):
        before = window_of(page)
        page.keyboard.press("+")
        wait_window_change(page, before)
    start, end = window_of(page)
    assert end - start == pytest.approx(10_000 * MS / 16, rel=0.01)
    # Zoomed in, the rows outside the window draw no bar at all.
    assert rows.count() < 100
    assert page.locator(".span-tree-body .bar").count() <= rows.count()

    page.get_by_role("button", name="Critical path").click()
    # big_root, then the chain head that ends last (step 9990), then its last step.
    assert page.locator(".minimap-critical").get_attribute("d").count("M") == 3
    tree = page.get_by_role("tree", name="Spans")
    tree.focus()
    page.keyboard.press("End")
    expect(tree.locator("[role=treeitem][aria-selected=true] .span-name")).to_have_text("step 9999")
    expect(tree.locator("[role=treeitem][data-critical] .span-name")).to_contain_text(
        ["step 9990", "step 9999"]
    )
