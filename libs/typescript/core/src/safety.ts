/**
 * The one place where spanscope's own errors are caught: warned once per kind, counted, and
 * re-thrown only under strict mode (`SPANSCOPE_STRICT=1`), so tests see our bugs while
 * tracing never breaks the user's program.
 */
import { Env } from "./constants.js";

const warned = new Set<string>();

/** Counters of the runtime: internal errors, spans exported and dropped (by cause). */
export interface TracingStats {
  internalErrors: number;
  exportedSpans: number;
  droppedSpans: number;
  droppedByCause: Record<string, number>;
}

export const stats: TracingStats = {
  internalErrors: 0,
  exportedSpans: 0,
  droppedSpans: 0,
  droppedByCause: {},
};

/** A copy of the runtime's counters. */
export function getStats(): TracingStats {
  return { ...stats, droppedByCause: { ...stats.droppedByCause } };
}

export function isStrict(): boolean {
  const value = (process.env[Env.STRICT] ?? "").trim().toLowerCase();
  return value === "1" || value === "true" || value === "yes";
}

/** Warn with `message` the first time for `kind` only. */
export function warnOnce(kind: string, message: string): void {
  if (warned.has(kind)) return;
  warned.add(kind);
  console.warn(message);
}

/** Report an internal error of `kind`; re-thrown under strict mode. */
export function internalError(kind: string, error: unknown): void {
  stats.internalErrors += 1;
  if (isStrict()) throw error;
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  warnOnce(`internal:${kind}`, `spanscope: internal error in ${kind}; your program goes on: ${detail}`);
}

/** Run `step`, turning an error into an internal error (result undefined). */
export function guarded<T>(kind: string, step: () => T): T | undefined {
  try {
    return step();
  } catch (error) {
    internalError(kind, error);
    return undefined;
  }
}

/** Count `count` dropped spans for `cause` and warn (once per cause). */
export function countDropped(count: number, cause: string): void {
  stats.droppedSpans += count;
  stats.droppedByCause[cause] = (stats.droppedByCause[cause] ?? 0) + count;
  warnOnce(`dropped:${cause}`, `spanscope: dropped ${count} span(s): ${cause}`);
}

/** Forget warnings and zero the counters (tests). */
export function resetSafety(): void {
  warned.clear();
  stats.internalErrors = 0;
  stats.exportedSpans = 0;
  stats.droppedSpans = 0;
  stats.droppedByCause = {};
}
