import { describe, expect, it } from "vitest";
import type { Trace } from "../api/types";
import {
  countNew,
  elapsedNs,
  formatElapsedNs,
  formatNewTraces,
  formatRunning,
  isRunning,
  LIVE_TRACE_INTERVAL_MS,
  newTraceIds,
  seenOf,
  traceRefetchInterval,
  traceStartNs,
} from "./live";
import { span } from "./testSpans";
import { barFor, traceBounds } from "./timeline";

function trace(state: string, spans = [span({ start_time_ns: 5e15 })]): Trace {
  return {
    info: {
      trace_id: "t",
      experiment_id: "0",
      request_time: 4_000,
      execution_duration: null,
      state,
      metadata: {},
      tags: {},
      assessments: [],
    },
    data: { spans },
  } as unknown as Trace;
}

describe("new traces", () => {
  const seen = seenOf(["a", "b", "c"], 3);

  it("are the traces on screen that were not when the user last looked", () => {
    expect([...newTraceIds(seen, ["x", "a", "b"])]).toEqual(["x"]);
    expect(countNew(seen, ["x", "y", "a"], 5)).toBe(2);
    expect(countNew(seen, ["a", "b", "c"], 3)).toBe(0);
  });

  it("count those beyond the page by the growth of the total", () => {
    // 60 new traces, 50 a page: the first page shows only new ones.
    const page = Array.from({ length: 50 }, (_, i) => `n${i}`);
    expect(countNew(seen, page, 63)).toBe(60);
  });

  it("count the new ones on screen when others were deleted meanwhile", () => {
    expect(countNew(seen, ["x", "y", "a"], 3)).toBe(2);
  });

  it("count by the rows alone without a total", () => {
    expect(countNew(seenOf(["a"], null), ["x", "a"], 9)).toBe(1);
    expect(countNew(seen, ["x", "a"], null)).toBe(1);
  });

  it("read as a notice", () => {
    expect(formatNewTraces(1)).toBe("1 new trace");
    expect(formatNewTraces(1200)).toBe("1,200 new traces");
  });
});

describe("a running trace", () => {
  it("is polled until it ends", () => {
    expect(traceRefetchInterval(trace("IN_PROGRESS"))).toBe(LIVE_TRACE_INTERVAL_MS);
    expect(traceRefetchInterval(trace("OK"))).toBe(false);
    expect(traceRefetchInterval(trace("ERROR"))).toBe(false);
    expect(traceRefetchInterval(undefined)).toBe(false);
  });

  it("starts at its earliest span, or its request time without spans", () => {
    expect(traceStartNs(trace("IN_PROGRESS"))).toBe(5e15);
    expect(traceStartNs(trace("IN_PROGRESS", []))).toBe(4_000 * 1e6);
  });
});

describe("running durations", () => {
  it("tick in tenths of a second, then minutes", () => {
    expect(formatElapsedNs(0)).toBe("0.0 s");
    expect(formatElapsedNs(12_345_000_000)).toBe("12.3 s");
    expect(formatElapsedNs(59_990_000_000)).toBe("59.9 s");
    expect(formatElapsedNs(125_000_000_000)).toBe("2 min 5 s");
  });

  it("read from the span's start to now, never below zero", () => {
    const open = span({ start_time_ns: 1e9, end_time_ns: null });
    expect(formatRunning(open, 13.3e9)).toBe("running · 12.3 s");
    // The browser's clock behind the traced host's.
    expect(elapsedNs(2e9, 1e9)).toBe(0);
    expect(formatRunning(open, 0)).toBe("running · 0.0 s");
  });

  it("are for open spans of a running trace only", () => {
    expect(isRunning(span({ end_time_ns: null }), 5)).toBe(true);
    expect(isRunning(span({ end_time_ns: null }), null)).toBe(false);
    expect(isRunning(span({ end_time_ns: 3 }), 5)).toBe(false);
  });
});

describe("the timeline of a running trace", () => {
  const root = span({ start_time_ns: 1_000, end_time_ns: null });
  const child = span({ start_time_ns: 1_200, end_time_ns: 1_500 });

  it("reaches now while it runs", () => {
    expect(traceBounds([root, child], 3_000)).toEqual({ startNs: 1_000, endNs: 3_000 });
  });

  it("ends at the latest known time once it has stopped running", () => {
    expect(traceBounds([root, child])).toEqual({ startNs: 1_000, endNs: 1_500 });
  });

  it("never ends before a finished span (a clock behind the host's)", () => {
    expect(traceBounds([root, child], 1_100)).toEqual({ startNs: 1_000, endNs: 1_500 });
    expect(traceBounds([span({ start_time_ns: 900, end_time_ns: null })], 100)).toEqual({
      startNs: 900,
      endNs: 900,
    });
  });

  it("draws an open span's bar to now, without a duration", () => {
    const bounds = traceBounds([root, child], 3_000);
    expect(barFor(root, bounds)).toEqual({ left: 0, width: 100, durationNs: null, visible: true });
    expect(barFor(child, bounds)).toEqual({ left: 10, width: 15, durationNs: 300, visible: true });
  });
});
