/**
 * Tracing streams in place: the library's stream object stays the caller's, only the async
 * iterator it reads from is wrapped. Each chunk is recorded as it passes (a `stream.chunk`
 * event, up to a cap) while the caller consumes it, time to first token is noted, and when the
 * stream is exhausted, broken out of, or fails, `finish(call, chunks)` records the assembled
 * output and usage and the span ends.
 */
import { hrTimeDuration, hrTimeToNanoseconds } from "@opentelemetry/core";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { nowHrTime } from "./clock.js";
import { MAX_CHUNK_EVENTS, STREAM_CHUNK_EVENT, SpanAttributeKey } from "./constants.js";
import type { LLMCall } from "./llm.js";
import { internalError } from "./safety.js";

/** Sets output messages and usage on the call from the chunks; returns the span's outputs. */
export type Finish = (call: LLMCall, chunks: unknown[]) => unknown;

class Recorder {
  readonly chunks: unknown[] = [];
  private done = false;

  constructor(
    private readonly call: LLMCall,
    private readonly finish: Finish,
  ) {}

  add(chunk: unknown): void {
    try {
      const span = this.call.span;
      const now = nowHrTime();
      if (this.chunks.length === 0) {
        const start = (span.otelSpan as unknown as ReadableSpan).startTime;
        span.setAttribute(SpanAttributeKey.TIME_TO_FIRST_TOKEN_NS, hrTimeToNanoseconds(hrTimeDuration(start, now)));
      }
      if (this.chunks.length < MAX_CHUNK_EVENTS) {
        span.addEvent(STREAM_CHUNK_EVENT, { index: this.chunks.length, value: chunk }, now);
      }
    } catch (error) {
      internalError("recording a stream chunk", error);
    }
    this.chunks.push(chunk);
  }

  end(error?: unknown): void {
    if (this.done) return;
    this.done = true;
    let outputs: unknown;
    try {
      outputs = this.finish(this.call, this.chunks);
    } catch (failure) {
      internalError("assembling a stream", failure);
    }
    try {
      this.call.end(outputs, error);
    } catch (failure) {
      internalError("ending a stream span", failure);
    }
  }
}

/** An async iterator over `inner` that records chunks and ends `call` when it stops. */
export function traceAsyncIterator<T>(inner: AsyncIterator<T>, call: LLMCall, finish: Finish): AsyncIterableIterator<T> {
  const recorder = new Recorder(call, finish);
  const traced: AsyncIterableIterator<T> = {
    async next(...args: [] | [unknown]): Promise<IteratorResult<T>> {
      let result: IteratorResult<T>;
      try {
        result = await inner.next(...args);
      } catch (error) {
        recorder.end(error);
        throw error;
      }
      if (result.done) recorder.end();
      else recorder.add(result.value);
      return result;
    },
    async return(value?: unknown): Promise<IteratorResult<T>> {
      try {
        // The caller broke out early: close the library's iterator, end with what came.
        return inner.return ? await inner.return(value) : { done: true, value: value as T };
      } finally {
        recorder.end();
      }
    },
    async throw(error?: unknown): Promise<IteratorResult<T>> {
      recorder.end(error);
      if (inner.throw) return inner.throw(error);
      throw error;
    },
    [Symbol.asyncIterator]() {
      return traced;
    },
  };
  return traced;
}

// A stream dropped without being read to the end (or at all) ends its span when collected.
const abandoned = new FinalizationRegistry<LLMCall>((call) => {
  try {
    call.end(); // a no-op when the stream already ended it
  } catch (error) {
    internalError("ending an abandoned stream", error);
  }
});

/**
 * Trace a stream object of the openai / Anthropic SDKs in place: both read their events
 * through `stream.iterator()`, which iteration, `tee()` and the SDK's stream helpers all call.
 */
export function traceSdkStream(stream: unknown, call: LLMCall, finish: Finish): boolean {
  const target = stream as { iterator?: unknown };
  const original = target?.iterator;
  if (typeof original !== "function") return false;
  target.iterator = function (this: unknown) {
    return traceAsyncIterator((original as () => AsyncIterator<unknown>).call(this), call, finish);
  };
  abandoned.register(target, call);
  return true;
}
