/**
 * Helpers every integration uses to wrap a client's methods: patch one method of one client
 * object (never a prototype, so other clients stay untouched), and observe the SDK's lazy
 * promise (`APIPromise`) without changing what the caller gets from it.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { SpanType } from "./constants.js";
import { runWithSpan } from "./context.js";
import { startLlmSpan, type LLMCall } from "./llm.js";
import { guarded, internalError } from "./safety.js";
import { traceSdkStream } from "./streaming.js";

const WRAPPED = Symbol.for("spanscope.wrapped");

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Method = (this: any, ...args: any[]) => any;

/** Replace `owner[name]` by `wrap(original)` once; false if absent or already wrapped. */
export function wrapMethod(owner: unknown, name: string, wrap: (original: Method) => Method): boolean {
  if (owner === null || typeof owner !== "object") return false;
  const target = owner as Record<string, unknown>;
  const original = target[name];
  if (typeof original !== "function" || (original as { [WRAPPED]?: boolean })[WRAPPED]) return false;
  const wrapped = wrap(original as Method);
  Object.defineProperty(wrapped, WRAPPED, { value: true });
  Object.defineProperty(wrapped, "name", { value: name, configurable: true });
  target[name] = wrapped;
  return true;
}

export interface ResultHandlers {
  /** The parsed result (a value, or the SDK's stream object) arrived. */
  onResult(result: unknown): void;
  /** The call failed. */
  onError(error: unknown): void;
  /** The caller took the raw HTTP response (`asResponse()`): its body is theirs to read. */
  onRawResponse(): void;
}

/**
 * Call `original` with `call`'s span current and observe the promise it returns. The caller
 * gets a proxy of the SDK's own promise, so `withResponse()`, `asResponse()` and the rest
 * keep working; the result is recorded first (before the caller's own continuation runs).
 */
export function callObserved(call: LLMCall, original: () => unknown, handlers: ResultHandlers): unknown {
  let promise: unknown;
  try {
    promise = runWithSpan(call.span, original);
  } catch (error) {
    safely(() => handlers.onError(error));
    throw error;
  }
  if (promise === null || typeof promise !== "object" || typeof (promise as PromiseLike<unknown>).then !== "function") {
    safely(() => handlers.onResult(promise));
    return promise;
  }
  return observePromise(promise as PromiseLike<unknown>, handlers);
}

function observePromise(promise: PromiseLike<unknown>, handlers: ResultHandlers): unknown {
  // The SDK parses a response once per promise, so exactly one path below observes it.
  let observed = false;
  let settled = false;
  const settle = (step: () => void): void => {
    if (settled) return;
    settled = true;
    safely(step);
  };
  const observe = (): void => {
    if (observed) return;
    observed = true;
    promise.then(
      (result) => settle(() => handlers.onResult(result)),
      (error) => settle(() => handlers.onError(error)),
    );
  };
  return new Proxy(promise as object, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (!observed && typeof value === "function") {
        if (property === "asResponse") {
          observed = true;
          return () =>
            (value as () => Promise<unknown>).call(target).then(
              (response) => {
                settle(() => handlers.onRawResponse());
                return response;
              },
              (error: unknown) => {
                settle(() => handlers.onError(error));
                throw error;
              },
            );
        }
        if (property === "_thenUnwrap") {
          // The SDK's own helpers (responses.stream(), ...) derive a promise that parses anew.
          observed = true;
          return (transform: (data: unknown, props: unknown) => unknown) => {
            const derived = (value as (t: typeof transform) => PromiseLike<unknown>).call(target, (data, props) => {
              settle(() => handlers.onResult(data));
              return transform(data, props);
            });
            derived.then(undefined, (error: unknown) => settle(() => handlers.onError(error)));
            return derived;
          };
        }
      }
      if (property === "then" || property === "catch" || property === "finally" || property === "withResponse") observe();
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

function safely(step: () => void): void {
  try {
    step();
  } catch (error) {
    internalError("recording an LLM call", error);
  }
}

/** One traced SDK method: the span it starts, what of the request and response it records. */
export interface ApiSpec<Body = unknown> {
  /** The span name, fixed or from the SDK helper the call was made by (see HelperScope). */
  spanName: string | ((helper: string | undefined) => string);
  /** The SDK helpers (`stream()`, `parse()`) implemented with this method. */
  helpers?: HelperScope;
  provider: string;
  operation: string;
  spanType?: string;
  /** The span inputs from the request body (default: the body). */
  inputs?(body: Body): unknown;
  /** Records the request (messages, tools) on the span. */
  request?(call: LLMCall, body: Body): void;
  /** Records a (non-streamed) result on the span; returns the span outputs. */
  response(call: LLMCall, result: unknown): unknown;
  /** Records what stream chunks add up to; returns the span outputs. */
  finishStream?(call: LLMCall, chunks: unknown[]): unknown;
}

/**
 * The traced version of an SDK method `(body, options) => APIPromise`: one span per call;
 * a streamed result keeps its own stream object, whose iterator is traced in place.
 */
export function tracedMethod<Body>(spec: ApiSpec<Body>, original: Method): Method {
  return function (this: unknown, body: Body, ...rest: unknown[]): unknown {
    const self = this;
    const model = (body as { model?: unknown } | undefined)?.model;
    const helper = spec.helpers?.claim();
    const name = typeof spec.spanName === "function" ? spec.spanName(helper?.name) : spec.spanName;
    const request = (helper ? helper.body : body) as Body;
    const call = startLlmSpan(name, {
      provider: spec.provider,
      operation: spec.operation,
      spanType: spec.spanType ?? SpanType.CHAT_MODEL,
      inputs: spec.inputs ? guarded("recording a request", () => spec.inputs?.(request)) : request,
      model: typeof model === "string" ? model : undefined,
    });
    if (call === undefined) return original.call(self, body, ...rest);
    if (spec.request) guarded("recording a request", () => spec.request?.(call, body));
    return callObserved(call, () => original.call(self, body, ...rest), {
      onResult(result) {
        const finishStream = spec.finishStream;
        if (finishStream && (body as { stream?: unknown } | undefined)?.stream === true && traceSdkStream(result, call, finishStream)) {
          return;
        }
        const outputs = guarded("recording a response", () => spec.response(call, result));
        call.end(outputs === undefined ? result : outputs);
      },
      onError: (error) => call.end(undefined, error),
      onRawResponse: () => call.end(),
    });
  };
}

/**
 * SDK helpers implemented with another traced method (`messages.stream()` and `parse()` call
 * `create`): inside `helper.wrap(name, original)`, the traced call is named after the helper
 * and its inputs are the helper's request, as the Python integrations record them.
 */
export class HelperScope {
  private readonly storage = new AsyncLocalStorage<{ name: string; body: unknown; claimed: boolean }>();

  /** The helper the current call runs inside, once: later calls in its async context (say,
   * from the user's stream event handlers) are calls of their own. */
  claim(): { name: string; body: unknown } | undefined {
    const scope = this.storage.getStore();
    if (scope === undefined || scope.claimed) return undefined;
    scope.claimed = true;
    return scope;
  }

  /** `original` with its calls marked as made by the helper `name`. */
  wrap(name: string, original: Method): Method {
    const storage = this.storage;
    return function (this: unknown, body: unknown, ...rest: unknown[]) {
      return storage.run({ name, body, claimed: false }, () => original.call(this, body, ...rest));
    };
  }
}
