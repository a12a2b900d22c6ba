/**
 * The fluent API: `trace()` for functions (sync, promise-returning, generators, async
 * generators), the `traceMethod` decorator, `withSpan`, detached `startSpan`, and the current
 * span and trace. Exceptions are recorded on the span and re-thrown unchanged; an error of
 * spanscope's own never reaches the caller (see safety.ts).
 */
import { INVALID_SPAN_CONTEXT, trace as otelTrace } from "@opentelemetry/api";
import { SpanType } from "./constants.js";
import { currentSpan, runWithSpan } from "./context.js";
import { inputCapture } from "./inputs.js";
import { internalError, warnOnce } from "./safety.js";
import { isEnabled, startLiveSpan } from "./runtime.js";
import { LiveSpan } from "./span.js";

export interface TraceOptions {
  /** Span name (default: the function's name). */
  name?: string;
  /** Span type (default UNKNOWN). */
  spanType?: string;
  /** Attributes set when the span starts. */
  attributes?: Record<string, unknown>;
  /** Generators: the outputs from the yielded chunks (default: the list of chunks). */
  outputReducer?: (chunks: unknown[]) => unknown;
}

export interface SpanOptions {
  name?: string;
  spanType?: string;
  inputs?: unknown;
  attributes?: Record<string, unknown>;
  /** The parent span (default: the current span; null: start a new trace). */
  parent?: LiveSpan | null;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyFunction = (...args: any[]) => any;

const GeneratorFunction = Object.getPrototypeOf(function* () {}).constructor;
const AsyncGeneratorFunction = Object.getPrototypeOf(async function* () {}).constructor;

/** Trace `fn`: every call is one span, inputs named from its parameters, outputs its result. */
export function trace<F extends AnyFunction>(fn: F, options: TraceOptions = {}): F {
  if (typeof fn !== "function") {
    throw new TypeError(`spanscope.trace() wraps a function, got ${fn === null ? "null" : typeof fn}`);
  }
  const name = options.name ?? (fn.name || "span");
  const spanType = options.spanType ?? SpanType.UNKNOWN;
  const capture = inputCapture(fn);
  const kind = fn instanceof AsyncGeneratorFunction ? "asyncgen" : fn instanceof GeneratorFunction ? "gen" : "call";
  const wrapped = function (this: unknown, ...args: unknown[]): unknown {
    if (!isEnabled()) return fn.apply(this, args);
    let span: LiveSpan;
    try {
      span = startLiveSpan(name, spanType, currentSpan());
      span.setInputs(capture(args));
      if (options.attributes) span.setAttributes(options.attributes);
    } catch (error) {
      internalError("starting a span", error);
      return fn.apply(this, args);
    }
    if (kind !== "call") {
      let generator: Iterator<unknown> | AsyncIterator<unknown>;
      try {
        generator = runWithSpan(span, () => fn.apply(this, args));
      } catch (error) {
        finish(span, undefined, error);
        throw error;
      }
      return kind === "gen"
        ? traceGenerator(generator as Generator, span, options.outputReducer)
        : traceAsyncGenerator(generator as AsyncGenerator, span, options.outputReducer);
    }
    return runAndEnd(span, () => fn.apply(this, args));
  };
  Object.defineProperty(wrapped, "name", { value: fn.name, configurable: true });
  Object.defineProperty(wrapped, "length", { value: fn.length, configurable: true });
  return wrapped as F;
}

/**
 * A method decorator: `@traceMethod({ spanType: "TOOL" })`. Works with TypeScript's standard
 * decorators and with `experimentalDecorators`.
 */
export function traceMethod(options: TraceOptions = {}) {
  // Standard decorators want the replacement method, legacy ones the descriptor: no one type.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return function (value: unknown, context: unknown, descriptor?: PropertyDescriptor): any {
    if (descriptor && typeof descriptor.value === "function") {
      descriptor.value = trace(descriptor.value, { ...options, name: options.name ?? String(context) });
      return descriptor;
    }
    const ctx = context as { kind?: string; name?: unknown } | undefined;
    if (typeof value === "function" && ctx?.kind === "method") {
      return trace(value as AnyFunction, { ...options, name: options.name ?? String(ctx.name) });
    }
    throw new TypeError("@traceMethod decorates methods only");
  };
}

/** Run `callback` inside a new current span; the span ends when it returns or settles. */
export function withSpan<T>(callback: (span: LiveSpan) => T, options: SpanOptions = {}): T {
  const span = startSpan(options);
  return runAndEnd(span, () => callback(span));
}

/**
 * Start a span that is not made current, for callback-style code: end it with `span.end()`.
 * Child spans can name it with `parent`.
 */
export function startSpan(options: SpanOptions = {}): LiveSpan {
  const name = options.name ?? "span";
  const spanType = options.spanType ?? SpanType.UNKNOWN;
  try {
    if (!isEnabled()) return noopSpan(name, spanType);
    const parent = options.parent === null ? undefined : (options.parent ?? currentSpan());
    const span = startLiveSpan(name, spanType, parent);
    if (options.inputs !== undefined) span.setInputs(options.inputs);
    if (options.attributes) span.setAttributes(options.attributes);
    return span;
  } catch (error) {
    internalError("starting a span", error);
    return noopSpan(name, spanType);
  }
}

/** The span current in this async context, if any. */
export function getCurrentActiveSpan(): LiveSpan | undefined {
  return currentSpan();
}

export interface TraceUpdate {
  tags?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  sessionId?: string;
  userId?: string;
}

/** Set trace-level fields of the current trace; tag and metadata values become strings. */
export function updateCurrentTrace(update: TraceUpdate): void {
  for (const label of ["tags", "metadata"] as const) {
    const value = update[label];
    if (value !== undefined && (value === null || typeof value !== "object" || Array.isArray(value))) {
      throw new TypeError(`updateCurrentTrace({ ${label} }) takes an object of string values, got ${describeType(value)}`);
    }
  }
  const span = currentSpan();
  if (span === undefined) {
    warnOnce("update-outside-trace", "spanscope: updateCurrentTrace() called outside any span; nothing was set");
    return;
  }
  const fields = span.trace;
  for (const [key, value] of Object.entries(update.tags ?? {})) fields.tags[key] = text(value);
  for (const [key, value] of Object.entries(update.metadata ?? {})) fields.metadata[key] = text(value);
  if (update.sessionId !== undefined) fields.sessionId = String(update.sessionId);
  if (update.userId !== undefined) fields.userId = String(update.userId);
}

function runAndEnd<T>(span: LiveSpan, body: () => T): T {
  let result: T;
  try {
    result = runWithSpan(span, body);
  } catch (error) {
    finish(span, undefined, error);
    throw error;
  }
  if (isThenable(result)) {
    return result.then(
      (value: unknown) => {
        finish(span, value);
        return value;
      },
      (error: unknown) => {
        finish(span, undefined, error);
        throw error;
      },
    ) as T;
  }
  finish(span, result);
  return result;
}

function finish(span: LiveSpan, outputs: unknown, error?: unknown): void {
  try {
    if (error !== undefined) span.recordException(error);
    if (span.outputs === undefined && outputs !== undefined) span.setOutputs(outputs);
    span.end();
  } catch (failure) {
    internalError("ending a span", failure);
  }
}

/** The chunks a traced generator yields, and the end of its span (once). */
class Chunks {
  readonly items: unknown[] = [];
  private done = false;

  constructor(
    private readonly span: LiveSpan,
    private readonly reducer: ((chunks: unknown[]) => unknown) | undefined,
  ) {}

  /** Record one step's result; the span ends with the generator. */
  step<R extends IteratorResult<unknown>>(result: R): R {
    if (!result.done) this.items.push(result.value);
    else this.end();
    return result;
  }

  end(error?: unknown): void {
    if (this.done) return;
    this.done = true;
    finish(this.span, reduce(this.items, this.reducer), error);
  }
}

function traceGenerator(
  generator: Generator,
  span: LiveSpan,
  reducer: ((chunks: unknown[]) => unknown) | undefined,
): Generator {
  const chunks = new Chunks(span, reducer);
  const step = (move: () => IteratorResult<unknown>): IteratorResult<unknown> => {
    try {
      return chunks.step(runWithSpan(span, move));
    } catch (error) {
      chunks.end(error);
      throw error;
    }
  };
  return delegate(generator, step, Symbol.iterator) as unknown as Generator;
}

function traceAsyncGenerator(
  generator: AsyncGenerator,
  span: LiveSpan,
  reducer: ((chunks: unknown[]) => unknown) | undefined,
): AsyncGenerator {
  const chunks = new Chunks(span, reducer);
  const step = (move: () => Promise<IteratorResult<unknown>>): Promise<IteratorResult<unknown>> =>
    runWithSpan(span, move).then(
      (result) => chunks.step(result),
      (error: unknown) => {
        chunks.end(error);
        throw error;
      },
    );
  return delegate(generator, step, Symbol.asyncIterator) as unknown as AsyncGenerator;
}

/** An iterator whose next / return / throw run the generator's own through `step`. */
function delegate<R>(
  generator: { next(value?: unknown): R; return(value?: unknown): R; throw(error?: unknown): R },
  step: (move: () => R) => R,
  symbol: symbol,
): object {
  const traced = {
    next: (value?: unknown) => step(() => generator.next(value)),
    return: (value?: unknown) => step(() => generator.return(value)),
    throw: (error?: unknown) => step(() => generator.throw(error)),
    [symbol]: () => traced,
  };
  return traced;
}

function reduce(chunks: unknown[], reducer: ((chunks: unknown[]) => unknown) | undefined): unknown {
  if (!reducer) return chunks;
  try {
    return reducer(chunks);
  } catch (error) {
    internalError("outputReducer", error);
    return chunks;
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && (typeof value === "object" || typeof value === "function") && typeof (value as { then?: unknown }).then === "function";
}

function noopSpan(name: string, spanType: string): LiveSpan {
  const otelSpan = otelTrace.wrapSpanContext(INVALID_SPAN_CONTEXT);
  return new LiveSpan(otelSpan, name, spanType, { traceId: INVALID_SPAN_CONTEXT.traceId, tags: {}, metadata: {} }, undefined);
}

function text(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value) ?? String(value);
}

function describeType(value: unknown): string {
  return value === null ? "null" : Array.isArray(value) ? "an array" : typeof value;
}
