/**
 * The runtime: spanscope's own OpenTelemetry TracerProvider (never the global one, so an app's
 * own OpenTelemetry setup is left alone), its span processor, and the export queue.
 */
import { ROOT_CONTEXT, trace as otelTrace, type Context } from "@opentelemetry/api";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  BasicTracerProvider,
  type ReadableSpan,
  type Span as SdkSpan,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { resolveConfig, type Config, type InitOptions } from "./config.js";
import { SCOPE_NAME } from "./constants.js";
import { OtlpHttpExporter } from "./exporter.js";
import { exportable } from "./export-span.js";
import { TimeFirstIdGenerator } from "./ids.js";
import { ExportQueue, installExitHooks } from "./queue.js";
import { nowHrTime } from "./clock.js";
import { countDropped, internalError, warnOnce } from "./safety.js";
import { LiveSpan, type TraceFields } from "./span.js";

/** A user's span processor: edits (e.g. redacts) each span before it is exported. */
export type SpanProcessorFn = (span: LiveSpan) => void;

interface Runtime {
  config: Config;
  provider: BasicTracerProvider;
  tracer: ReturnType<BasicTracerProvider["getTracer"]>;
  queue: ExportQueue | undefined;
}

const liveSpans = new WeakMap<object, LiveSpan>();
const processors: SpanProcessorFn[] = [];
let runtime: Runtime | undefined;
let lastTraceId: string | undefined;

class SpanscopeProcessor implements SpanProcessor {
  constructor(private readonly queue: ExportQueue | undefined) {}

  onStart(): void {}

  onEnd(span: ReadableSpan): void {
    try {
      const live = liveSpans.get(span);
      if (live === undefined) {
        this.queue?.add(span); // a span made with getTracer() directly: exported as it is
        return;
      }
      liveSpans.delete(span);
      runProcessors(live);
      const isRoot = live.parent === undefined;
      if (isRoot) lastTraceId = live.traceId;
      if (!this.queue) {
        countDropped(1, "no spanscope server to export to (set SPANSCOPE_TRACKING_URI or call init())");
        return;
      }
      const tags = isRoot && Object.keys(live.trace.tags).length ? { traceId: live.traceId, tags: live.trace.tags } : undefined;
      this.queue.add(exportable(span, live, isRoot), tags);
    } catch (error) {
      internalError("ending a span", error);
    }
  }

  async forceFlush(): Promise<void> {
    await this.queue?.flush();
  }

  async shutdown(): Promise<void> {
    await this.queue?.flush();
  }
}

function runProcessors(span: LiveSpan): void {
  if (processors.length === 0) return;
  span._editable = true;
  try {
    for (const processor of processors) {
      try {
        processor(span);
      } catch (error) {
        // The user's own processor failed: their bug, warned about, never thrown.
        warnOnce(`processor:${String(error)}`, `spanscope: span processor threw on "${span.name}": ${String(error)}`);
      }
    }
  } finally {
    span._editable = false;
  }
}

function build(config: Config): Runtime {
  const exporter = config.exporter ?? (config.endpoint ? new OtlpHttpExporter(config, config.endpoint) : undefined);
  const queue = exporter
    ? new ExportQueue(exporter, config.queueSize, config.batchSize, config.exportIntervalMs)
    : undefined;
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": config.serviceName }),
    idGenerator: new TimeFirstIdGenerator(),
    spanProcessors: [new SpanscopeProcessor(queue)],
  });
  installExitHooks(() => runtime?.queue);
  return { config, provider, tracer: provider.getTracer(SCOPE_NAME), queue };
}

/**
 * Configure tracing: where traces go (`trackingUri`, the experiment, the token) and how they
 * are batched. Unset options come from the environment (SPANSCOPE_TRACKING_URI, ...).
 * Spans already queued are flushed to the previous destination in the background.
 */
export function init(options: InitOptions = {}): void {
  const config = resolveConfig(options); // bad options: a clear error, nothing changed
  const previous = runtime;
  runtime = build(config);
  if (previous?.queue) void previous.queue.flush();
}

function current(): Runtime {
  if (runtime === undefined) {
    let config: Config;
    try {
      config = resolveConfig();
    } catch (error) {
      warnOnce("config", `spanscope: ${String(error)}; using the defaults`);
      config = resolveConfig({ queueSize: 10_000, batchSize: 256, exportIntervalMs: 500 });
    }
    runtime = build(config);
  }
  return runtime;
}

/** The settings in force (from `init()`, else the environment). */
export function currentConfig(): Config {
  return current().config;
}

export function isEnabled(): boolean {
  return !current().config.disabled;
}

/** Start a span of spanscope's provider under `parent` (none: a new trace). */
export function startLiveSpan(name: string, spanType: string, parent: LiveSpan | undefined): LiveSpan {
  const { tracer } = current();
  const context: Context = parent ? otelTrace.setSpan(ROOT_CONTEXT, parent.otelSpan) : ROOT_CONTEXT;
  const otelSpan = tracer.startSpan(name, { startTime: nowHrTime() }, context) as unknown as SdkSpan;
  const fields: TraceFields = parent ? parent.trace : { traceId: otelSpan.spanContext().traceId, tags: {}, metadata: {} };
  const live = new LiveSpan(otelSpan, name, spanType, fields, parent);
  liveSpans.set(otelSpan, live);
  return live;
}

/** The OpenTelemetry tracer of spanscope's provider, for spans made with the OTel API. */
export function getTracer(): ReturnType<BasicTracerProvider["getTracer"]> {
  return current().tracer;
}

/** Add a span processor: it sees (and may edit) every span before export. */
export function addSpanProcessor(processor: SpanProcessorFn): void {
  processors.push(processor);
}

/** Remove every span processor. */
export function clearSpanProcessors(): void {
  processors.length = 0;
}

/** The id of the trace whose root span ended last in this process. */
export function getLastActiveTraceId(): string | undefined {
  return lastTraceId;
}

/** Wait until every span ended so far is exported (or counted as dropped). */
export async function flushTraces(): Promise<void> {
  await runtime?.queue?.flush();
}
