"""The experiment dashboard in a real Chromium: every chart renders for seeded traces, grouping
by model changes the series, a click on a bucket lists its traces; no console errors. In dark
mode the charts (drawn on a canvas) take the theme's colours, and follow the toggle."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from playwright.sync_api import expect

from spanscope.constants import TraceMetadataKey
from spanscope.entities import Span, Trace, TraceData, TraceInfo, TraceState
from spanscope.store.rest import RestTraceStore
from tests.ui.a11y import assert_no_serious_violations
from tests.ui.a11y import scan_page as open_scan_page
from tests.ui.page_wait import wait_until
from tests.ui.seed import Seeded
from tests.ui.test_browser import table_rows, wait_rows

Server = tuple[str, Seeded]
_HOUR = 3_600_000
_MODELS = ("gpt-4o-mini", "claude-sonnet-4")
# The chart's plot margins (ui/src/components/MetricsChart.tsx, GRID).
_LEFT, _RIGHT, _TOP, _BOTTOM = 56, 16, 36, 28


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


@pytest.fixture(scope="module")
def seeded_dashboard(seeded_server: Server) -> tuple[str, list[Trace]]:
    """The dashboard's experiment, seeded once (its trace ids are fixed)."""
    return _seed(seeded_server[0])


def _series(page: Any, chart: str) -> list[str]:
    canvas = page.get_by_test_id(f"chart-{chart}").locator(".metrics-canvas")
    names: list[str] = json.loads(canvas.get_attribute("data-series") or "[]")
    return names


def test_dashboard_charts_group_by_and_click_through(
    seeded_server: Server, seeded_dashboard: tuple[str, list[Trace]], page: Any, screenshot: Any
) -> None:
    url, _ = seeded_server
    experiment_id, made = seeded_dashboard
    page.goto(f"{url}/experiments/{experiment_id}/traces")
    page.get_by_role("link", name="Dashboard").click()
    page.get_by_label("Bucket").select_option("hour")
    for chart in ("traces", "errors", "latency", "tokens"):
        expect(page.get_by_test_id(f"chart-{chart}").locator("canvas")).to_have_count(1)
    expect(page.get_by_test_id("dashboard-total")).to_have_text("60 traces")
    assert _series(page, "traces") == ["Traces"]
    assert _series(page, "latency") == ["p50", "p95"]

    page.get_by_label("Group by").select_option("model")
    wait_until(
        page,
        "() => document.querySelector('[data-testid=chart-traces] .metrics-canvas')"
        ".dataset.series.includes('claude')",
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
    wait_until(
        page,
        "() => document.querySelector('[data-testid=chart-traces] .metrics-canvas')"
        ".dataset.series === '[\"Traces\"]'",
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


# The chart's text against its background, as the canvas drew them: the colour of the panel
# behind the (transparent) canvas, and, among the pixels of the y axis's labels, the one
# farthest from it in luminance (a glyph's core, not its anti-aliased edge).
_DRAWN_CONTRAST = """([left, top, bottom]) => {
    const chart = document.querySelector('[data-testid=chart-traces]');
    const canvas = chart.querySelector('canvas');
    const rgb = (css) => {
        const probe = document.createElement('span');
        probe.style.color = css;
        document.body.append(probe);
        const parts = getComputedStyle(probe).color.match(/[\\d.]+/g).map(Number);
        probe.remove();
        return parts.slice(0, 3);
    };
    const luminance = ([r, g, b]) => {
        const c = [r, g, b].map((v) => {
            v /= 255;
            return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
        });
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
    };
    const contrast = (a, b) => {
        const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
        return (hi + 0.05) / (lo + 0.05);
    };
    const panel = rgb(getComputedStyle(chart).backgroundColor);
    const label = rgb(chart.querySelector('.metrics-canvas').dataset.labelColor);
    const scale = canvas.width / canvas.clientWidth;
    const context = canvas.getContext('2d');
    const pixels = context.getImageData(
        0, top * scale, (left - 4) * scale, (canvas.clientHeight - top - bottom) * scale
    ).data;
    let drawn = 0;
    for (let i = 0; i < pixels.length; i += 4) {
        const alpha = pixels[i + 3] / 255;
        const over = [0, 1, 2].map((k) => pixels[i + k] * alpha + panel[k] * (1 - alpha));
        drawn = Math.max(drawn, contrast(over, panel));
    }
    return {
        theme: document.documentElement.dataset.theme,
        panel: luminance(panel),
        label: contrast(label, panel),
        drawn,
    };
}"""


@pytest.fixture
def dark_page(browser: Any, console: Any) -> Iterator[Any]:
    with open_scan_page(browser, console, dark=True) as opened:
        yield opened


def test_dashboard_charts_take_the_dark_theme_and_follow_the_toggle(
    seeded_server: Server, seeded_dashboard: tuple[str, list[Trace]], dark_page: Any
) -> None:
    url, _ = seeded_server
    page = dark_page
    experiment_id, _ = seeded_dashboard
    page.goto(f"{url}/experiments/{experiment_id}/dashboard?bucket=hour")
    canvas = page.get_by_test_id("chart-traces").locator(".metrics-canvas")
    expect(canvas).to_have_attribute("data-label-color", "#a0a8b6")  # the dark theme's --muted
    dark = page.evaluate(_DRAWN_CONTRAST, [_LEFT, _TOP, _BOTTOM])
    assert dark["theme"] == "dark"
    assert dark["panel"] < 0.05  # a dark panel behind the chart
    # The axis labels as given and as drawn read against it (WCAG AA for text: 4.5:1).
    assert dark["label"] >= 4.5
    assert dark["drawn"] >= 4.5
    assert_no_serious_violations(page, "the dashboard (dark)")

    # The toggle switches the theme at once: the charts are drawn again in the light colours.
    page.get_by_role("button", name="Dark mode").click()
    expect(canvas).to_have_attribute("data-label-color", "#5f6673")  # the light theme's --muted
    light = page.evaluate(_DRAWN_CONTRAST, [_LEFT, _TOP, _BOTTOM])
    assert light["theme"] == "light"
    assert light["panel"] > 0.9
    assert light["label"] >= 4.5
    assert light["drawn"] >= 4.5
