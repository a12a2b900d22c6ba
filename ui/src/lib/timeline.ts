// Waterfall layout: where each span's bar starts and how wide it is, in percent of the trace.
import type { Span } from "../api/types";

export interface TimeBounds {
  startNs: number;
  endNs: number;
}

export interface Bar {
  /** Left edge in percent of the trace duration. */
  left: number;
  /** Width in percent; never below `minWidth` so instant spans stay visible. */
  width: number;
  durationNs: number | null;
}

/** The trace's time span: earliest start to latest end (or start, for unfinished spans). */
export function traceBounds(spans: readonly Span[]): TimeBounds {
  let startNs = Number.POSITIVE_INFINITY;
  let endNs = Number.NEGATIVE_INFINITY;
  for (const span of spans) {
    startNs = Math.min(startNs, span.start_time_ns);
    endNs = Math.max(endNs, span.end_time_ns ?? span.start_time_ns);
  }
  if (!Number.isFinite(startNs)) return { startNs: 0, endNs: 0 };
  return { startNs, endNs };
}

export function barFor(span: Span, bounds: TimeBounds, minWidth = 0.2): Bar {
  const total = bounds.endNs - bounds.startNs;
  const end = span.end_time_ns ?? bounds.endNs;
  const durationNs = span.end_time_ns == null ? null : span.end_time_ns - span.start_time_ns;
  if (total <= 0) return { left: 0, width: 100, durationNs };
  const left = clamp(((span.start_time_ns - bounds.startNs) / total) * 100, 0, 100);
  const width = clamp(((end - span.start_time_ns) / total) * 100, minWidth, 100 - left);
  return { left, width: Math.max(width, Math.min(minWidth, 100 - left)), durationNs };
}

/** About `count` evenly spaced ticks at round durations, as offsets in ns from the start. */
export function ticks(bounds: TimeBounds, count = 5): number[] {
  const total = bounds.endNs - bounds.startNs;
  if (total <= 0) return [0];
  const raw = total / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  const result: number[] = [];
  for (let t = 0; t <= total + 1e-9; t += step) result.push(t);
  return result;
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(Math.max(value, low), high);
}
