// Live traces: how often the traces table and a running trace are polled, which traces are
// new since the user last looked, and how long a span that is still open has been running.
import type { Span, Trace } from "../api/types";
import { formatDurationMs } from "./format";

/** The traces table's poll while Live is on. */
export const LIVE_TABLE_INTERVAL_MS = 2_000;
/** A running trace's poll on its page, until it is OK or ERROR. */
export const LIVE_TRACE_INTERVAL_MS = 1_500;
/** How often running durations and open bars move on. */
export const CLOCK_TICK_MS = 500;

export const IN_PROGRESS = "IN_PROGRESS";

/** What the user has seen: the traces on screen, and the count of all matches, at that time. */
export interface Seen {
  ids: ReadonlySet<string>;
  total: number | null;
}

export function seenOf(ids: readonly string[], total: number | null): Seen {
  return { ids: new Set(ids), total };
}

/** The traces on screen now that were not when the user last looked. */
export function newTraceIds(seen: Seen, ids: readonly string[]): Set<string> {
  return new Set(ids.filter((id) => !seen.ids.has(id)));
}

/**
 * How many traces are new: those on screen that were not, or, when more came than one page
 * shows (or they sort onto another page), the growth of the count of all matches.
 */
export function countNew(seen: Seen, ids: readonly string[], total: number | null): number {
  const onScreen = newTraceIds(seen, ids).size;
  const grown = total != null && seen.total != null ? total - seen.total : 0;
  return Math.max(onScreen, grown);
}

/** "1 new trace", "12 new traces". */
export function formatNewTraces(count: number): string {
  return `${count.toLocaleString("en-US")} new trace${count === 1 ? "" : "s"}`;
}

/** The trace page's poll: every interval while the trace runs, none once it has ended. */
export function traceRefetchInterval(trace: Trace | undefined): number | false {
  return trace?.info.state === IN_PROGRESS ? LIVE_TRACE_INTERVAL_MS : false;
}

/** Time since `startNs` (never negative: the browser's clock may lag the traced host's). */
export function elapsedNs(startNs: number, nowNs: number): number {
  return Math.max(0, nowNs - startNs);
}

/** A running time to a tenth of a second, so it visibly ticks: "3.4 s", "2 min 5 s". */
export function formatElapsedNs(ns: number): string {
  const ms = ns / 1e6;
  if (ms < 60_000) return `${(Math.floor(ms / 100) / 10).toFixed(1)} s`;
  return formatDurationMs(ms);
}

/** "running · 12.3 s": an open span's duration so far. */
export function formatRunning(span: Pick<Span, "start_time_ns">, nowNs: number): string {
  return `running · ${formatElapsedNs(elapsedNs(span.start_time_ns, nowNs))}`;
}

/** True for a span of a running trace that has not ended (a running duration, a moving bar). */
export function isRunning(span: Pick<Span, "end_time_ns">, nowNs: number | null): boolean {
  return nowNs != null && span.end_time_ns == null;
}

/** A trace's start in ns: its earliest span, else its request time. */
export function traceStartNs(trace: Trace): number {
  let start = Number.POSITIVE_INFINITY;
  for (const span of trace.data.spans) start = Math.min(start, span.start_time_ns);
  return Number.isFinite(start) ? start : trace.info.request_time * 1e6;
}
