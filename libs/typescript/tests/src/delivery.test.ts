/**
 * Delivery at the end of a process: a Node program that exits right after a traced call, and
 * one killed with SIGTERM right after, both deliver the trace to a real spanscope server.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, test } from "vitest";
import { eventually, freePort, searchTraces, startServer, type Running } from "@spanscope/test-support";

const program = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "traced-exit.mjs");
let server: Running;

beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => server?.stop());

function run(mode: string, trackingUri = server.url) {
  const env = { ...process.env, SPANSCOPE_TRACKING_URI: trackingUri, SPANSCOPE_EXPORT_INTERVAL_MS: "60000" };
  return spawn(process.execPath, [program, mode], { env, stdio: ["ignore", "pipe", "pipe"] });
}

async function storedFor(mode: string) {
  return eventually(async () => {
    const traces = await searchTraces(server.url);
    return traces.find((t) => t.info.metadata["spanscope.trace.session"] === `session-${mode}`);
  });
}

test("a process that ends right after a traced call still delivers it", async () => {
  const child = run("exit");
  const [code] = (await once(child, "exit")) as [number | null];
  expect(code).toBe(0);
  const trace = await storedFor("exit");
  expect(trace.data.spans[0]).toMatchObject({ name: "handleRequest", span_type: "CHAIN", inputs: { order: "order-exit" } });
  expect(trace.info.metadata).toMatchObject({ mode: "exit", "spanscope.trace.session": "session-exit" });
  expect(trace.info.tags).toEqual({ kind: "delivery" });
});

test.each(["SIGTERM", "SIGINT"] as const)(
  "a process killed with %s right after a traced call delivers it, then dies of the signal",
  async (signal) => {
    const mode = signal.toLowerCase();
    const child = run(mode);
    await once(child.stdout!, "data"); // "ready": the traced call has returned
    child.kill(signal);
    const [code, killedBy] = (await once(child, "exit")) as [number | null, NodeJS.Signals | null];
    expect({ code, killedBy }).toEqual({ code: null, killedBy: signal });
    const trace = await storedFor(mode);
    expect(trace.data.spans[0]?.outputs).toEqual({ order: `order-${mode}`, status: "shipped" });
  },
);

test("with the server down the traced call returns, the process ends promptly and says what it dropped", async () => {
  const down = `http://127.0.0.1:${await freePort()}`; // nothing listens there
  const started = Date.now();
  const child = run("exit", down);
  let stderr = "";
  child.stderr!.on("data", (data: Buffer) => (stderr += data.toString()));
  const [code] = (await once(child, "exit")) as [number | null];
  expect(code).toBe(0);
  expect(Date.now() - started).toBeLessThan(5_000); // no retrying while the process ends
  expect(stderr).toMatch(/spanscope: dropped 1 span\(s\): export to .* failed/);
});
