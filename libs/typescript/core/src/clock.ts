/**
 * The SDK's one clock for span and event times: wall-clock time with sub-millisecond
 * resolution. OpenTelemetry JS starts a span at `Date.now()`, whole milliseconds, so a parent
 * and the child it starts in the same millisecond tie and their order is lost; the monotonic
 * `performance.now()` alone drifts from the wall clock in a long-lived process. This reads the
 * monotonic clock against a wall-clock anchor, anchors again when the two part by more than
 * MAX_DRIFT_MS, and never returns the same or an earlier time twice, so spans and events keep
 * the order they happened in.
 */
import type { HrTime } from "@opentelemetry/api";

const MAX_DRIFT_MS = 16;
/** The least step between two readings: 1 µs (a float near 1.8e12 ms resolves ~0.24 µs). */
const STEP_MS = 0.001;

let anchorWallMs = Date.now();
let anchorMonotonicMs = performance.now();
let lastMs = 0;

/** Milliseconds since the epoch, fractional, strictly increasing from call to call. */
function nowMs(): number {
  const monotonic = performance.now();
  let ms = anchorWallMs + (monotonic - anchorMonotonicMs);
  const wall = Date.now();
  if (Math.abs(ms - wall) > MAX_DRIFT_MS) {
    anchorWallMs = wall;
    anchorMonotonicMs = monotonic;
    ms = wall;
  }
  if (ms <= lastMs) ms = lastMs + STEP_MS;
  lastMs = ms;
  return ms;
}

/** `nowMs()` as OpenTelemetry's [seconds, nanoseconds]. */
export function nowHrTime(): HrTime {
  return toHrTime(nowMs());
}

function toHrTime(ms: number): HrTime {
  const seconds = Math.floor(ms / 1000);
  const nanos = Math.min(Math.round((ms - seconds * 1000) * 1e6), 999_999_999);
  return [seconds, nanos];
}
