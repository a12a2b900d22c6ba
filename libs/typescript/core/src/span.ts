/**
 * LiveSpan: a span being recorded. It wraps an OpenTelemetry span of spanscope's own provider
 * (ids, parent link, timing) and holds what OpenTelemetry JS cannot: inputs, outputs and
 * structured attribute and event values (OTLP carries them as key-value lists, as the Python
 * SDK writes them; the JS SDK's attributes only take primitives and arrays of them).
 */
import { SpanStatusCode, type HrTime, type Span as OtelSpan } from "@opentelemetry/api";
import { nowHrTime } from "./clock.js";
import { ExceptionEventKey, SpanType } from "./constants.js";
import { warnOnce } from "./safety.js";

/** Trace-level fields shared by every span of one trace (set by updateCurrentTrace). */
export interface TraceFields {
  readonly traceId: string;
  tags: Record<string, string>;
  metadata: Record<string, string>;
  sessionId?: string;
  userId?: string;
}

export interface SpanEventRecord {
  name: string;
  time: HrTime;
  attributes: Record<string, unknown>;
}

export type StatusCode = "OK" | "ERROR" | "UNSET";

/** Options of `end()`. */
export interface EndOptions {
  outputs?: unknown;
  attributes?: Record<string, unknown>;
  status?: StatusCode;
}

export class LiveSpan {
  /** Span type (LLM, CHAT_MODEL, TOOL, ...; any string). */
  spanType: string;
  inputs: unknown = undefined;
  outputs: unknown = undefined;
  readonly attributes: Record<string, unknown> = {};
  readonly events: SpanEventRecord[] = [];
  status: { code: StatusCode; message: string } = { code: "UNSET", message: "" };
  private _ended = false;
  /** @internal Set while span processors run on the ended span, so they can edit it. */
  _editable = false;

  constructor(
    readonly otelSpan: OtelSpan,
    public name: string,
    spanType: string,
    readonly trace: TraceFields,
    readonly parent: LiveSpan | undefined,
  ) {
    this.spanType = spanType || SpanType.UNKNOWN;
  }

  get traceId(): string {
    return this.trace.traceId;
  }

  get spanId(): string {
    return this.otelSpan.spanContext().spanId;
  }

  get parentId(): string | undefined {
    return this.parent?.spanId;
  }

  get isEnded(): boolean {
    return this._ended;
  }

  setInputs(inputs: unknown): this {
    if (this.writable("setInputs")) this.inputs = inputs;
    return this;
  }

  setOutputs(outputs: unknown): this {
    if (this.writable("setOutputs")) this.outputs = outputs;
    return this;
  }

  setSpanType(spanType: string): this {
    if (this.writable("setSpanType")) this.spanType = spanType;
    return this;
  }

  setAttribute(key: string, value: unknown): this {
    if (this.writable("setAttribute")) this.attributes[key] = value;
    return this;
  }

  setAttributes(attributes: Record<string, unknown>): this {
    if (this.writable("setAttributes")) Object.assign(this.attributes, attributes);
    return this;
  }

  addEvent(name: string, attributes: Record<string, unknown> = {}, time: HrTime = nowHrTime()): this {
    if (this.writable("addEvent")) this.events.push({ name, time, attributes });
    return this;
  }

  setStatus(code: StatusCode, message = ""): this {
    if (this.writable("setStatus")) this.status = { code, message };
    return this;
  }

  /** Add an `exception` event and set status ERROR with "<Type>: <message>". */
  recordException(error: unknown): this {
    if (!this.writable("recordException")) return this;
    if (error instanceof Error) {
      const type = errorType(error);
      this.addEvent(ExceptionEventKey.EVENT_NAME, {
        [ExceptionEventKey.TYPE]: type,
        [ExceptionEventKey.MESSAGE]: error.message,
        [ExceptionEventKey.STACKTRACE]: error.stack ?? "",
      });
      this.status = { code: "ERROR", message: `${type}: ${error.message}` };
    } else {
      const message = String(error);
      this.addEvent(ExceptionEventKey.EVENT_NAME, { [ExceptionEventKey.MESSAGE]: message });
      this.status = { code: "ERROR", message };
    }
    return this;
  }

  /** End the span (status OK unless set otherwise). Ending twice is a no-op. */
  end(options: EndOptions = {}): void {
    if (this._ended) {
      warnOnce("span-ended-twice", `spanscope: span "${this.name}" was ended twice`);
      return;
    }
    if (options.outputs !== undefined) this.outputs = options.outputs;
    if (options.attributes) Object.assign(this.attributes, options.attributes);
    if (options.status) this.status = { code: options.status, message: this.status.message };
    if (this.status.code === "UNSET") this.status = { code: "OK", message: "" };
    this._ended = true;
    const code = this.status.code === "ERROR" ? SpanStatusCode.ERROR : SpanStatusCode.OK;
    this.otelSpan.setStatus({ code, message: this.status.message });
    this.otelSpan.end(nowHrTime()); // the processor picks the span up from here (see provider.ts)
  }

  /** What a span is when it lands in inputs or outputs (e.g. returned by a traced callback):
   * its names, not the OpenTelemetry machinery it holds. */
  toJSON(): { name: string; span_type: string; trace_id: string; span_id: string } {
    return { name: this.name, span_type: this.spanType, trace_id: this.traceId, span_id: this.spanId };
  }

  private writable(what: string): boolean {
    if (!this._ended || this._editable) return true;
    warnOnce(`ended:${what}`, `spanscope: ${what}() on the ended span "${this.name}" is ignored`);
    return false;
  }
}

/** The error's type: its `name`, or its class name when `name` is the generic "Error". */
function errorType(error: Error): string {
  const className = error.constructor?.name;
  return error.name === "Error" && className && className !== "Object" ? className : error.name;
}
