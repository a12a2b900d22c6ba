"""The experiment dashboard in a real Chromium: every chart renders for seeded traces, grouping
by model changes the series, a click on a bucket lists its traces; no console errors."""

from __future__ import annotations

import json
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
_HOUR = 3_600_000
_MODELS = ("gpt-4o-mini", "claude-sonnet-4")
# The chart's plot margins (ui/src/components/MetricsChart.tsx, GRID).
_LEFT, _RIGHT, _BOTTOM = 56, 16, 28


def _trace(index: int, request_time: int, model: str, failed: bool) -> Trace:
    trace_id = f"{0xDA5B0000 + index:032x}"
    start_ns = request_time * 1_000_000
    spans = [
        Span.from_dict(
            {
                "trace_id": trace_id,
                "span_id": f"{1:016x}",
                "parent_id": None,
                "name": "answer",
                "span_type": "AGENT",
                "start_time_ns": start_ns,
                "end_time_ns": start_ns + (200 + 37 * (index % 9)) * 1_000_000,
                "status": {"code": "ERROR" if failed else "OK", "message": ""},
            }
        ),
        Span.from_dict(
            {
                "trace_id": trace_id,
                "span_id": f"{2:016x}",
                "parent_id": f"{1:016x}",
                "name": "chat",
                "span_type": "CHAT_MODEL",
                "start_time_ns": start_ns + 1_000_000,
                "end_time_ns": start_ns + 150_000_000,
                "status": {"code": "OK", "message": ""},
                "attributes": {"gen_ai.request.model": model},
            }
        ),
    ]
    usage = {"input_tokens": 100 + index, "output_tokens": 20 + index % 7}
    usage["total_tokens"] = usage["input_tokens"] + usage["output_tokens"]
    info = TraceInfo(
        trace_id=trace_id,
        experiment_id="",
        request_time=request_time,
        execution_duration=200 + 37 * (index % 9),
        state=TraceState.ERROR if failed else TraceState.OK,
        name="answer",
        metadata={TraceMetadataKey.TOKEN_USAGE: orjson.dumps(usage).decode()},
    )
    return Trace(info, TraceData(spans))


def _seed(url: str) -> tuple[str, list[Trace]]:
    """An experiment with traces over the last day, two models, some failing."""
    store = RestTraceStore(url)
    experiment_id = store.create_experiment(f"dashboard-demo-{time.time_ns()}")
    now = time.time_ns() // 1_000_000
    made = []
    for i in range(60):
        made.append(
            _trace(i, now - (i * 23 * _HOUR) // 60 - 60_000, _MODELS[i % 3 == 0], i % 5 == 0)
        )
    for trace in made:
        trace.info.experiment_id = experiment_id
    store.write_traces(made)
    store.close()
    return experiment_id, made


def _series(page: Any, chart: str) -> list[str]:
    canvas = page.get_by_test_id(f"chart-{chart}").locator(".metrics-canvas")
    names: list[str] = json.loads(canvas.get_attribute("data-series") or "[]")
    return names


def test_dashboard_charts_group_by_and_click_through(
    seeded_server: Server, page: Any, screenshot: Any
) -> None:
    url, _ = seeded_server
    experiment_id, made = _seed(url)
    page.goto(f"{url}/experiments/{experiment_id}/traces")
    page.get_by_role("link", name="Dashboard").click()
    page.get_by_label("Bucket").select_option("hour")
    for chart in ("traces", "errors", "latency", "tokens"):
        expect(page.get_by_test_id(f"chart-{chart}").locator("canvas")).to_have_count(1)
    expect(page.get_by_test_id("dashboard-total")).to_have_text("60 traces")
    assert _series(page, "traces") == ["Traces"]
    assert _series(page, "latency") == ["p50", "p95"]

    page.get_by_label("Group by").select_option("model")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=chart-traces] .metrics-canvas')"
        ".dataset.series.includes('claude')"
    )
    assert _series(page, "traces") == list(_MODELS)  # 40 and 20 traces: the larger first
    assert _series(page, "tokens") == [
        "gpt-4o-mini · in",
        "gpt-4o-mini · out",
        "claude-sonnet-4 · in",
        "claude-sonnet-4 · out",
    ]
    screenshot("dashboard")

    page.get_by_label("Group by").select_option("")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=chart-traces] .metrics-canvas')"
        ".dataset.series === '[\"Traces\"]'"
    )
    canvas = page.get_by_test_id("chart-traces").locator(".metrics-canvas")
    buckets: list[int] = json.loads(canvas.get_attribute("data-buckets") or "[]")
    target = made[30].info.request_time
    index = max(i for i, start in enumerate(buckets) if start <= target)
    expected = sum(buckets[index] <= t.info.request_time < buckets[index] + _HOUR for t in made)
    box = canvas.bounding_box()
    width = box["width"] - _LEFT - _RIGHT
    # Just above the x axis: inside the bucket's column, below every point of it.
    canvas.click(
        position={
            "x": _LEFT + (index + 0.5) * width / len(buckets),
            "y": box["height"] - _BOTTOM - 2,
        }
    )
    page.wait_for_url(f"{url}/experiments/{experiment_id}/traces?filter=*")
    wait_rows(page, expected)
    filter_box = page.get_by_role("textbox", name="Filter")
    assert filter_box.input_value() == (
        f"timestamp_ms >= {buckets[index]} AND timestamp_ms < {buckets[index] + _HOUR}"
    )
    assert table_rows(page).count() == expected
