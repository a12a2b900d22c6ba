/**
 * OTLP/HTTP protobuf export to a spanscope server's `/v1/traces`: gzip, the experiment header
 * and token, retries with exponential backoff and jitter (honouring `Retry-After`) on 429,
 * 502, 503, 504 and connection errors. `export` never throws: a batch that cannot be
 * delivered is counted as dropped, with a warning naming the cause.
 */
import { promisify } from "node:util";
import { gzip } from "node:zlib";
import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { ExperimentHeader } from "./constants.js";
import type { Config } from "./config.js";
import { countDropped, stats, warnOnce } from "./safety.js";

const gzipAsync = promisify(gzip);
let exiting = false;

/** The process is ending: deliver what can be delivered at once, without waiting to retry. */
export function stopRetrying(): void {
  exiting = true;
}
/** Answers that mean the server did nothing and may do it on a later try. */
export const RETRY_STATUS = new Set([429, 502, 503, 504]);
const INITIAL_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 5_000;

/** Where finished spans go: the OTLP exporter, or any object with this method (tests). */
export interface SpanExporterLike {
  /** Deliver `spans`; must not throw (report failures through the return value). */
  export(spans: ReadableSpan[], tags: TraceTags[]): Promise<void>;
}

/** Tags of a finished trace, set on the server after its spans are delivered. */
export interface TraceTags {
  traceId: string;
  tags: Record<string, string>;
}

export class OtlpHttpExporter implements SpanExporterLike {
  private readonly headers: Record<string, string>;

  constructor(
    private readonly config: Config,
    private readonly endpoint: string,
  ) {
    this.headers = {
      "content-type": "application/x-protobuf",
      "content-encoding": "gzip",
      "user-agent": "spanscope-typescript",
    };
    if (config.experimentId) this.headers[ExperimentHeader.ID] = config.experimentId;
    else if (config.experimentName) this.headers[ExperimentHeader.NAME] = config.experimentName;
    if (config.token) this.headers.authorization = `Bearer ${config.token}`;
  }

  async export(spans: ReadableSpan[], tags: TraceTags[]): Promise<void> {
    let body: Uint8Array;
    try {
      const raw = ProtobufTraceSerializer.serializeRequest(spans);
      if (!raw) throw new Error("the OTLP serializer returned nothing");
      body = await gzipAsync(raw, { level: 6 }); // most of the gain for little CPU
    } catch (error) {
      countDropped(spans.length, `could not encode spans: ${describe(error)}`);
      return;
    }
    const failure = await this.post(this.endpoint, body, this.headers);
    if (failure) {
      countDropped(spans.length, `export to ${this.endpoint} failed: ${failure}`);
      return;
    }
    stats.exportedSpans += spans.length;
    for (const { traceId, tags: pairs } of tags) {
      for (const [key, value] of Object.entries(pairs)) {
        const url = `${this.config.serverUrl}/api/v1/traces/${traceId}/tags/${encodeURIComponent(key)}`;
        const headers = { ...this.authHeader(), "content-type": "application/json" };
        const tagFailure = await this.post(url, JSON.stringify({ value }), headers, "PUT");
        if (tagFailure) warnOnce("export-tags", `spanscope: setting a tag failed: ${url}: ${tagFailure}`);
      }
    }
  }

  private authHeader(): Record<string, string> {
    return this.config.token ? { authorization: `Bearer ${this.config.token}` } : {};
  }

  /** POST (or PUT) with retries; the failure's description, or undefined on success. */
  private async post(
    url: string,
    body: Uint8Array | string,
    headers: Record<string, string>,
    method = "POST",
  ): Promise<string | undefined> {
    const deadline = Date.now() + this.config.maxRetryTimeMs;
    for (let attempt = 0; ; attempt++) {
      let failure: string;
      let retryAfterMs: number | undefined;
      try {
        const response = await fetch(url, {
          method,
          body,
          headers,
          signal: AbortSignal.timeout(this.config.timeoutMs),
        });
        const text = await response.text();
        if (response.ok) return undefined;
        failure = `HTTP ${response.status}: ${text.slice(0, 300)}`;
        if (!RETRY_STATUS.has(response.status)) return failure;
        retryAfterMs = parseRetryAfter(response.headers.get("retry-after"));
      } catch (error) {
        failure = describe(error);
      }
      const delay = retryAfterMs ?? backoff(attempt);
      if (exiting || Date.now() + delay >= deadline) return `${failure} (gave up after ${attempt + 1} attempt(s))`;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

export function backoff(attempt: number): number {
  const delay = Math.min(INITIAL_BACKOFF_MS * 2 ** attempt, MAX_BACKOFF_MS);
  return delay * (0.5 + Math.random() / 2); // jitter, so clients do not retry in step
}

/** Milliseconds to wait from a Retry-After header (seconds or an HTTP date). */
export function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(seconds, 0) * 1000;
  const when = Date.parse(value);
  return Number.isNaN(when) ? undefined : Math.max(when - Date.now(), 0);
}

export function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  const detail = cause instanceof Error ? ` (${cause.message})` : "";
  return `${error.name}: ${error.message}${detail}`;
}
