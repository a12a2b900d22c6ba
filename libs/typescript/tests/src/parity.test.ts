/**
 * Shape parity with the Python SDK: the calls of the golden file, made with the real `openai`
 * and `@anthropic-ai/sdk` clients through tracedOpenAI / tracedAnthropic against the Python
 * fake LLM server, exported over OTLP to a real `spanscope server`, read back over REST and
 * normalised, equal the trees Python autolog stores (tests/test_shape_parity.py); so does a
 * Gemini call made with `@google/genai` through tracedGoogleGenAI. A LangChain.js chain (prompt |
 * ChatOpenAI | parser) traced by SpanscopeCallbackHandler is stored as the Python LangChain
 * integration stores the same chain, but for what LangChain.js itself reports differently. The Vercel AI
 * SDK has no Python twin: its model-call span, traced by spanscopeTelemetry(), is checked to be
 * stored in the shape of the golden OpenAI chat span (type, status, GenAI attributes, events).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createOpenAI } from "@ai-sdk/openai";
import Anthropic from "@anthropic-ai/sdk";
import { GoogleGenAI } from "@google/genai";
import { StringOutputParser } from "@langchain/core/output_parsers";
import { ChatPromptTemplate } from "@langchain/core/prompts";
import { ChatOpenAI } from "@langchain/openai";
import { generateText, jsonSchema, tool, type JSONSchema7, type ModelMessage } from "ai";
import OpenAI from "openai";
import { afterAll, beforeAll, expect, test } from "vitest";
import { flushTraces, getLastActiveTraceId, getStats, init } from "@spanscope/tracing";
import { tracedAnthropic } from "@spanscope/anthropic";
import { tracedGoogleGenAI } from "@spanscope/google-genai";
import { SpanscopeCallbackHandler } from "@spanscope/langchain";
import { tracedOpenAI } from "@spanscope/openai";
import { spanscopeTelemetry } from "@spanscope/vercel-ai";
import { REPO_ROOT, getTrace, startFakeLLM, startServer, type Running } from "@spanscope/test-support";
import { canonical, normalizeTrace } from "./normalize.js";

interface Golden {
  calls: Record<string, { request: Record<string, unknown>; expected: unknown }>;
}
const golden = JSON.parse(readFileSync(join(REPO_ROOT, "tests", "golden", "shape_parity.json"), "utf8")) as Golden;

let fake: Awaited<ReturnType<typeof startFakeLLM>>;
let server: Running;

beforeAll(async () => {
  [fake, server] = await Promise.all([startFakeLLM(), startServer()]);
  init({ trackingUri: server.url });
});

afterAll(async () => {
  await Promise.all([fake?.stop(), server?.stop()]);
});

async function stored(): Promise<unknown> {
  const traceId = getLastActiveTraceId();
  expect(traceId).toBeDefined();
  await flushTraces();
  return normalizeTrace(await getTrace(server.url, traceId as string));
}

test("an OpenAI chat completion with a tool call is stored as Python stores it", async () => {
  const { request, expected } = golden.calls.openai_chat_tool_call!;
  const client = tracedOpenAI(new OpenAI({ baseURL: fake.openaiBaseUrl, apiKey: "sk-fake", maxRetries: 0 }));
  const completion = await client.chat.completions.create(request as never);
  expect(completion.choices[0]?.message.tool_calls?.[0]).toMatchObject({ function: { name: "get_weather" } });
  expect(await stored()).toEqual(expected);
});

test("a streamed Anthropic message is stored as Python stores it", async () => {
  const { request, expected } = golden.calls.anthropic_streamed_message!;
  const client = tracedAnthropic(new Anthropic({ baseURL: fake.anthropicBaseUrl, apiKey: "sk-ant-fake", maxRetries: 0 }));
  const stream = await client.messages.create(request as never);
  const kinds: string[] = [];
  for await (const event of stream as unknown as AsyncIterable<{ type: string }>) kinds.push(event.type);
  expect(kinds[0]).toBe("message_start");
  expect(await stored()).toEqual(expected);
  expect(getStats().droppedSpans).toBe(0);
});

test("a Gemini function call through @google/genai is stored as Python stores it", async () => {
  const { request, expected } = golden.calls.google_genai_function_call!;
  const client = tracedGoogleGenAI(new GoogleGenAI({ apiKey: "fake-key", httpOptions: { baseUrl: fake.geminiBaseUrl } }));
  const response = await client.models.generateContent(request as never);
  expect(response.functionCalls?.[0]).toMatchObject({ name: "get_weather" });
  expect(await stored()).toEqual(expected);
});

test("a LangChain.js prompt | chat model | parser chain is stored as Python's LangChain integration stores it", async () => {
  const { request, expected } = golden.calls.langchain_prompt_model_parser!;
  const { model, system, question } = request as { model: string; system: string; question: string };
  const prompt = ChatPromptTemplate.fromMessages([
    ["system", system],
    ["human", "{question}"],
  ]);
  const chat = new ChatOpenAI({ model, apiKey: "sk-fake", maxRetries: 0, configuration: { baseURL: fake.openaiBaseUrl } });
  const answer = await prompt.pipe(chat).pipe(new StringOutputParser()).invoke({ question }, { callbacks: [new SpanscopeCallbackHandler()] });
  type Span = { parent?: number; name: string; span_type: string; status: unknown; inputs?: unknown; outputs?: unknown; attributes: Record<string, unknown>; events: unknown };
  const goldenTrace = expected as { info: unknown; spans: Span[] };
  const trace = (await stored()) as { info: unknown; spans: Span[] };
  // LangChain.js reports a chain's plain value as {output: value} (Python: the value); each
  // library names its own invocation parameters. Everything else is compared as stored.
  const comparable = ({ spans }: { spans: Span[] }, unwrap: boolean) =>
    spans.map(({ attributes, outputs, ...span }) => {
      const { ["langchain.invocation_params"]: _params, ...rest } = attributes;
      const plain = unwrap && outputs !== null && typeof outputs === "object" && Object.keys(outputs).join() === "output";
      return { ...span, attributes: rest, outputs: plain ? (outputs as { output: unknown }).output : outputs };
    });
  expect(answer).toContain("Paris");
  expect(comparable(trace, true)).toEqual(comparable(goldenTrace, false));
  expect(trace.spans[2]?.attributes["langchain.invocation_params"]).toMatchObject({ model });
});

test("the Vercel AI SDK's model call with a tool call is stored in the shape of Python's OpenAI chat span", async () => {
  const { request, expected } = golden.calls.openai_chat_tool_call!;
  const { model, messages, tools } = request as {
    model: string;
    messages: ModelMessage[];
    tools: { function: { name: string; description: string; parameters: JSONSchema7 } }[];
  };
  const openai = createOpenAI({ baseURL: fake.openaiBaseUrl, apiKey: "sk-fake" });
  const result = await generateText({
    model: openai.chat(model),
    messages,
    // The golden request's tools, without `execute`: the call ends with the model's tool call.
    tools: Object.fromEntries(tools.map(({ function: f }) => [f.name, tool({ description: f.description, inputSchema: jsonSchema(f.parameters) })])),
    maxRetries: 0,
    experimental_telemetry: { integrations: spanscopeTelemetry() },
  });
  expect(result.toolCalls[0]).toMatchObject({ toolName: "get_weather" });
  type Span = { parent: number | undefined; name: string; span_type: string; status: unknown; attributes: unknown; events: unknown };
  const shape = ({ span_type, status, attributes, events }: Span) => ({ span_type, status, attributes, events });
  const { spans } = (await stored()) as { spans: Span[] };
  // The call's own span first, its one model call below it; names, inputs and outputs are the
  // AI SDK's (the golden span's are the openai client's request and response).
  expect(spans.map((s) => [s.name, s.parent])).toEqual([
    ["ai.generateText", undefined],
    ["ai.generateText.doGenerate", 0],
  ]);
  const [goldenSpan] = (expected as { spans: Span[] }).spans;
  expect(shape(spans[1]!)).toEqual(shape(goldenSpan!));
});

test("normalisation drops nulls in objects only and sorts keys", () => {
  expect(canonical({ b: 1, a: null, c: [null, { d: null, e: 2 }] })).toEqual({ b: 1, c: [null, { e: 2 }] });
  expect(JSON.stringify(canonical({ b: 1, a: 2 }))).toBe('{"a":2,"b":1}');
});

test("normalisation orders spans that start in the same tick parent first", () => {
  const span = (span_id: string, parent_id: string | null, name: string) =>
    ({ span_id, parent_id, name, start_time_ns: 1, span_type: "CHAIN", status: {}, inputs: null, outputs: null, attributes: {}, events: [] }) as never;
  const trace = { info: { name: "n", state: "OK" }, data: { spans: [span("0", "1", "grandchild"), span("1", "a", "child"), span("a", null, "root")] } } as never;
  const { spans } = normalizeTrace(trace) as { spans: { name: string; parent?: number }[] };
  expect(spans.map((s) => [s.name, s.parent])).toEqual([
    ["root", undefined],
    ["child", 0],
    ["grandchild", 1],
  ]);
});
