"""What new users tripped over in the traces, trace and sessions pages, in a real Chromium
against a real server: a failed trace opens on its failing span, the table's page lives in the
URL, the total of matches shows and "select all" reaches every match, a session chosen low in
the list shows in the viewport, previews read as text."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
import orjson
import pytest
from playwright.sync_api import expect

from spanscope.constants import TraceMetadataKey
from spanscope.entities import Trace
from spanscope.store.rest import RestTraceStore
from tests.ui.page_wait import wait_until
from tests.ui.seed import Seeded
from tests.ui.test_browser import table_rows, wait_rows

Server = tuple[str, Seeded]
PAGED = 120  # traces of the paging experiment that match its filter: three pages of 50
OTHERS = 7  # and traces that do not
SESSIONS = 40
LONG_FRAME = '  File "/srv/app/' + "very_long_directory_name/" * 16 + 'tool.py", line 7'
FAILURE = "the upstream tool answered 503"
GROUP_A = quote("tags.group = 'a'")
BARE = quote("name = 'bare'")


@dataclass
class RoundTwo:
    experiment_id: str
    failing_trace_id: str
    paging_experiment_id: str
    sessions_experiment_id: str
    previews_experiment_id: str
    sub_ms_trace_id: str


def _span(
    trace_id: str,
    n: int,
    parent: int | None,
    name: str,
    start_ns: int,
    *,
    error: bool = False,
    events: list[dict[str, Any]] | None = None,
    inputs: Any = None,
    outputs: Any = None,
) -> dict[str, Any]:
    return {
        "trace_id": trace_id,
        "span_id": f"{n:016x}",
        "parent_id": None if parent is None else f"{parent:016x}",
        "name": name,
        "span_type": "TOOL" if parent is not None else "AGENT",
        "start_time_ns": start_ns + n * 1_000_000,
        "end_time_ns": start_ns + n * 1_000_000 + 500_000,
        "status": {"code": "ERROR" if error else "OK", "message": FAILURE if error else ""},
        "inputs": inputs,
        "outputs": outputs,
        "attributes": {},
        "events": events or [],
    }


def _trace(
    trace_id: str,
    experiment_id: str,
    request_time: int,
    name: str,
    spans: list[dict[str, Any]],
    *,
    state: str = "OK",
    duration_ms: int = 5,
    metadata: dict[str, str] | None = None,
    tags: dict[str, str] | None = None,
    request_preview: str | None = None,
    response_preview: str | None = None,
) -> Trace:
    info = {
        "trace_id": trace_id,
        "experiment_id": experiment_id,
        "request_time": request_time,
        "execution_duration": duration_ms,
        "state": state,
        "name": name,
        "request_preview": request_preview,
        "response_preview": response_preview,
        "metadata": metadata or {},
        "tags": tags or {},
    }
    return Trace.from_dict({"info": info, "data": {"spans": spans}})


def _failing_trace(experiment_id: str, now_ms: int) -> Trace:
    """agent (ERROR) > plan (OK), call_tool (ERROR) > http_get (ERROR, raised here), retry
    (ERROR, as deep but later): http_get is where it failed."""
    trace_id = "f" * 31 + "1"
    start = now_ms * 1_000_000
    stack = "Traceback (most recent call last):\n" + LONG_FRAME + "\nUpstreamError: " + FAILURE
    raised = {
        "name": "exception",
        "timestamp_ns": start + 4_000_000,
        "attributes": {
            "exception.type": "UpstreamError",
            "exception.message": FAILURE,
            "exception.stacktrace": stack,
        },
    }
    spans = [
        _span(trace_id, 1, None, "agent", start, error=True),
        _span(trace_id, 2, 1, "plan", start),
        _span(trace_id, 3, 1, "call_tool", start, error=True),
        _span(trace_id, 4, 3, "http_get", start, error=True, events=[raised]),
        _span(trace_id, 5, 1, "report", start, error=True),
        _span(trace_id, 6, 5, "retry", start, error=True),
    ]
    return _trace(trace_id, experiment_id, now_ms, "agent", spans, state="ERROR")


@pytest.fixture(scope="module")
def round_two(seeded_server: Server) -> Iterator[RoundTwo]:
    url, _ = seeded_server
    store = RestTraceStore(url)
    suffix = time.time_ns()
    now = time.time_ns() // 1_000_000
    experiment_id = store.create_experiment(f"failures-{suffix}")
    store.write_traces([_failing_trace(experiment_id, now)])

    paging = store.create_experiment(f"paging-{suffix}")
    made = []
    for i in range(PAGED + OTHERS):
        trace_id = f"{0x9A000000 + i:032x}"
        start = (now - i * 1000) * 1_000_000
        group = "a" if i < PAGED else "b"
        made.append(
            _trace(
                trace_id,
                paging,
                now - i * 1000,
                f"paging-{i:03d}",
                [_span(trace_id, 1, None, f"paging-{i:03d}", start)],
                tags={"group": group},
            )
        )
    store.write_traces(made)

    sessions = store.create_experiment(f"sessions-{suffix}")
    turns = []
    for i in range(SESSIONS):
        for turn in range(2):
            trace_id = f"{0x5E000000 + i * 2 + turn:032x}"
            start = (now - i * 60_000 + turn * 1000) * 1_000_000
            question = f"question {turn} of session {i:02d} " + "with a long tail " * 40 + "END"
            answer = f"answer {turn} of session {i:02d}"
            usage = {"input_tokens": 10 + i, "output_tokens": 5, "total_tokens": 15 + i}
            turns.append(
                _trace(
                    trace_id,
                    sessions,
                    now - i * 60_000 + turn * 1000,
                    "chat_turn",
                    [
                        _span(
                            trace_id,
                            1,
                            None,
                            "chat_turn",
                            start,
                            error=(i == SESSIONS - 1 and turn == 1),
                            inputs={"question": question},
                            outputs=answer,
                        )
                    ],
                    state="ERROR" if (i == SESSIONS - 1 and turn == 1) else "OK",
                    duration_ms=100 + turn,
                    metadata={
                        TraceMetadataKey.SESSION: f"conv-{i:02d}",
                        TraceMetadataKey.USER: f"user-{i % 3}",
                        TraceMetadataKey.TOKEN_USAGE: orjson.dumps(usage).decode(),
                    },
                    request_preview=orjson.dumps({"question": question}).decode()[:300],
                    response_preview=orjson.dumps(answer).decode(),
                )
            )
    store.write_traces(turns)

    previews = store.create_experiment(f"previews-{suffix}")
    store.write_traces(_preview_traces(previews, now))
    store.close()
    yield RoundTwo(
        experiment_id,
        _failing_trace(experiment_id, now).info.trace_id,
        paging,
        sessions,
        previews,
        SUB_MS_TRACE,
    )


SUB_MS_TRACE = "e" * 31 + "1"
REPR = "<openai.OpenAI object at 0x7f3a2b1c9d90>"
MESSAGES = [
    {"role": "system", "content": "You are terse."},
    {"role": "user", "content": "what is a span?"},
    {"role": "assistant", "content": "a timed step"},
    {"role": "user", "content": "and a trace? " + "please explain at length " * 20},
]


def _preview_traces(experiment_id: str, now: int) -> list[Trace]:
    """A sub-millisecond call whose inputs hold a client's repr, a chat call (its preview cut
    at 300 characters), and a trace with nothing to preview, no session and no user."""
    made = []
    specs: list[tuple[str, str, str | None, str | None, str | None, str | None]] = [
        (
            SUB_MS_TRACE,
            "repr-call",
            orjson.dumps({"client": REPR, "question": "why is the sky blue"}).decode(),
            orjson.dumps("light scatters").decode(),
            "sess-b",
            "zed",
        ),
        (
            "e" * 31 + "2",
            "chat-call",
            orjson.dumps({"messages": MESSAGES}).decode()[:300],
            None,
            "sess-a",
            "amy",
        ),
        ("e" * 31 + "3", "bare", None, None, None, None),
    ]
    for i, (trace_id, name, request, response, session, user) in enumerate(specs):
        start = (now - i * 1000) * 1_000_000
        root = _span(trace_id, 1, None, name, start)
        root["end_time_ns"] = root["start_time_ns"] + 93_000  # 93 µs
        metadata = {}
        if session:
            metadata[TraceMetadataKey.SESSION] = session
        if user:
            metadata[TraceMetadataKey.USER] = user
        made.append(
            _trace(
                trace_id,
                experiment_id,
                now - i * 1000,
                name,
                [root],
                duration_ms=0,
                metadata=metadata,
                request_preview=request,
                response_preview=response,
            )
        )
    return made


def test_a_failed_trace_opens_on_its_failing_span(
    seeded_server: Server, round_two: RoundTwo, page: Any, screenshot: Any
) -> None:
    url, _ = seeded_server
    page.goto(f"{url}/traces/{round_two.failing_trace_id}")
    selected = page.locator("[role=treeitem][aria-selected=true]")
    expect(selected).to_contain_text("http_get")
    detail = page.get_by_test_id("span-detail")
    exception = detail.get_by_test_id("exception")
    expect(exception).to_contain_text("UpstreamError")
    expect(exception).to_contain_text(FAILURE)
    stack = exception.get_by_test_id("stacktrace")
    expect(stack).to_be_visible()
    assert "tool.py" in stack.inner_text()
    # The long frame wraps: nothing of it lies past the stack trace's right edge.
    overflow = stack.evaluate("el => el.scrollWidth - el.clientWidth")
    assert overflow <= 0
    lines = stack.evaluate("el => el.getBoundingClientRect().height")
    assert lines > 3 * 14  # three short lines would be ~3 line heights; the long one wraps
    screenshot("round-two-failing-span")


def test_the_seeded_failed_run_opens_on_check_stock(seeded_server: Server, page: Any) -> None:
    url, seeded = seeded_server
    page.goto(f"{url}/traces/{seeded.failing_trace_id}")
    expect(page.locator("[role=treeitem][aria-selected=true]")).to_contain_text("check_stock")
    expect(page.get_by_test_id("span-detail").get_by_test_id("exception")).to_contain_text(
        "WarehouseError"
    )


def test_an_ok_trace_still_opens_on_its_root(seeded_server: Server, page: Any) -> None:
    url, seeded = seeded_server
    page.goto(f"{url}/traces/{seeded.agent_trace_id}")
    expect(page.locator("[role=treeitem][aria-selected=true]")).to_contain_text("support_agent")


def _names(page: Any) -> list[str]:
    return [t.strip() for t in table_rows(page).locator("td.col-name").all_inner_texts()]


def test_the_page_number_is_in_the_url_and_back_returns_to_it(
    seeded_server: Server, round_two: RoundTwo, page: Any
) -> None:
    url, _ = seeded_server
    traces_url = f"{url}/experiments/{round_two.paging_experiment_id}/traces"
    page.goto(f"{traces_url}?filter={GROUP_A}")
    wait_rows(page, 50)
    # The total of matches shows, and a pager sits above the table and below it.
    expect(page.get_by_test_id("total-count")).to_have_count(2)
    expect(page.get_by_test_id("total-count").first).to_have_text(f"{PAGED} traces")
    top = page.get_by_role("navigation", name="Pages (top)")
    bottom = page.get_by_role("navigation", name="Pages (bottom)")
    expect(bottom).to_be_visible()
    # Page 2 is held back, so page 1's rows stay on screen while it loads: Next must wait for
    # it (with page 1's token a second Next would show page 2 again, numbered 3).
    held: list[Any] = []
    page.route("**/api/v1/traces/search", lambda route: held.append(route))
    top.get_by_role("button", name="Next →").click()
    expect(top.get_by_test_id("page-number")).to_have_text("Page 2")
    expect(bottom.get_by_role("button", name="Next →")).to_be_disabled()
    expect(top.get_by_role("button", name="← Previous")).to_be_disabled()
    for route in held:
        route.continue_()
    page.unroute("**/api/v1/traces/search")
    expect(table_rows(page).first.locator("td.col-name")).to_have_text("paging-050")
    bottom.get_by_role("button", name="Next →").click()
    expect(top.get_by_test_id("page-number")).to_have_text("Page 3")
    wait_rows(page, PAGED - 100)
    assert "page=3" in page.url
    assert _names(page)[0] == "paging-100"

    table_rows(page).first.locator("td.col-name a").click()
    page.wait_for_url("**/traces/*")
    page.get_by_test_id("trace-summary").wait_for()
    page.go_back()
    expect(top.get_by_test_id("page-number")).to_have_text("Page 3")
    wait_rows(page, PAGED - 100)
    assert _names(page)[0] == "paging-100"
    assert "group" in page.get_by_label("Filter").first.input_value()
    expect(page.get_by_test_id("total-count").first).to_have_text(f"{PAGED} traces")

    # Previous steps back through the pages the history entry knows.
    top.get_by_role("button", name="← Previous").click()
    expect(top.get_by_test_id("page-number")).to_have_text("Page 2")
    wait_rows(page, 50)
    assert _names(page)[0] == "paging-050"
    # A reload keeps the page.
    page.reload()
    expect(top.get_by_test_id("page-number")).to_have_text("Page 2")
    wait_rows(page, 50)
    assert _names(page)[0] == "paging-050"


def test_select_all_matching_reaches_every_match(
    seeded_server: Server, round_two: RoundTwo, page: Any
) -> None:
    url, _ = seeded_server
    experiment = round_two.paging_experiment_id
    page.goto(f"{url}/experiments/{experiment}/traces?filter={GROUP_A}")
    wait_rows(page, 50)
    page.get_by_label("Select all", exact=True).check()
    offer = page.get_by_test_id("select-all-matching")
    expect(offer).to_contain_text("All 50 traces on this page are selected.")
    offer.get_by_role("button", name=f"Select all {PAGED} traces matching").click()
    expect(offer).to_contain_text(f"All {PAGED} traces matching are selected.")
    expect(page.locator(".bulk")).to_contain_text(f"{PAGED} selected")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(".bulk").get_by_role("button", name="Delete").click()
    expect(page.get_by_text("No traces match.")).to_be_visible()
    left = httpx.post(
        f"{url}/api/v1/traces/search",
        json={"experiment_ids": [experiment], "max_results": 1000},
    ).json()["traces"]
    assert sorted(t["info"]["tags"]["group"] for t in left) == ["b"] * OTHERS


def _in_viewport(locator: Any) -> bool:
    box = locator.bounding_box()
    assert box is not None
    height = locator.page.viewport_size["height"]
    return bool(box["y"] < height and box["y"] + box["height"] > 0)


def test_a_session_low_in_the_list_shows_in_the_viewport(
    seeded_server: Server, round_two: RoundTwo, page: Any, screenshot: Any
) -> None:
    url, _ = seeded_server
    page.goto(f"{url}/experiments/{round_two.sessions_experiment_id}/sessions")
    listed = page.get_by_test_id("session-list").locator(".session-item")
    expect(listed).to_have_count(SESSIONS)
    last = listed.filter(has_text=f"conv-{SESSIONS - 1}")
    last.scroll_into_view_if_needed()
    # Per session: tokens, latency and failures of its turns.
    figures = last.get_by_test_id("session-figures")
    expect(figures).to_have_text(f"{2 * (15 + SESSIONS - 1)} tokens201 ms1 error")
    last.click()
    conversation = page.get_by_test_id("conversation")
    answer = conversation.get_by_text(f"answer 0 of session {SESSIONS - 1}")
    expect(answer).to_be_visible()
    assert _in_viewport(conversation.locator("h2"))
    assert _in_viewport(answer)
    # Previews read as text: the question, not its JSON.
    first = conversation.get_by_test_id("turn").first
    expect(first).to_contain_text(f"question 0 of session {SESSIONS - 1}")
    assert '{"question"' not in first.inner_text()
    assert "END" not in first.inner_text()  # the preview is cut...
    first.get_by_role("button", name="Show full inputs and outputs").click()
    full = first.get_by_test_id("turn-full")
    full.get_by_role("button", name="show all 708 characters").click()
    expect(full).to_contain_text("with a long tail END")  # ...the whole input is one click away
    expect(full).to_contain_text(f"answer 0 of session {SESSIONS - 1}")
    screenshot("round-two-sessions")


def test_sessions_can_be_searched(seeded_server: Server, round_two: RoundTwo, page: Any) -> None:
    url, _ = seeded_server
    page.goto(f"{url}/experiments/{round_two.sessions_experiment_id}/sessions")
    listed = page.get_by_test_id("session-list").locator(".session-item")
    expect(listed).to_have_count(SESSIONS)
    page.get_by_label("Search sessions").fill("CONV-07")
    page.get_by_label("Search sessions").press("Enter")
    expect(listed).to_have_count(1)
    expect(listed.first).to_contain_text("conv-07")
    assert "q=CONV-07" in page.url
    page.get_by_label("Search sessions").fill("no-such-session")
    page.get_by_label("Search sessions").press("Enter")
    expect(page.get_by_text("No session matches.")).to_be_visible()


def _column(page: Any, column: str) -> list[str]:
    cells = table_rows(page).locator(f"td[data-column={column}]")
    return [t.strip() for t in cells.all_inner_texts()]


def test_previews_durations_and_empty_values_read_well(
    seeded_server: Server, round_two: RoundTwo, page: Any, screenshot: Any
) -> None:
    url, _ = seeded_server
    page.goto(f"{url}/experiments/{round_two.previews_experiment_id}/traces")
    wait_rows(page, 3)
    assert _names(page) == ["repr-call", "chat-call", "bare"]
    # Readable text, never raw JSON nor a Python repr.
    requests = _column(page, "request")
    assert requests[0] == "why is the sky blue"
    assert requests[1].startswith("and a trace? please explain")
    assert requests[2] == "—"
    assert _column(page, "response") == ["light scatters", "—", "—"]
    assert not any("object at 0x" in t or "{" in t for t in requests)
    # Empty values are a dash everywhere; sub-millisecond runs are never "0 ms".
    assert _column(page, "session") == ["sess-b", "sess-a", "—"]
    assert _column(page, "tags") == ["—", "—", "—"]
    assert _column(page, "latency") == ["< 1 ms"] * 3
    times = _column(page, "time")
    assert all(len(t) == 19 and t[4] == "-" and t[13] == ":" for t in times), times
    screenshot("round-two-previews")
    page.goto(f"{url}/traces/{round_two.sub_ms_trace_id}")
    expect(page.get_by_test_id("trace-duration")).to_have_text("93 µs")
    summary = page.get_by_test_id("trace-summary").inner_text()
    assert times[0] in summary  # one date format in the table and the explorer


def _header_widths(page: Any) -> list[float]:
    heads = page.locator("[data-testid=traces-table] thead th")
    return [round(b["width"]) for b in (h.bounding_box() for h in heads.all()) if b]


def test_column_widths_do_not_jump_between_filters(
    seeded_server: Server, round_two: RoundTwo, page: Any
) -> None:
    url, _ = seeded_server
    traces_url = f"{url}/experiments/{round_two.previews_experiment_id}/traces"
    page.goto(traces_url)
    wait_rows(page, 3)
    everything = _header_widths(page)
    page.goto(f"{traces_url}?filter={BARE}")
    wait_rows(page, 1)
    assert _header_widths(page) == everything


def test_session_and_user_columns_sort_on_the_server(
    seeded_server: Server, round_two: RoundTwo, page: Any
) -> None:
    url, _ = seeded_server
    page.goto(f"{url}/experiments/{round_two.previews_experiment_id}/traces")
    wait_rows(page, 3)
    session = page.locator("thead th", has=page.get_by_role("button", name="Session"))
    time_head = page.locator("thead th", has=page.get_by_role("button", name="Time"))
    expect(time_head).to_have_attribute("aria-sort", "descending")
    expect(session).to_have_attribute("aria-sort", "none")
    session.get_by_role("button").click()  # descending first
    expect(session).to_have_attribute("aria-sort", "descending")
    expect(time_head).to_have_attribute("aria-sort", "none")
    wait_until(
        page,
        "() => document.querySelector('[data-testid=traces-table] tbody td.col-name')"
        "?.innerText.trim() === 'repr-call'",
    )
    assert _names(page) == ["repr-call", "chat-call", "bare"]
    session.get_by_role("button").click()
    expect(session).to_have_attribute("aria-sort", "ascending")
    wait_until(
        page,
        "() => document.querySelector('[data-testid=traces-table] tbody td.col-name')"
        "?.innerText.trim() === 'bare'",
    )
    assert _names(page) == ["bare", "chat-call", "repr-call"]
    assert "sort=session_id" in page.url
    # The user column (hidden by default) sorts the same way, through order_by user_id.
    found = httpx.post(
        f"{url}/api/v1/traces/search",
        json={"experiment_ids": [round_two.previews_experiment_id], "order_by": ["user_id DESC"]},
    ).json()["traces"]
    assert [t["info"]["name"] for t in found] == ["repr-call", "chat-call", "bare"]
    # Token columns carry aria-sort too.
    tokens = page.locator("thead th", has=page.get_by_role("button", name="Tokens in"))
    expect(tokens).to_have_attribute("aria-sort", "none")
