/**
 * The current span, carried by an AsyncLocalStorage of spanscope's own: it follows `await`,
 * timers and event emitters, and never touches the app's global OpenTelemetry context.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { LiveSpan } from "./span.js";

const storage = new AsyncLocalStorage<LiveSpan | undefined>();

/** The span current in this async context, if any. */
export function currentSpan(): LiveSpan | undefined {
  return storage.getStore();
}

/** Run `fn` with `span` current (undefined: no current span). */
export function runWithSpan<T>(span: LiveSpan | undefined, fn: () => T): T {
  return storage.run(span, fn);
}
