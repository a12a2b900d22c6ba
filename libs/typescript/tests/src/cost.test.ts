/**
 * Costs of TypeScript LLM spans: an OpenAI chat made through tracedOpenAI against the fake LLM
 * server, exported over OTLP to a real `spanscope server` whose operator set a price book
 * (SPANSCOPE_PRICE_BOOK), is priced on ingest from the span's own usage, as Python's spans are:
 * the span's `spanscope.span.cost` and the trace's `cost` equal the hand computation.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, expect, test } from "vitest";
import { flushTraces, getLastActiveTraceId, init, withSpan } from "@spanscope/tracing";
import { tracedOpenAI } from "@spanscope/openai";
import { getTrace, startFakeLLM, startServer, type Running } from "@spanscope/test-support";

// USD per million tokens: round figures, so the expected cost is plain arithmetic.
const INPUT_PER_MTOK = 3;
const OUTPUT_PER_MTOK = 12;

let fake: Awaited<ReturnType<typeof startFakeLLM>>;
let server: Running;
let folder: string;

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), "spanscope-prices-"));
  const book = join(folder, "prices.json");
  const price = { model: "house-gpt", provider: "openai", input: INPUT_PER_MTOK, output: OUTPUT_PER_MTOK };
  writeFileSync(book, JSON.stringify({ prices: [price] }));
  [fake, server] = await Promise.all([startFakeLLM(), startServer({ env: { SPANSCOPE_PRICE_BOOK: book } })]);
  init({ trackingUri: server.url });
});

afterAll(async () => {
  await Promise.all([fake?.stop(), server?.stop()]);
  rmSync(folder, { recursive: true, force: true });
});

test("an LLM span from TypeScript is priced on ingest, and its trace sums its calls", async () => {
  const client = tracedOpenAI(new OpenAI({ baseURL: fake.openaiBaseUrl, apiKey: "sk-fake", maxRetries: 0 }));
  const ask = (content: string) => client.chat.completions.create({ model: "house-gpt", messages: [{ role: "user", content }] });
  await withSpan(
    async () => {
      await ask("What is the capital of France?");
      await ask("And of Peru, in a few more words please?");
    },
    { name: "two questions", spanType: "AGENT" },
  );
  const traceId = getLastActiveTraceId();
  expect(traceId).toBeDefined();
  await flushTraces();
  const stored = await getTrace(server.url, traceId as string);

  const calls = stored.data.spans.filter((s) => s.span_type === "CHAT_MODEL");
  expect(calls).toHaveLength(2);
  let input = 0;
  let output = 0;
  for (const call of calls) {
    const inputTokens = call.attributes["gen_ai.usage.input_tokens"] as number;
    const outputTokens = call.attributes["gen_ai.usage.output_tokens"] as number;
    expect(inputTokens).toBeGreaterThan(0);
    expect(outputTokens).toBeGreaterThan(0);
    const expected = { input: (inputTokens * INPUT_PER_MTOK) / 1e6, output: (outputTokens * OUTPUT_PER_MTOK) / 1e6 };
    const cost = call.attributes["spanscope.span.cost"] as Record<string, unknown>;
    expect(cost).toMatchObject({ currency: "USD", model: "house-gpt" });
    expect(cost.input).toBeCloseTo(expected.input, 12);
    expect(cost.output).toBeCloseTo(expected.output, 12);
    expect(cost.total).toBeCloseTo(expected.input + expected.output, 12);
    input += expected.input;
    output += expected.output;
  }
  // The AGENT root has no usage of its own: the trace's cost is its two calls'.
  const root = stored.data.spans.find((s) => s.parent_id === null);
  expect(root?.attributes["spanscope.span.cost"]).toBeUndefined();
  const total = stored.info.cost as Record<string, number>;
  expect(total.input).toBeCloseTo(input, 12);
  expect(total.output).toBeCloseTo(output, 12);
  expect(total.total).toBeCloseTo(input + output, 12);
});
