/**
 * The export queue: finished spans wait here and leave in batches (when a batch is full or
 * after the export interval), so a traced call returns at once. Bounded: past `queueSize`
 * spans are dropped and counted. Flushed by `flushTraces()`, on `beforeExit`, and on SIGTERM /
 * SIGINT (then the signal's default action runs, unless the app listens for it itself).
 */
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { stopRetrying, type SpanExporterLike, type TraceTags } from "./exporter.js";
import { countDropped, internalError } from "./safety.js";

const SIGNAL_FLUSH_TIMEOUT_MS = 5_000;

export class ExportQueue {
  private pending: ReadableSpan[] = [];
  private pendingTags: TraceTags[] = [];
  private timer: NodeJS.Timeout | undefined;
  private draining: Promise<void> | undefined;

  constructor(
    private readonly exporter: SpanExporterLike,
    private readonly queueSize: number,
    private readonly batchSize: number,
    private readonly intervalMs: number,
  ) {}

  get size(): number {
    return this.pending.length;
  }

  add(span: ReadableSpan, tags?: TraceTags): void {
    if (this.pending.length >= this.queueSize) {
      countDropped(1, `the export queue is full (${this.queueSize} spans; set SPANSCOPE_EXPORT_QUEUE_SIZE)`);
      return;
    }
    this.pending.push(span);
    if (tags) this.pendingTags.push(tags);
    if (this.pending.length >= this.batchSize) {
      void this.drain();
    } else if (this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.drain();
      }, this.intervalMs);
      this.timer.unref(); // waiting spans alone never keep the process alive; exit hooks flush
    }
  }

  /** Export everything queued so far; resolves when it is delivered (or dropped). */
  async flush(): Promise<void> {
    while (this.pending.length > 0 || this.draining) {
      await this.drain();
    }
  }

  private drain(): Promise<void> {
    if (this.draining) return this.draining;
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.draining = this.run().finally(() => {
      this.draining = undefined;
    });
    return this.draining;
  }

  private async run(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, this.batchSize);
      let tags: TraceTags[] = [];
      if (this.pendingTags.length > 0) {
        const ids = new Set(batch.map((span) => span.spanContext().traceId));
        tags = this.pendingTags.filter((t) => ids.has(t.traceId));
        this.pendingTags = this.pendingTags.filter((t) => !ids.has(t.traceId));
      }
      try {
        await this.exporter.export(batch, tags);
      } catch (error) {
        // A custom exporter broke its promise not to throw: the spans are lost, say so.
        countDropped(batch.length, "the exporter threw");
        internalError("span export", error);
      }
    }
  }
}

let hooked = false;

/** Flush `queue()` before the process exits and on SIGTERM / SIGINT. */
export function installExitHooks(queue: () => ExportQueue | undefined): void {
  if (hooked) return;
  hooked = true;
  process.on("beforeExit", () => {
    const current = queue();
    // beforeExit fires again once the flush settles; an empty queue then lets the process end.
    // A server that is down must not hold the process: no retries from here on.
    if (current && current.size > 0) {
      stopRetrying();
      void current.flush();
    }
  });
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    const onSignal = (): void => {
      stopRetrying();
      const others = process.listenerCount(signal) > 0;
      const timeout = new Promise((resolve) => setTimeout(resolve, SIGNAL_FLUSH_TIMEOUT_MS).unref());
      void Promise.race([queue()?.flush(), timeout]).finally(() => {
        // Our listener is gone (once): with no other listener the default action ends the process.
        if (!others) process.kill(process.pid, signal);
      });
    };
    process.once(signal, onSignal);
  }
}
