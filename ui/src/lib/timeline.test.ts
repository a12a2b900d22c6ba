import { describe, expect, it } from "vitest";
import { span } from "./testSpans";
import { barFor, ticks, traceBounds } from "./timeline";

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
    expect(barFor(spans[0]!, bounds)).toEqual({ left: 0, width: 100, durationNs: 1_000 });
    expect(barFor(spans[1]!, bounds)).toEqual({ left: 25, width: 50, durationNs: 500 });
  });

  it("keeps an instant span visible with a minimum width", () => {
    const bar = barFor(spans[2]!, bounds, 0.5);
    expect(bar.left).toBe(50);
    expect(bar.width).toBe(0.5);
    expect(bar.durationNs).toBe(0);
  });

  it("runs an unfinished span to the end of the trace", () => {
    const open = span({ start_time_ns: 1_500, end_time_ns: null });
    expect(barFor(open, bounds)).toEqual({ left: 50, width: 50, durationNs: null });
  });

  it("never lets a bar pass the right edge", () => {
    const last = span({ start_time_ns: 2_000, end_time_ns: 2_000 });
    const bar = barFor(last, bounds, 1);
    expect(bar.left + bar.width).toBeLessThanOrEqual(100);
  });

  it("fills a zero-length trace", () => {
    const only = span({ start_time_ns: 7, end_time_ns: 7 });
    expect(barFor(only, traceBounds([only]))).toEqual({ left: 0, width: 100, durationNs: 0 });
  });

  it("puts ticks at round steps", () => {
    expect(ticks({ startNs: 0, endNs: 1_000_000_000 })).toEqual([
      0, 200_000_000, 400_000_000, 600_000_000, 800_000_000, 1_000_000_000,
    ]);
  });
});
