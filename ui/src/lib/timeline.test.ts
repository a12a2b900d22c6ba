import { describe, expect, it } from "vitest";
import { span } from "./testSpans";
import {
  barFor,
  clampView,
  followView,
  formatOffset,
  isZoomed,
  MIN_WINDOW_NS,
  minimapWindow,
  panView,
  ticks,
  ticksIn,
  timeAt,
  traceBounds,
  viewAtMinimap,
  zoomView,
} from "./timeline";

describe("timeline layout", () => {
  const spans = [
    span({ start_time_ns: 1_000, end_time_ns: 2_000 }),
    span({ start_time_ns: 1_250, end_time_ns: 1_750 }),
    span({ start_time_ns: 1_500, end_time_ns: 1_500 }),
  ];
  const bounds = traceBounds(spans);

  it("spans the earliest start to the latest end", () => {
    expect(bounds).toEqual({ startNs: 1_000, endNs: 2_000 });
  });

  it("places bars in percent of the trace", () => {
    expect(barFor(spans[0]!, bounds)).toEqual({
      left: 0,
      width: 100,
      durationNs: 1_000,
      visible: true,
    });
    expect(barFor(spans[1]!, bounds)).toEqual({
      left: 25,
      width: 50,
      durationNs: 500,
      visible: true,
    });
  });

  it("keeps an instant span visible with a minimum width", () => {
    const bar = barFor(spans[2]!, bounds, 0.5);
    expect(bar.left).toBe(50);
    expect(bar.width).toBe(0.5);
    expect(bar.durationNs).toBe(0);
  });

  it("runs an unfinished span to the end of the trace", () => {
    const open = span({ start_time_ns: 1_500, end_time_ns: null });
    expect(barFor(open, bounds)).toEqual({ left: 50, width: 50, durationNs: null, visible: true });
  });

  it("never lets a bar pass the right edge", () => {
    const last = span({ start_time_ns: 2_000, end_time_ns: 2_000 });
    const bar = barFor(last, bounds, 1);
    expect(bar.left + bar.width).toBeLessThanOrEqual(100);
  });

  it("fills a zero-length trace", () => {
    const only = span({ start_time_ns: 7, end_time_ns: 7 });
    expect(barFor(only, traceBounds([only]))).toEqual({
      left: 0,
      width: 100,
      durationNs: 0,
      visible: true,
    });
  });

  it("puts ticks at round steps", () => {
    expect(ticks({ startNs: 0, endNs: 1_000_000_000 })).toEqual([
      0, 200_000_000, 400_000_000, 600_000_000, 800_000_000, 1_000_000_000,
    ]);
  });
});

describe("bars in a zoomed window", () => {
  const window = { startNs: 1_000, endNs: 2_000 };

  it("cuts a bar at the window's edges", () => {
    const across = span({ start_time_ns: 500, end_time_ns: 1_500 });
    expect(barFor(across, window)).toMatchObject({ left: 0, width: 50, visible: true });
    const over = span({ start_time_ns: 0, end_time_ns: 5_000 });
    expect(barFor(over, window)).toMatchObject({ left: 0, width: 100, visible: true });
    const tail = span({ start_time_ns: 1_900, end_time_ns: 9_000 });
    const bar = barFor(tail, window);
    expect(bar.left).toBeCloseTo(90);
    expect(bar.width).toBeCloseTo(10);
  });

  it("draws no bar for a span outside the window", () => {
    expect(barFor(span({ start_time_ns: 0, end_time_ns: 900 }), window).visible).toBe(false);
    expect(barFor(span({ start_time_ns: 2_100, end_time_ns: 2_200 }), window).visible).toBe(false);
  });

  it("gives a microsecond span of a one-second trace a real width when zoomed in", () => {
    const trace = { startNs: 0, endNs: 1_000_000_000 };
    const micro = span({ start_time_ns: 500_000_000, end_time_ns: 500_001_000 });
    expect(barFor(micro, trace).width).toBe(0.2); // the minimum, a sliver
    let view = trace;
    for (let i = 0; i < 40; i++) view = zoomView(view, trace, 2, 500_000_500);
    expect(view.endNs - view.startNs).toBe(MIN_WINDOW_NS);
    expect(barFor(micro, view).width).toBeCloseTo(100);
  });
});

describe("zoom and pan", () => {
  const trace = { startNs: 1_000_000, endNs: 2_000_000 };

  it("keeps the window inside the trace", () => {
    expect(clampView({ startNs: 0, endNs: 100_000 }, trace)).toEqual({
      startNs: 1_000_000,
      endNs: 1_100_000,
    });
    expect(clampView({ startNs: 1_950_000, endNs: 2_050_000 }, trace)).toEqual({
      startNs: 1_900_000,
      endNs: 2_000_000,
    });
    expect(clampView({ startNs: 0, endNs: 9_000_000 }, trace)).toEqual(trace);
  });

  it("never zooms narrower than the minimum window", () => {
    const tight = clampView({ startNs: 1_500_000, endNs: 1_500_010 }, trace);
    expect(tight.endNs - tight.startNs).toBe(MIN_WINDOW_NS);
    expect(zoomView(tight, trace, 4, 1_500_000)).toEqual(tight);
  });

  it("never zooms out past the whole trace", () => {
    const view = zoomView(trace, trace, 0.25, 1_200_000);
    expect(view).toEqual(trace);
    expect(isZoomed(view, trace)).toBe(false);
  });

  it("zooms around a focus point, which stays where it was on screen", () => {
    const focus = 1_250_000; // a quarter into the trace
    const view = zoomView(trace, trace, 2, focus);
    expect(view).toEqual({ startNs: 1_125_000, endNs: 1_625_000 });
    expect((focus - view.startNs) / (view.endNs - view.startNs)).toBeCloseTo(0.25);
    expect(isZoomed(view, trace)).toBe(true);
    // Zooming back out around the same point returns to the whole trace.
    expect(zoomView(view, trace, 0.5, focus)).toEqual(trace);
  });

  it("shifts a zoom near an edge back inside the trace", () => {
    const view = zoomView({ startNs: 1_000_000, endNs: 1_200_000 }, trace, 0.25, 1_000_000);
    expect(view).toEqual({ startNs: 1_000_000, endNs: 1_800_000 });
  });

  it("pans by a time, stopping at the edges without changing the width", () => {
    const view = { startNs: 1_400_000, endNs: 1_500_000 };
    expect(panView(view, trace, 50_000)).toEqual({ startNs: 1_450_000, endNs: 1_550_000 });
    expect(panView(view, trace, -1_000_000)).toEqual({ startNs: 1_000_000, endNs: 1_100_000 });
    expect(panView(view, trace, 1_000_000)).toEqual({ startNs: 1_900_000, endNs: 2_000_000 });
    expect(panView(trace, trace, 10_000)).toEqual(trace);
  });

  it("follows a selected span: pans to one out of view, keeping the zoom", () => {
    const view = { startNs: 1_000_000, endNs: 1_100_000 };
    // Later than the window: its end lands a margin (5% of the window) before the right edge.
    expect(followView(view, trace, 1_800_000, 1_810_000)).toEqual({
      startNs: 1_715_000,
      endNs: 1_815_000,
    });
    // Earlier: its start a margin after the left edge; at the trace's start, the start.
    const late = { startNs: 1_900_000, endNs: 2_000_000 };
    expect(followView(late, trace, 1_500_000, 1_520_000)).toEqual({
      startNs: 1_495_000,
      endNs: 1_595_000,
    });
    expect(followView(late, trace, 1_000_000, 1_000_000)).toEqual(view);
  });

  it("leaves the window alone for a span in view or one that fills it", () => {
    const view = { startNs: 1_400_000, endNs: 1_500_000 };
    expect(followView(view, trace, 1_420_000, 1_430_000)).toBe(view);
    expect(followView(view, trace, 1_000_000, 2_000_000)).toBe(view);
  });

  it("zooms out to a span wider than the window", () => {
    const view = { startNs: 1_000_000, endNs: 1_100_000 };
    const wide = followView(view, trace, 1_500_000, 1_950_000);
    expect(wide.startNs).toBeLessThan(1_500_000);
    expect(wide.endNs).toBeGreaterThan(1_950_000);
    expect(wide.endNs).toBeLessThanOrEqual(2_000_000);
    expect(wide.endNs - wide.startNs).toBeCloseTo(500_000);
  });

  it("maps the window to a point of itself", () => {
    expect(timeAt({ startNs: 100, endNs: 300 }, 0.5)).toBe(200);
  });
});

describe("the minimap", () => {
  const trace = { startNs: 0, endNs: 1_000 };

  it("shows the window in percent of the trace", () => {
    expect(minimapWindow({ startNs: 250, endNs: 500 }, trace)).toEqual({ left: 25, width: 25 });
    expect(minimapWindow(trace, trace)).toEqual({ left: 0, width: 100 });
  });

  it("centres the window on a point of the minimap, inside the trace", () => {
    const view = { startNs: 0, endNs: 200 };
    expect(viewAtMinimap(view, trace, 0.5)).toEqual({ startNs: 400, endNs: 600 });
    expect(viewAtMinimap(view, trace, 0.95)).toEqual({ startNs: 800, endNs: 1_000 });
    expect(viewAtMinimap(view, trace, -1)).toEqual({ startNs: 0, endNs: 200 });
  });

  it("round-trips: the window drawn at a point moves the view to that point", () => {
    const moved = viewAtMinimap({ startNs: 0, endNs: 100 }, trace, 0.3);
    const drawn = minimapWindow(moved, trace);
    expect(drawn.left + drawn.width / 2).toBeCloseTo(30);
  });
});

describe("ticks in a window", () => {
  it("label offsets from the trace's start, precise enough for the step", () => {
    const trace = { startNs: 0, endNs: 1_000_000_000 };
    const view = { startNs: 500_000_000, endNs: 500_010_000 };
    const result = ticksIn(view, trace);
    expect(result[0]).toEqual({ offsetNs: 500_000_000, left: 0, label: "500.000 ms" });
    expect(result.map((t) => t.label)).toContain("500.002 ms");
    expect(result.every((t) => t.left >= 0 && t.left <= 100)).toBe(true);
    expect(new Set(result.map((t) => t.label)).size).toBe(result.length);
  });

  it("formats offsets by size and step", () => {
    expect(formatOffset(0, 1_000)).toBe("0");
    expect(formatOffset(1_500_000_000, 500_000_000)).toBe("1.5 s");
    expect(formatOffset(200_000_000, 200_000_000)).toBe("200 ms");
    expect(formatOffset(2_500, 500)).toBe("2.5 µs");
    expect(formatOffset(40, 20)).toBe("40 ns");
  });
});
