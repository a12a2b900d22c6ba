/**
 * The TypeScript docs run: the quickstart of docs/typescript.md is examples/quickstart.ts,
 * word for word, and running it against a real server and the fake LLM stores its trace.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { REPO_ROOT, eventually, experimentId, searchTraces, startFakeLLM, startServer, type Running } from "@spanscope/test-support";

const EXAMPLE = join(REPO_ROOT, "libs", "typescript", "examples", "quickstart.ts");
let fake: Running & { openaiBaseUrl: string };
let server: Running;

beforeAll(async () => {
  [fake, server] = await Promise.all([startFakeLLM(), startServer()]);
});
afterAll(async () => Promise.all([fake?.stop(), server?.stop()]));

test("docs/typescript.md shows the quickstart example as it is", () => {
  const doc = readFileSync(join(REPO_ROOT, "docs", "typescript.md"), "utf8");
  expect(doc).toContain("```ts\n" + readFileSync(EXAMPLE, "utf8") + "```");
});

test("the quickstart example records an AGENT trace with its chat span", async () => {
  Object.assign(process.env, { SPANSCOPE_TRACKING_URI: server.url, OPENAI_BASE_URL: fake.openaiBaseUrl, OPENAI_API_KEY: "sk-fake" });
  await import(EXAMPLE);
  const trace = await eventually(async () => {
    const id = await experimentId(server.url, "quickstart");
    const traces = id === undefined ? [] : await searchTraces(server.url, [id]);
    return traces.find((t) => t.info.name === "answer");
  });
  expect(trace.info.tags).toEqual({ env: "dev" });
  expect(trace.data.spans.map((s) => [s.name, s.span_type]).sort()).toEqual([
    ["answer", "AGENT"],
    ["openai.chat.completions.create", "CHAT_MODEL"],
  ]);
});
