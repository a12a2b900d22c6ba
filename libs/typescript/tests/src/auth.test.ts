/** A server that requires a token: the SDK's token and experiment name reach it end to end. */
import { afterAll, beforeAll, expect, test, vi } from "vitest";
import { flushTraces, getLastActiveTraceId, getStats, init, trace, updateCurrentTrace } from "@spanscope/tracing";
import { experimentId, getTrace, startServer, type Running } from "@spanscope/test-support";

const TOKEN = "t0ken";
let server: Running;

beforeAll(async () => {
  server = await startServer({ token: TOKEN });
});
afterAll(async () => server?.stop());

const handler = trace(
  async function handler(question: string) {
    updateCurrentTrace({ tags: { team: "search" }, userId: "u-1" });
    return question.toUpperCase();
  },
  { spanType: "CHAIN" },
);

test("with the token: spans, tags and the named experiment are stored", async () => {
  init({ trackingUri: server.url, token: TOKEN, experimentName: "ts-auth" });
  await handler("hi");
  await flushTraces();
  const stored = await getTrace(server.url, getLastActiveTraceId() as string, TOKEN);
  expect(stored.info.tags).toEqual({ team: "search" });
  expect(stored.info.metadata["spanscope.trace.user"]).toBe("u-1");
  const response = await fetch(`${server.url}/api/v1/experiments/by-name?name=ts-auth`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(((await response.json()) as { experiment_id: string }).experiment_id).toBe(stored.info.experiment_id);
  expect(await experimentId(server.url, "ts-auth").catch(() => "refused")).toBe("refused"); // no token: 401
});

test("a wrong token: the traced call works, the spans are dropped with the server's answer", async () => {
  const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
  try {
    const before = getStats().droppedSpans;
    init({ trackingUri: server.url, token: "wrong" });
    expect(await handler("hi")).toBe("HI");
    await flushTraces();
    expect(getStats().droppedSpans).toBe(before + 1);
    expect(warn.mock.calls.map((c) => String(c[0])).join("\n")).toMatch(/HTTP 401/);
  } finally {
    warn.mockRestore();
  }
});
