import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { flushTraces, getStats, init, trace, updateCurrentTrace } from "../src/index.js";
import { parseRetryAfter } from "../src/exporter.js";
import { resetSafety } from "../src/safety.js";

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: Buffer;
}

/** A real HTTP server on 127.0.0.1 answering with `statuses` in turn (then 200). */
async function endpoint(statuses: number[] = [], extraHeaders: Record<string, string> = {}) {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(statuses.shift() ?? 200, extraHeaders);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, received, close: () => new Promise((r) => server.close(r)) };
}

const traced = trace(function answer(question: string) {
  return `re: ${question}`;
});

let warn: ReturnType<typeof vi.spyOn>;
beforeEach(() => {
  resetSafety();
  warn = vi.spyOn(console, "warn").mockImplementation(() => {});
});
afterEach(() => warn.mockRestore());

describe("OTLP export", () => {
  test("gzip'd protobuf to /v1/traces with the experiment header and token; tags set after", async () => {
    const server = await endpoint();
    init({ trackingUri: server.url + "/", experimentName: "ts-app", token: "s3cret", exportIntervalMs: 10 });
    trace(function handler() {
      updateCurrentTrace({ tags: { env: "prod" } });
      return traced("q");
    })();
    await flushTraces();
    const [otlp, tag] = server.received;
    expect(otlp?.method).toBe("POST");
    expect(otlp?.url).toBe("/v1/traces");
    expect(otlp?.headers).toMatchObject({
      "content-type": "application/x-protobuf",
      "content-encoding": "gzip",
      "x-spanscope-experiment-name": "ts-app",
      authorization: "Bearer s3cret",
    });
    const body = gunzipSync(otlp!.body).toString("latin1");
    for (const text of ["handler", "answer", "spanscope.span.inputs", '{"question":"q"}', '"re: q"']) expect(body).toContain(text);
    expect(tag?.method).toBe("PUT");
    expect(tag?.url).toMatch(/^\/api\/v1\/traces\/[0-9a-f]{32}\/tags\/env$/);
    expect(JSON.parse(tag!.body.toString())).toEqual({ value: "prod" });
    expect(getStats()).toMatchObject({ exportedSpans: 2, droppedSpans: 0 });
    await server.close();
  });

  test("503 and 429 are retried with backoff (Retry-After honoured)", async () => {
    const server = await endpoint([503, 429], { "retry-after": "0" });
    init({ trackingUri: server.url, exportIntervalMs: 10 });
    traced("q");
    await flushTraces();
    expect(server.received.length).toBe(3);
    expect(getStats()).toMatchObject({ exportedSpans: 1, droppedSpans: 0 });
    await server.close();
  });

  test("a refused batch (400) is not retried: dropped, counted and warned", async () => {
    const server = await endpoint([400]);
    init({ trackingUri: server.url, exportIntervalMs: 10 });
    traced("q");
    await flushTraces();
    expect(server.received.length).toBe(1);
    expect(getStats().droppedSpans).toBe(1);
    expect(String(warn.mock.calls[0]?.[0])).toMatch(/dropped 1 span\(s\): export to .* failed: HTTP 400/);
    await server.close();
  });

  test("the server being down never makes a traced call throw; the spans are counted", async () => {
    const server = await endpoint();
    await server.close(); // nothing listens on this port any more
    init({ trackingUri: server.url, exportIntervalMs: 10, maxRetryTimeMs: 300 });
    expect(traced("q")).toBe("re: q");
    expect(await trace(async () => 5, { name: "async" })()).toBe(5);
    await flushTraces();
    expect(getStats()).toMatchObject({ exportedSpans: 0, droppedSpans: 2 });
    expect(String(warn.mock.calls[0]?.[0])).toContain("gave up after");
  });

  test("a full queue drops and counts instead of growing", async () => {
    const server = await endpoint();
    init({ trackingUri: server.url, queueSize: 2, batchSize: 100, exportIntervalMs: 60_000 });
    for (let i = 0; i < 5; i++) traced(String(i));
    await flushTraces();
    expect(getStats()).toMatchObject({ exportedSpans: 2, droppedSpans: 3 });
    expect(getStats().droppedByCause).toHaveProperty(["the export queue is full (2 spans; set SPANSCOPE_EXPORT_QUEUE_SIZE)"], 3);
    await server.close();
  });

  test("a full batch is sent without waiting for the interval", async () => {
    const server = await endpoint();
    init({ trackingUri: server.url, batchSize: 2, exportIntervalMs: 60_000 });
    traced("a");
    traced("b");
    await vi.waitFor(() => expect(server.received.length).toBe(1));
    await server.close();
  });

  test("without a server the spans are counted as dropped, with the reason", async () => {
    const previous = process.env.SPANSCOPE_TRACKING_URI;
    delete process.env.SPANSCOPE_TRACKING_URI;
    init({});
    traced("q");
    await flushTraces();
    expect(getStats().droppedSpans).toBe(1);
    expect(String(warn.mock.calls[0]?.[0])).toContain("no spanscope server to export to");
    if (previous !== undefined) process.env.SPANSCOPE_TRACKING_URI = previous;
  });
});

describe("configuration", () => {
  test("bad options are a clear error", () => {
    expect(() => init({ trackingUri: "sqlite:///x.db" })).toThrow(/not an http:\/\/ or https:\/\/ URL/);
    expect(() => init({ batchSize: 0 })).toThrow(/batchSize must be a positive number, got 0/);
  });

  test("the environment variables of the Python SDK are read", async () => {
    const server = await endpoint();
    process.env.SPANSCOPE_TRACKING_URI = server.url;
    process.env.SPANSCOPE_EXPERIMENT_ID = "42";
    process.env.SPANSCOPE_TRACKING_TOKEN = "tok";
    try {
      init();
      traced("q");
      await flushTraces();
      expect(server.received[0]?.headers).toMatchObject({ "x-spanscope-experiment-id": "42", authorization: "Bearer tok" });
    } finally {
      delete process.env.SPANSCOPE_TRACKING_URI;
      delete process.env.SPANSCOPE_EXPERIMENT_ID;
      delete process.env.SPANSCOPE_TRACKING_TOKEN;
      await server.close();
    }
  });

  test("Retry-After: seconds or an HTTP date", () => {
    expect(parseRetryAfter("2")).toBe(2000);
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter(new Date(Date.now() + 60_000).toUTCString())).toBeGreaterThan(50_000);
    expect(parseRetryAfter("soon")).toBeUndefined();
  });
});
