// Waterfall layout and the timeline's zoom and pan: where each span's bar starts and how wide
// it is, in percent of the visible window; the window itself, kept inside the trace.
import type { Span } from "../api/types";

export interface TimeBounds {
  startNs: number;
  endNs: number;
}

export interface Bar {
  /** Left edge in percent of the visible window. */
  left: number;
  /** Width in percent; never below `minWidth` so instant spans stay visible. */
  width: number;
  durationNs: number | null;
  /** False when the span lies wholly outside the window (no bar is drawn). */
  visible: boolean;
}

/**
 * The narrowest window the timeline zooms to. Timestamps arrive as JSON numbers, exact to a
 * few hundred nanoseconds at today's epoch, so a narrower window would only show rounding.
 */
export const MIN_WINDOW_NS = 1_000;

/**
 * The trace's time span: earliest start to latest end. An unfinished span ends at its start,
 * or, while the trace runs (`nowNs` given), now: its bar grows with the clock.
 */
export function traceBounds(spans: readonly Span[], nowNs: number | null = null): TimeBounds {
  let startNs = Number.POSITIVE_INFINITY;
  let endNs = Number.NEGATIVE_INFINITY;
  for (const span of spans) {
    startNs = Math.min(startNs, span.start_time_ns);
    const openEnd = nowNs == null ? span.start_time_ns : Math.max(nowNs, span.start_time_ns);
    endNs = Math.max(endNs, span.end_time_ns ?? openEnd);
  }
  if (!Number.isFinite(startNs)) return { startNs: 0, endNs: 0 };
  return { startNs, endNs };
}

/** A span's bar in `view` (the whole trace, or the zoomed window), cut at the window's edges. */
export function barFor(span: Span, view: TimeBounds, minWidth = 0.2): Bar {
  const total = view.endNs - view.startNs;
  const end = span.end_time_ns ?? Math.max(view.endNs, span.start_time_ns);
  const durationNs = span.end_time_ns == null ? null : span.end_time_ns - span.start_time_ns;
  if (total <= 0) return { left: 0, width: 100, durationNs, visible: true };
  const from = ((span.start_time_ns - view.startNs) / total) * 100;
  const to = ((end - view.startNs) / total) * 100;
  const visible = to >= 0 && from <= 100;
  const left = clamp(from, 0, 100);
  const width = Math.max(clamp(to, 0, 100) - left, Math.min(minWidth, 100 - left));
  return { left, width, durationNs, visible };
}

/** The window with its width in [MIN_WINDOW_NS, trace] and wholly inside the trace. */
export function clampView(
  view: TimeBounds,
  bounds: TimeBounds,
  minWindowNs = MIN_WINDOW_NS,
): TimeBounds {
  const total = bounds.endNs - bounds.startNs;
  if (total <= 0) return { ...bounds };
  const width = clamp(view.endNs - view.startNs, Math.min(minWindowNs, total), total);
  const startNs = clamp(view.startNs, bounds.startNs, bounds.endNs - width);
  return { startNs, endNs: startNs + width };
}

/**
 * Zoom by `factor` (above 1 zooms in) keeping the time `focusNs` at the same place on screen,
 * as a map zooms around the pointer.
 */
export function zoomView(
  view: TimeBounds,
  bounds: TimeBounds,
  factor: number,
  focusNs: number,
  minWindowNs = MIN_WINDOW_NS,
): TimeBounds {
  const width = view.endNs - view.startNs;
  if (width <= 0 || factor <= 0) return clampView(view, bounds, minWindowNs);
  const focus = clamp(focusNs, view.startNs, view.endNs);
  const fraction = (focus - view.startNs) / width;
  const total = bounds.endNs - bounds.startNs;
  const next = clamp(width / factor, Math.min(minWindowNs, total), total);
  const startNs = focus - fraction * next;
  return clampView({ startNs, endNs: startNs + next }, bounds, minWindowNs);
}

/** Move the window by `deltaNs` (positive: later), stopping at the trace's edges. */
export function panView(view: TimeBounds, bounds: TimeBounds, deltaNs: number): TimeBounds {
  return clampView(
    { startNs: view.startNs + deltaNs, endNs: view.endNs + deltaNs },
    bounds,
    view.endNs - view.startNs,
  );
}

/**
 * The window that shows the span from `startNs` to `endNs` (in the window's units): the same
 * window when the span is in it or fills it; else moved, its width kept, just far enough to
 * show the span with a margin; a span wider than the window widens it to the span. A
 * selection made in the tree or by a find should not leave its bar off-screen.
 */
export function followView(
  view: TimeBounds,
  bounds: TimeBounds,
  startNs: number,
  endNs: number,
  margin = 0.05,
): TimeBounds {
  const width = view.endNs - view.startNs;
  const inView = startNs >= view.startNs && endNs <= view.endNs;
  const fills = startNs <= view.startNs && endNs >= view.endNs;
  if (width <= 0 || inView || fills) return view;
  const length = endNs - startNs;
  if (length <= width) {
    const pad = Math.min(margin * width, (width - length) / 2);
    const from = startNs < view.startNs ? startNs - pad : endNs + pad - width;
    return clampView({ startNs: from, endNs: from + width }, bounds, width);
  }
  const pad = (length * margin) / (1 - 2 * margin);
  return clampView({ startNs: startNs - pad, endNs: endNs + pad }, bounds);
}

/** True when the window shows less than the whole trace. */
export function isZoomed(view: TimeBounds, bounds: TimeBounds): boolean {
  return view.endNs - view.startNs < bounds.endNs - bounds.startNs;
}

/** Where the window sits on the minimap (the whole trace), in percent. */
export function minimapWindow(
  view: TimeBounds,
  bounds: TimeBounds,
): { left: number; width: number } {
  const total = bounds.endNs - bounds.startNs;
  if (total <= 0) return { left: 0, width: 100 };
  const left = clamp(((view.startNs - bounds.startNs) / total) * 100, 0, 100);
  const width = clamp(((view.endNs - view.startNs) / total) * 100, 0, 100 - left);
  return { left, width };
}

/** The window, same width, centred on a point of the minimap (0 = trace start, 1 = end). */
export function viewAtMinimap(view: TimeBounds, bounds: TimeBounds, fraction: number): TimeBounds {
  const width = view.endNs - view.startNs;
  const centre = bounds.startNs + clamp(fraction, 0, 1) * (bounds.endNs - bounds.startNs);
  return clampView({ startNs: centre - width / 2, endNs: centre + width / 2 }, bounds, width);
}

/** The time at a point of the window (0 = its left edge, 1 = its right edge). */
export function timeAt(view: TimeBounds, fraction: number): number {
  return view.startNs + fraction * (view.endNs - view.startNs);
}

export interface Tick {
  /** Offset from the trace's start, in ns. */
  offsetNs: number;
  /** Position in percent of the window. */
  left: number;
  label: string;
}

/** About `count` ticks at round offsets from the trace's start, inside the window. */
export function ticksIn(view: TimeBounds, bounds: TimeBounds, count = 5): Tick[] {
  const width = view.endNs - view.startNs;
  if (width <= 0) return [{ offsetNs: 0, left: 0, label: formatOffset(0, 1) }];
  const step = roundStep(width / count);
  const from = view.startNs - bounds.startNs;
  const result: Tick[] = [];
  for (let i = Math.ceil(from / step - 1e-9); i * step <= from + width + 1e-9; i++) {
    const offsetNs = i * step + 0; // + 0 turns a -0 into 0
    result.push({
      offsetNs,
      left: ((offsetNs - from) / width) * 100,
      label: formatOffset(offsetNs, step),
    });
  }
  return result;
}

/** About `count` evenly spaced ticks at round durations, as offsets in ns from the start. */
export function ticks(bounds: TimeBounds, count = 5): number[] {
  return ticksIn(bounds, bounds, count).map((t) => t.offsetNs);
}

const UNITS: [number, string][] = [
  [1e9, "s"],
  [1e6, "ms"],
  [1e3, "µs"],
  [1, "ns"],
];

/** An offset with as many decimals as the tick step needs ("500.003 ms" for 1 µs steps). */
export function formatOffset(offsetNs: number, stepNs: number): string {
  if (offsetNs === 0) return "0";
  const [unit, name] = UNITS.find(([u]) => Math.abs(offsetNs) >= u) ?? UNITS[UNITS.length - 1]!;
  const decimals = clamp(Math.ceil(Math.log10(unit / stepNs) - 1e-9), 0, 9);
  return `${(offsetNs / unit).toFixed(decimals)} ${name}`;
}

function roundStep(raw: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw * (1 - 1e-9)) ?? raw;
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(Math.max(value, low), high);
}
