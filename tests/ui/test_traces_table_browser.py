"""The traces table's token columns in a real Chromium: tokens in and out each in a column,
each sorted by the server (order_by), the total one click away in the column picker."""

from __future__ import annotations

import time
from typing import Any

import orjson
from playwright.sync_api import expect

from spanscope.constants import TraceMetadataKey
from spanscope.entities import Span, Trace, TraceData, TraceInfo, TraceState
from spanscope.store.rest import RestTraceStore
from tests.ui.seed import Seeded
from tests.ui.test_browser import table_rows, wait_rows

Server = tuple[str, Seeded]
# name -> (tokens in, tokens out), or no usage; newest first by request time in this order, so
# neither token order is the table's default order.
_USAGE: dict[str, tuple[int, int] | None] = {
    "short-answer": (900, 12),
    "no-llm-call": None,
    "long-answer": (40, 750),
    "middle": (310, 95),
}


def _trace(index: int, name: str, request_time: int) -> Trace:
    trace_id = f"{0x70CE0000 + index:032x}"
    start_ns = request_time * 1_000_000
    root = Span.from_dict(
        {
            "trace_id": trace_id,
            "span_id": f"{1:016x}",
            "parent_id": None,
            "name": name,
            "span_type": "AGENT",
            "start_time_ns": start_ns,
            "end_time_ns": start_ns + 50_000_000,
            "status": {"code": "OK", "message": ""},
        }
    )
    metadata = {}
    counts = _USAGE[name]
    if counts is not None:
        usage = {"input_tokens": counts[0], "output_tokens": counts[1]}
        usage["total_tokens"] = counts[0] + counts[1]
        metadata[TraceMetadataKey.TOKEN_USAGE] = orjson.dumps(usage).decode()
    info = TraceInfo(
        trace_id=trace_id,
        request_time=request_time,
        execution_duration=50,
        state=TraceState.OK,
        name=name,
        metadata=metadata,
    )
    return Trace(info, TraceData([root]))


def _seed(url: str) -> str:
    store = RestTraceStore(url)
    experiment_id = store.create_experiment(f"tokens-{time.time_ns()}")
    now = time.time_ns() // 1_000_000
    made = [_trace(i, name, now - i * 60_000) for i, name in enumerate(_USAGE)]
    for trace in made:
        trace.info.experiment_id = experiment_id
    store.write_traces(made)
    store.close()
    return experiment_id


def _names(page: Any) -> list[str]:
    return [t.strip() for t in table_rows(page).locator("td.col-name").all_inner_texts()]


def _cells(page: Any, column: str) -> list[str]:
    cells = table_rows(page).locator(f"td[data-column={column}]")
    return [t.strip() for t in cells.all_inner_texts()]


def _sort_by(page: Any, label: str, sort: str, names: list[str]) -> None:
    """Click a column's header; wait for the address to hold `sort` and the rows `names`."""
    page.locator("[data-testid=traces-table] thead").get_by_role("button", name=label).click()
    page.wait_for_url(f"**sort={sort.replace(' ', '+')}*")
    expect(table_rows(page).locator("td.col-name")).to_have_text(names)


def test_tokens_in_and_out_are_columns_sorted_by_the_server(
    seeded_server: Server, page: Any, screenshot: Any
) -> None:
    url, _ = seeded_server
    experiment_id = _seed(url)
    page.goto(f"{url}/experiments/{experiment_id}/traces")
    wait_rows(page, 4)
    header = page.locator("[data-testid=traces-table] thead")
    expect(header).to_contain_text("Tokens in")
    expect(header).to_contain_text("Tokens out")
    expect(header).not_to_contain_text("Total tokens")  # in the column picker
    assert _names(page) == ["short-answer", "no-llm-call", "long-answer", "middle"]
    assert _cells(page, "tokensIn") == ["900", "—", "40", "310"]
    assert _cells(page, "tokensOut") == ["12", "—", "750", "95"]

    # Most output first, a trace without usage last; the order comes from the server.
    _sort_by(
        page,
        "Tokens out",
        "output_tokens DESC",
        ["long-answer", "middle", "short-answer", "no-llm-call"],
    )
    assert _cells(page, "tokensOut") == ["750", "95", "12", "—"]
    assert header.get_by_role("button", name="Tokens out").inner_text().endswith("▼")
    screenshot("traces-tokens-sorted")

    _sort_by(
        page,
        "Tokens out",
        "output_tokens ASC",
        ["no-llm-call", "short-answer", "middle", "long-answer"],
    )
    assert _cells(page, "tokensOut") == ["—", "12", "95", "750"]

    _sort_by(
        page,
        "Tokens in",
        "input_tokens DESC",
        ["short-answer", "middle", "long-answer", "no-llm-call"],
    )
    assert _cells(page, "tokensIn") == ["900", "310", "40", "—"]

    # The total, once shown, sorts too.
    page.locator("summary", has_text="Columns").click()
    page.locator(".dropdown-menu label", has_text="Total tokens").locator("input").check()
    page.locator("summary", has_text="Columns").click()
    _sort_by(
        page,
        "Total tokens",
        "total_tokens DESC",
        ["short-answer", "long-answer", "middle", "no-llm-call"],
    )
    assert _cells(page, "tokens") == ["912", "790", "405", "—"]

    # The sort survives a reload: it is in the address.
    page.reload()
    wait_rows(page, 4)
    assert _names(page) == ["short-answer", "long-answer", "middle", "no-llm-call"]
