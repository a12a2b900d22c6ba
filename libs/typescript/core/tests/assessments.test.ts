import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import {
  SpanscopeApiError,
  deleteAssessment,
  getAssessment,
  getLastActiveTraceId,
  init,
  logExpectation,
  logFeedback,
  trace,
} from "../src/index.js";

const TRACE = "0af7651916cd43dd8448eb211c80319c";
const SPAN = "b7ad6b7169203331";

interface Received {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

/**
 * A real HTTP server on 127.0.0.1 standing in for spanscope: OTLP posts are accepted, an
 * assessment post is answered with the body and an id; `replies` (status, JSON) come first.
 */
async function fakeServer(replies: [number, unknown][] = []) {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks);
      const json = (req.headers["content-type"] ?? "").startsWith("application/json");
      const body = json && raw.length ? (JSON.parse(raw.toString()) as unknown) : undefined;
      received.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      const reply = replies.shift();
      if (reply) {
        res.writeHead(reply[0], { "content-type": "application/json", "retry-after": "0" });
        res.end(JSON.stringify(reply[1]));
      } else if (req.method === "POST" && req.url?.endsWith("/assessments")) {
        res.writeHead(201, { "content-type": "application/json" });
        res.end(JSON.stringify({ ...(body as object), assessment_id: "a-1", valid: true }));
      } else if (req.method === "DELETE") {
        res.writeHead(204);
        res.end();
      } else {
        res.writeHead(200);
        res.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, received, close: () => new Promise((r) => server.close(r)) };
}

let server: Awaited<ReturnType<typeof fakeServer>>;
beforeEach(async () => {
  server = await fakeServer();
  init({ trackingUri: server.url, token: "s3cret", maxRetryTimeMs: 2_000 });
});
afterEach(async () => server.close());

describe("checked before anything is sent", () => {
  const bad: [string, () => Promise<unknown>, RegExp][] = [
    ["an empty name", () => logFeedback(TRACE, "  ", true), /logFeedback: an assessment needs a non-empty name, got " {2}"/],
    ["a name too long", () => logExpectation(TRACE, "n".repeat(251), 1), /at most 250 characters/],
    ["an object as feedback", () => logFeedback(TRACE, "f", { score: 1 } as never), /a boolean, a number, a string or an array of strings, got an object/],
    ["an array of numbers as feedback", () => logFeedback(TRACE, "f", [1, 2] as never), /got an array/],
    ["NaN as feedback", () => logFeedback(TRACE, "f", Number.NaN), /must be finite, got NaN/],
    ["no value and no error", () => logFeedback(TRACE, "f", null), /needs a value .* or an error/],
    ["no expectation value", () => logExpectation(TRACE, "e", null), /logExpectation: an expectation needs a value/],
    ["a Date in an expectation", () => logExpectation(TRACE, "e", { when: new Date() } as never), /must be JSON .*got a Date/],
    ["Infinity in an expectation", () => logExpectation(TRACE, "e", [Infinity]), /not finite: Infinity/],
    ["a bad trace id", () => logFeedback("abc", "f", true), /traceId is 32 hex characters, got "abc"/],
    ["a bad span id", () => logFeedback(TRACE, "f", true, { spanId: "xyz" }), /spanId is 16 hex characters, got "xyz"/],
    ["an unknown source type", () => logFeedback(TRACE, "f", true, { source: "ROBOT" as never }), /one of HUMAN, LLM_JUDGE, CODE, got "ROBOT"/],
    ["an empty source id", () => logFeedback(TRACE, "f", true, { source: { sourceType: "HUMAN", sourceId: "" } }), /sourceId is a non-empty string/],
    ["metadata that is not text", () => logFeedback(TRACE, "f", true, { metadata: { n: 1 } as never }), /metadata maps strings to strings; "n" is number/],
    ["a rationale that is not text", () => logFeedback(TRACE, "f", true, { rationale: 5 as never }), /rationale is a string, got number/],
    ["an error without a code", () => logFeedback(TRACE, "f", null, { error: { errorCode: "" } }), /error is an Error, a message or/],
    ["a bad assessment id", () => getAssessment(TRACE, "" as string), /assessmentId is a non-empty string/],
  ];
  test.each(bad)("%s", async (_what, call, message) => {
    await expect(call()).rejects.toThrow(TypeError);
    await expect(call()).rejects.toThrow(message);
    expect(server.received).toEqual([]);
  });
});

describe("sent to the server", () => {
  test("a feedback: the source defaults to CODE, ids lower-cased, the token sent; the stored one returned", async () => {
    const stored = await logFeedback(TRACE.toUpperCase(), "helpful", ["a", "b"], { spanId: SPAN, rationale: "why", metadata: { run: "1" } });
    const [request] = server.received;
    expect(request?.method).toBe("POST");
    expect(request?.url).toBe(`/api/v1/traces/${TRACE}/assessments`);
    expect(request?.headers.authorization).toBe("Bearer s3cret");
    expect(request?.body).toEqual({
      name: "helpful",
      kind: "feedback",
      value: ["a", "b"],
      rationale: "why",
      source: { source_type: "CODE", source_id: "default" },
      span_id: SPAN,
      metadata: { run: "1" },
      error: null,
    });
    expect(stored).toMatchObject({ assessment_id: "a-1", name: "helpful", valid: true });
  });

  test("an expectation: the source defaults to HUMAN; a bare source type has the id 'default'", async () => {
    await logExpectation(TRACE, "answer", { text: "Paris", facts: ["capital", null] });
    await logExpectation(TRACE, "answer", "Paris", { source: "llm_judge" as never });
    await logFeedback(TRACE, "score", 0.5, { source: { sourceType: "HUMAN", sourceId: "ann" } });
    expect(server.received.map((r) => r.body)).toMatchObject([
      { kind: "expectation", value: { text: "Paris", facts: ["capital", null] }, source: { source_type: "HUMAN", source_id: "default" }, span_id: null },
      { kind: "expectation", value: "Paris", source: { source_type: "LLM_JUDGE", source_id: "default" } },
      { kind: "feedback", value: 0.5, source: { source_type: "HUMAN", source_id: "ann" } },
    ]);
    expect(server.received[0]?.body).not.toHaveProperty("rationale");
  });

  test("a judge's error instead of a value: an Error's class, message and stack; a message alone", async () => {
    class JudgeTimeout extends Error {}
    await logFeedback(TRACE, "judged", null, { error: new JudgeTimeout("took too long") });
    await logFeedback(TRACE, "judged", undefined, { error: new RangeError("out") });
    await logFeedback(TRACE, "judged", null, { error: "no answer" });
    const errors = server.received.map((r) => (r.body as { error: Record<string, unknown> }).error);
    expect(errors[0]).toMatchObject({ error_code: "JudgeTimeout", error_message: "took too long" });
    expect(String(errors[0]?.stack_trace)).toContain("took too long");
    expect(errors[1]).toMatchObject({ error_code: "RangeError", error_message: "out" });
    expect(errors[2]).toEqual({ error_code: "ASSESSMENT_ERROR", error_message: "no answer", stack_trace: null });
    expect(server.received.every((r) => (r.body as { value: unknown }).value === null)).toBe(true);
  });

  test("spans ended so far are delivered before the assessment", async () => {
    init({ trackingUri: server.url, exportIntervalMs: 60_000 }); // they would otherwise wait a minute
    trace(function answer() {
      return "42";
    })();
    await logFeedback(getLastActiveTraceId() as string, "ok", true);
    expect(server.received.map((r) => `${r.method} ${r.url}`)).toEqual([
      "POST /v1/traces",
      `POST /api/v1/traces/${getLastActiveTraceId()}/assessments`,
    ]);
  });

  test("get and delete by id", async () => {
    await getAssessment(TRACE, "a-1/x");
    await expect(deleteAssessment(TRACE, "a-1")).resolves.toBeUndefined();
    expect(server.received.map((r) => `${r.method} ${r.url}`)).toEqual([
      `GET /api/v1/traces/${TRACE}/assessments/a-1%2Fx`,
      `DELETE /api/v1/traces/${TRACE}/assessments/a-1`,
    ]);
  });
});

describe("the server's refusals are thrown", () => {
  test("a 404 is a SpanscopeApiError with the status, code and message; not retried", async () => {
    await server.close();
    server = await fakeServer([[404, { error: { code: "NOT_FOUND", message: `no trace ${TRACE}` } }]]);
    init({ trackingUri: server.url });
    const error = (await logFeedback(TRACE, "f", true).catch((e: unknown) => e)) as SpanscopeApiError;
    expect(error).toBeInstanceOf(SpanscopeApiError);
    expect(error).toMatchObject({ status: 404, code: "NOT_FOUND" });
    expect(error.message).toMatch(/^spanscope.logFeedback: POST http:.* HTTP 404 NOT_FOUND: no trace 0af7/);
    expect(server.received.length).toBe(1);
  });

  test("503 then 201: retried", async () => {
    await server.close();
    server = await fakeServer([[503, { error: { code: "UNAVAILABLE", message: "busy" } }]]);
    init({ trackingUri: server.url });
    await expect(logExpectation(TRACE, "e", 1)).resolves.toMatchObject({ assessment_id: "a-1" });
    expect(server.received.length).toBe(2);
  });

  test("no server reachable: a SpanscopeApiError naming the cause, after retrying", async () => {
    const url = server.url;
    await server.close();
    init({ trackingUri: url, maxRetryTimeMs: 300 });
    await expect(logFeedback(TRACE, "f", true)).rejects.toThrow(/logFeedback: POST .* failed after \d+ attempt\(s\): TypeError: fetch failed/);
  });

  test("no server configured: a clear error", async () => {
    const saved = process.env.SPANSCOPE_TRACKING_URI;
    delete process.env.SPANSCOPE_TRACKING_URI;
    try {
      init({ exporter: { export: async () => {} } });
      await expect(logFeedback(TRACE, "f", true)).rejects.toThrow(/no spanscope server is configured/);
    } finally {
      if (saved !== undefined) process.env.SPANSCOPE_TRACKING_URI = saved;
    }
  });
});
