import { EventEmitter } from "node:events";
import { trace as otelTrace, type HrTime } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { MemoryExporter } from "@spanscope/test-support";
import { beforeEach, describe, expect, test } from "vitest";
import {
  addSpanProcessor,
  clearSpanProcessors,
  flushTraces,
  getCurrentActiveSpan,
  getLastActiveTraceId,
  init,
  startSpan,
  trace,
  traceMethod,
  updateCurrentTrace,
  withSpan,
} from "../src/index.js";
import { newTraceId } from "../src/ids.js";

const memory = new MemoryExporter();

beforeEach(() => {
  memory.clear();
  clearSpanProcessors();
  init({ exporter: memory, exportIntervalMs: 10 });
});

async function spans() {
  await flushTraces();
  return memory.spans;
}

describe("trace()", () => {
  test("a sync function: inputs by parameter name, outputs, type, status OK", async () => {
    const add = trace((a: number, b = 2) => a + b, { name: "add", spanType: "TOOL", attributes: { team: "x" } });
    expect(add(1, 5)).toBe(6);
    const [span] = await spans();
    expect(span).toMatchObject({ name: "add", spanType: "TOOL", inputs: { a: 1, b: 5 }, outputs: 6, status: { code: 1 } });
    expect(span?.attributes).toEqual({ team: "x" });
    expect(span?.parentId).toBeUndefined();
    expect(getLastActiveTraceId()).toBe(span?.traceId);
  });

  test("promise-returning functions nest their children across await and timers", async () => {
    const child = trace(async function lookup(id: string) {
      await new Promise((r) => setTimeout(r, 5));
      return { id };
    });
    const parent = trace(async function agent(question: string) {
      const first = await child("a");
      const second = await new Promise((resolve) => setTimeout(() => resolve(child("b")), 1));
      return [first, second];
    });
    expect(await parent("q")).toEqual([{ id: "a" }, { id: "b" }]);
    const all = await spans();
    const root = all.find((s) => s.name === "agent");
    const children = all.filter((s) => s.name === "lookup");
    expect(children.map((c) => c.parentId)).toEqual([root?.spanId, root?.spanId]);
    expect(new Set(all.map((s) => s.traceId)).size).toBe(1);
    expect(root?.outputs).toEqual([{ id: "a" }, { id: "b" }]);
  });

  test("context follows event emitters", async () => {
    const emitter = new EventEmitter();
    const seen: (string | undefined)[] = [];
    const handle = trace(function handler() {
      seen.push(getCurrentActiveSpan()?.name);
    });
    await withSpan(
      async () => {
        emitter.on("go", () => handle());
        emitter.emit("go");
      },
      { name: "outer" },
    );
    const all = await spans();
    expect(seen).toEqual(["handler"]);
    expect(all.find((s) => s.name === "handler")?.parentId).toBe(all.find((s) => s.name === "outer")?.spanId);
  });

  test("an exception becomes an event and ERROR status and is re-thrown unchanged", async () => {
    class Boom extends Error {
      override name = "Boom";
    }
    const error = new Boom("bad input");
    const fail = trace(function fail() {
      throw error;
    });
    expect(() => fail()).toThrow(error);
    const failAsync = trace(async function failAsync() {
      throw error;
    });
    await expect(failAsync()).rejects.toBe(error);
    const [sync, async_] = await spans();
    for (const span of [sync, async_]) {
      expect(span?.status).toEqual({ code: 2, message: "Boom: bad input" });
      expect(span?.events[0]).toMatchObject({ name: "exception", attributes: { "exception.type": "Boom", "exception.message": "bad input" } });
      expect(String(span?.events[0]?.attributes["exception.stacktrace"])).toContain("bad input");
    }
  });

  test("generators record the yielded chunks, or what the reducer makes of them", async () => {
    const count = trace(function* count(n: number) {
      for (let i = 0; i < n; i++) yield i;
    });
    expect([...count(3)]).toEqual([0, 1, 2]);
    const words = trace(
      async function* words(text: string) {
        for (const word of text.split(" ")) yield word;
      },
      { outputReducer: (chunks) => chunks.join("+") },
    );
    const got: string[] = [];
    for await (const word of words("a b c")) got.push(word);
    expect(got).toEqual(["a", "b", "c"]);
    const [gen, agen] = await spans();
    expect(gen).toMatchObject({ name: "count", inputs: { n: 3 }, outputs: [0, 1, 2] });
    expect(agen).toMatchObject({ name: "words", inputs: { text: "a b c" }, outputs: "a+b+c" });
  });

  test("breaking out of a generator ends its span with the chunks so far", async () => {
    const naturals = trace(function* naturals() {
      for (let i = 0; ; i++) yield i;
    });
    for (const i of naturals()) if (i === 2) break;
    expect((await spans())[0]?.outputs).toEqual([0, 1, 2]);
  });

  test("unreadable parameters fall back to args; rest parameters are named", async () => {
    const destructured = trace(({ a }: { a: number }) => a, { name: "d" });
    const rest = trace(function r(first: number, ...others: number[]) {
      return first + others.length;
    });
    destructured({ a: 1 });
    rest(1, 2, 3);
    const [d, r] = await spans();
    expect(d?.inputs).toEqual({ args: [{ a: 1 }] });
    expect(r?.inputs).toEqual({ first: 1, others: [2, 3] });
  });

  test("trace() of a non-function is a clear error", () => {
    expect(() => trace(42 as never)).toThrow(/wraps a function, got number/);
  });
});

describe("decorators, withSpan, startSpan", () => {
  test("traceMethod works as a standard decorator and keeps this", async () => {
    class Agent {
      prefix = "re: ";
      answer(question: string): string {
        return this.prefix + question;
      }
    }
    const descriptor = Object.getOwnPropertyDescriptor(Agent.prototype, "answer") as PropertyDescriptor;
    // Standard decorator call shape: (method, context).
    const decorated = traceMethod({ spanType: "AGENT" })(descriptor.value, { kind: "method", name: "answer" });
    Object.defineProperty(Agent.prototype, "answer", { ...descriptor, value: decorated });
    expect(new Agent().answer("hi")).toBe("re: hi");
    // Legacy (experimentalDecorators) call shape: (prototype, key, descriptor).
    class Legacy {
      run(x: number) {
        return x * 2;
      }
    }
    const legacy = Object.getOwnPropertyDescriptor(Legacy.prototype, "run") as PropertyDescriptor;
    Object.defineProperty(Legacy.prototype, "run", traceMethod()(Legacy.prototype, "run", legacy));
    expect(new Legacy().run(4)).toBe(8);
    const [agent, run] = await spans();
    expect(agent).toMatchObject({ name: "answer", spanType: "AGENT", inputs: { question: "hi" }, outputs: "re: hi" });
    expect(run).toMatchObject({ name: "run", inputs: { x: 4 }, outputs: 8 });
  });

  test("withSpan makes the span current and records the callback's result", async () => {
    const result = await withSpan(
      async (span) => {
        span.setAttribute("k", { nested: [1, 2] });
        expect(getCurrentActiveSpan()).toBe(span);
        return "done";
      },
      { name: "step", spanType: "CHAIN", inputs: { q: 1 } },
    );
    expect(result).toBe("done");
    expect(getCurrentActiveSpan()).toBeUndefined();
    const [span] = await spans();
    expect(span).toMatchObject({ name: "step", spanType: "CHAIN", inputs: { q: 1 }, outputs: "done", attributes: { k: { nested: [1, 2] } } });
  });

  test("startSpan is detached: callback-style code ends it, children name it as parent", async () => {
    const root = startSpan({ name: "request", inputs: { path: "/" } });
    expect(getCurrentActiveSpan()).toBeUndefined();
    await new Promise<void>((resolve) =>
      setTimeout(() => {
        const child = startSpan({ name: "db", parent: root, spanType: "RETRIEVER" });
        child.end({ outputs: [{ page_content: "x", metadata: {}, id: null }] });
        root.end({ outputs: { status: 200 } });
        resolve();
      }, 1),
    );
    const [db, request] = await spans();
    expect(db?.parentId).toBe(request?.spanId);
    expect(request?.outputs).toEqual({ status: 200 });
  });

  test("ending twice is a warning, not an error; writes after end are ignored", async () => {
    const span = startSpan({ name: "once" });
    span.end();
    span.end();
    span.setOutputs("late");
    expect((await spans()).length).toBe(1);
    expect(memory.spans[0]?.outputs).toBeUndefined();
  });
});

describe("span times", () => {
  test("spans started in the same millisecond keep their order; events and ends fall inside", async () => {
    const captured: ReadableSpan[] = [];
    init({ exporter: { export: async (batch: ReadableSpan[]) => void captured.push(...batch) }, exportIntervalMs: 10 });
    withSpan(
      (root) => {
        for (let i = 0; i < 50; i += 1) withSpan((child) => child.addEvent("tick"), { name: `child${i}` });
        // Each child's callback returns its span (addEvent returns it): recorded by its names.
        expect(captured).toEqual([]);
        root.addEvent("done");
      },
      { name: "root" },
    );
    await flushTraces();
    const ns = ([s, n]: HrTime) => BigInt(s) * 1_000_000_000n + BigInt(n);
    const root = captured.find((s) => s.name === "root")!;
    const children = captured.filter((s) => s.name !== "root");
    // Without sub-millisecond start times these tie with each other and with the root.
    const starts = [root, ...children].map((s) => ns(s.startTime));
    expect(starts).toEqual([...starts].sort((a, b) => (a < b ? -1 : 1)));
    expect(new Set(starts).size).toBe(51);
    for (const span of captured) {
      expect(ns(span.endTime)).toBeGreaterThan(ns(span.startTime));
      for (const event of span.events) {
        expect(ns(event.time)).toBeGreaterThan(ns(span.startTime));
        expect(ns(event.time)).toBeLessThan(ns(span.endTime));
      }
    }
    expect(ns(children.at(-1)!.endTime)).toBeLessThan(ns(root.endTime));
    expect(Math.abs(Number(ns(root.startTime) / 1_000_000n) - Date.now())).toBeLessThan(5_000);
    const outputs = JSON.parse(String(children[0]!.attributes["spanscope.span.outputs"]));
    expect(outputs).toEqual({ name: "child0", span_type: "UNKNOWN", trace_id: root.spanContext().traceId, span_id: children[0]!.spanContext().spanId });
  });
});

describe("trace fields and processors", () => {
  test("updateCurrentTrace: session and user on the root span, tags passed to the exporter", async () => {
    const handler = trace(async function handler() {
      await trace(async function inner() {
        updateCurrentTrace({ sessionId: "s-1", userId: "u-7", tags: { env: "test", n: 3 }, metadata: { region: "eu" } });
      })();
    });
    await handler();
    const all = await spans();
    const root = all.find((s) => s.name === "handler");
    expect(root?.attributes).toMatchObject({ "session.id": "s-1", "user.id": "u-7", "spanscope.trace.metadata": { region: "eu" } });
    expect(all.find((s) => s.name === "inner")?.attributes["session.id"]).toBeUndefined();
    expect(memory.tags).toEqual([{ traceId: root?.traceId, tags: { env: "test", n: "3" } }]);
  });

  test("updateCurrentTrace rejects a non-object and is a no-op outside a trace", () => {
    expect(() => updateCurrentTrace({ tags: "x" as never })).toThrow(/takes an object of string values, got string/);
    expect(() => updateCurrentTrace({ tags: { a: "b" } })).not.toThrow();
  });

  test("span processors redact before export; a failing processor does not break tracing", async () => {
    addSpanProcessor((span) => {
      if (span.inputs && typeof span.inputs === "object") span.setInputs({ ...span.inputs, password: "***" });
    });
    addSpanProcessor(() => {
      throw new Error("processor bug");
    });
    trace(function login(user: string, password: string) {
      return user.length + password.length;
    })("ann", "hunter2");
    const [span] = await spans();
    expect(span?.inputs).toEqual({ user: "ann", password: "***" });
  });

  test("spanscope never registers a global OpenTelemetry provider", async () => {
    trace(() => 1, { name: "x" })();
    await spans();
    const globalSpan = otelTrace.getTracer("app").startSpan("app-span");
    expect(globalSpan.isRecording()).toBe(false); // still the no-op global provider
  });

  test("tracing disabled: functions run undecorated", async () => {
    init({ exporter: memory, disabled: true });
    expect(trace((x: number) => x + 1)(1)).toBe(2);
    startSpan({ name: "nothing" }).end();
    expect(await spans()).toEqual([]);
  });
});

describe("trace ids", () => {
  test("a new trace's id starts with the milliseconds of its start, as the Python SDK's", async () => {
    const before = Date.now();
    trace(() => trace(() => 1, { name: "child" })(), { name: "root" })();
    const after = Date.now();
    const all = await spans();
    expect(all).toHaveLength(2);
    const traceId = all[0]!.traceId;
    expect(new Set(all.map((s) => s.traceId))).toEqual(new Set([traceId]));
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    const ms = parseInt(traceId.slice(0, 12), 16);
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(ms).toBeLessThanOrEqual(after);
    expect(all.every((s) => /^[0-9a-f]{16}$/.test(s.spanId))).toBe(true);
  });

  test("ids sort by time, and the random rest tells one millisecond's traces apart", () => {
    const start = 1_700_000_000_000;
    const ordered = Array.from({ length: 200 }, (_, i) => newTraceId(start + i * 7));
    expect([...ordered].sort()).toEqual(ordered);
    const same = new Set(Array.from({ length: 5000 }, () => newTraceId(start)));
    expect(same.size).toBe(5000);
    expect(new Set([...same].map((id) => id.slice(0, 12)))).toEqual(new Set([start.toString(16).padStart(12, "0")]));
  });

  test("a time out of range names the trace by now", () => {
    for (const bad of [-1, 2 ** 48, Number.NaN, Infinity]) {
      const before = Date.now();
      const id = newTraceId(bad);
      expect(id).toMatch(/^[0-9a-f]{32}$/);
      const ms = parseInt(id.slice(0, 12), 16);
      expect(ms).toBeGreaterThanOrEqual(before);
      expect(ms).toBeLessThanOrEqual(Date.now());
    }
  });
});
