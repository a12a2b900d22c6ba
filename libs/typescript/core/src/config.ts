/** Settings of the runtime: `init()` options, else the same environment variables as Python. */
import { Env } from "./constants.js";
import type { SpanExporterLike } from "./exporter.js";

export interface InitOptions {
  /** The spanscope server, `http(s)://host:port` (env SPANSCOPE_TRACKING_URI). */
  trackingUri?: string;
  /** Experiment to record into by id (env SPANSCOPE_EXPERIMENT_ID)... */
  experimentId?: string;
  /** ...or by name, created on first use (env SPANSCOPE_EXPERIMENT_NAME). */
  experimentName?: string;
  /** The server's API token (env SPANSCOPE_TRACKING_TOKEN). */
  token?: string;
  /** `service.name` of the OTLP resource (default "spanscope"). */
  serviceName?: string;
  /** Tracing off: traced functions run as if undecorated (env SPANSCOPE_TRACING_DISABLED=1). */
  disabled?: boolean;
  /** Spans waiting for export at most; more are dropped and counted (default 10000). */
  queueSize?: number;
  /** Spans per export request (default 256). */
  batchSize?: number;
  /** Longest wait before a partial batch is sent, ms (default 500). */
  exportIntervalMs?: number;
  /** How long one batch is retried, ms (default 10000). */
  maxRetryTimeMs?: number;
  /** Timeout of one HTTP request, ms (default 10000). */
  timeoutMs?: number;
  /** Export elsewhere instead of the server (tests: an in-memory exporter). */
  exporter?: SpanExporterLike;
}

export interface Config {
  endpoint: string | undefined;
  serverUrl: string | undefined;
  experimentId: string | undefined;
  experimentName: string | undefined;
  token: string | undefined;
  serviceName: string;
  disabled: boolean;
  queueSize: number;
  batchSize: number;
  exportIntervalMs: number;
  maxRetryTimeMs: number;
  timeoutMs: number;
  exporter: SpanExporterLike | undefined;
}

/** The configuration from `options`, filled in from the environment. */
export function resolveConfig(options: InitOptions = {}): Config {
  const env = process.env;
  const uri = options.trackingUri ?? env[Env.TRACKING_URI];
  const serverUrl = uri && /^https?:\/\//i.test(uri) ? uri.replace(/\/+$/, "") : undefined;
  if (options.trackingUri !== undefined && serverUrl === undefined) {
    throw new Error(
      `spanscope.init: trackingUri ${JSON.stringify(options.trackingUri)} is not an http:// or ` +
        "https:// URL of a spanscope server (the TypeScript SDK sends traces to a server)",
    );
  }
  return {
    serverUrl,
    endpoint: serverUrl ? `${serverUrl}/v1/traces` : undefined,
    experimentId: options.experimentId ?? nonEmpty(env[Env.EXPERIMENT_ID]),
    experimentName: options.experimentName ?? nonEmpty(env[Env.EXPERIMENT_NAME]),
    token: options.token ?? nonEmpty(env[Env.TRACKING_TOKEN]),
    serviceName: options.serviceName ?? "spanscope",
    disabled: options.disabled ?? truthy(env[Env.TRACING_DISABLED]),
    queueSize: positive("queueSize", options.queueSize, env[Env.QUEUE_SIZE], 10_000),
    batchSize: positive("batchSize", options.batchSize, env[Env.BATCH_SIZE], 256),
    exportIntervalMs: positive("exportIntervalMs", options.exportIntervalMs, env[Env.EXPORT_INTERVAL_MS], 500),
    maxRetryTimeMs: positive("maxRetryTimeMs", options.maxRetryTimeMs, undefined, 10_000),
    timeoutMs: positive("timeoutMs", options.timeoutMs, undefined, 10_000),
    exporter: options.exporter,
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value && value.trim() ? value.trim() : undefined;
}

function truthy(value: string | undefined): boolean {
  return ["1", "true", "yes"].includes((value ?? "").trim().toLowerCase());
}

function positive(name: string, given: number | undefined, raw: string | undefined, fallback: number): number {
  const value = given ?? (raw !== undefined && raw.trim() !== "" ? Number(raw) : fallback);
  if (!Number.isFinite(value) || value <= 0) {
    throw new Error(`spanscope.init: ${name} must be a positive number, got ${String(given ?? raw)}`);
  }
  return value;
}
