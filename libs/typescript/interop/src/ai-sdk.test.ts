/**
 * The Vercel AI SDK (`ai`) with telemetry on (`experimental_telemetry: { isEnabled: true }`)
 * and `@ai-sdk/openai`'s chat model pointed at the fake LLM server: a two-step generateText
 * whose tool runs in between, exported by the OpenTelemetry SDK over OTLP/HTTP protobuf. Both
 * of `@ai-sdk/otel`'s integrations: `OpenTelemetry` (GenAI conventions: invoke_agent, step,
 * chat, execute_tool) and `LegacyOpenTelemetry` (the `ai.*` spans of AI SDK 4 to 6).
 *
 * The `ai.*` spans are mapped by the Vercel mapper (`otel/vercel.py`).
 */
import { createOpenAI } from "@ai-sdk/openai";
import { LegacyOpenTelemetry, OpenTelemetry } from "@ai-sdk/otel";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { generateText, stepCountIs, tool, type Telemetry } from "ai";
import { afterAll, beforeAll, expect, test } from "vitest";
import { z } from "zod";
import type { StoredSpan, StoredTrace } from "@spanscope/test-support";
import { node, openaiBaseUrl, parts, serverUrl, span, spans, storedTrace, texts, tree, type Node } from "./stored.js";

let provider: NodeTracerProvider;
let openai: ReturnType<typeof createOpenAI>;

beforeAll(() => {
  const exporter = new OTLPTraceExporter({ url: `${serverUrl()}/v1/traces` });
  const resource = resourceFromAttributes({ "service.name": "interop-ai-sdk" });
  provider = new NodeTracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor(exporter)] });
  provider.register();
  openai = createOpenAI({ baseURL: openaiBaseUrl(), apiKey: "sk-fake" });
});
afterAll(async () => provider.shutdown());

const getWeather = tool({
  description: "The forecast for a city",
  inputSchema: z.object({ city: z.string() }),
  execute: async ({ city }) => ({ city, forecast: "rain" }),
});

/** Ask with a tool; the fake model calls it, then answers with its result. Returns the trace
 * of the call (found by the telemetry's root span, the only root in its trace). */
async function askWeather(integration: Telemetry, model = "gpt-4o-mini"): Promise<{ text: string; traceId: string }> {
  const tracer = provider.getTracer("interop-ai-sdk");
  return tracer.startActiveSpan("request", async (root) => {
    try {
      const result = await generateText({
        model: openai.chat(model),
        system: "You are terse.",
        prompt: "What is the weather in Paris?",
        tools: { get_weather: getWeather },
        stopWhen: stepCountIs(3),
        maxRetries: 0,
        experimental_telemetry: { isEnabled: true, functionId: "weather", integrations: integration },
      });
      return { text: result.text, traceId: root.spanContext().traceId };
    } catch {
      return { text: "", traceId: root.spanContext().traceId };
    } finally {
      root.end();
    }
  });
}

/** The stored trace below the test's own `request` span. */
async function stored(traceId: string, spanCount: number): Promise<{ trace: StoredTrace; nodes: Node[] }> {
  await provider.forceFlush();
  const trace = await storedTrace(traceId, spanCount + 1);
  const [request] = tree(trace);
  expect(request?.name).toBe("request");
  return { trace, nodes: request!.children };
}

function inputMessages(span: StoredSpan): unknown {
  return (span.inputs as { messages: unknown }).messages;
}

test("GenAI conventions: agent, steps, chat and tool spans; messages with the tool call and its result; model; usage", async () => {
  const { text, traceId } = await askWeather(new OpenTelemetry({ tracer: provider.getTracer("ai") }));
  const { trace, nodes } = await stored(traceId, 6);
  // Types from gen_ai.operation.name (the steps' `agent_step` is not a GenAI operation).
  const typed = (n: Node): Node => (n.name.startsWith("step ") ? { ...n, type: "(step)", children: n.children.map(typed) } : { ...n, children: n.children.map(typed) });
  expect(nodes.map(typed)).toEqual([
    node("invoke_agent gpt-4o-mini", "AGENT", [
      node("step 1", "(step)", [node("chat gpt-4o-mini", "CHAT_MODEL"), node("execute_tool get_weather", "TOOL")]),
      node("step 2", "(step)", [node("chat gpt-4o-mini", "CHAT_MODEL")]),
    ]),
  ]);
  const [first, second] = spans(trace, "chat gpt-4o-mini") as [StoredSpan, StoredSpan];
  // The system instructions lead the input messages.
  expect(texts(inputMessages(first))).toEqual([
    ["system", "You are terse."],
    ["user", "What is the weather in Paris?"],
  ]);
  expect(parts(first.outputs, "tool_call")).toMatchObject([{ role: "assistant", id: "call_fake_0", name: "get_weather", arguments: { city: expect.any(String) } }]);
  expect(first.attributes).toMatchObject({
    "gen_ai.request.model": "gpt-4o-mini",
    "gen_ai.response.model": "gpt-4o-mini",
    "gen_ai.provider.name": "openai",
    "gen_ai.usage.input_tokens": 9,
    "gen_ai.usage.output_tokens": 2,
    "otel.span.kind": "CLIENT",
  });
  expect(parts(inputMessages(second), "tool_call")).toMatchObject([{ role: "assistant", name: "get_weather" }]);
  expect(parts(inputMessages(second), "tool_call_response")).toMatchObject([{ role: "tool", id: "call_fake_0", response: { forecast: "rain" } }]);
  expect(texts(second.outputs)).toEqual([["assistant", text]]);
  const toolSpan = span(trace, "execute_tool get_weather");
  expect(toolSpan.inputs).toEqual({ city: expect.any(String) });
  expect(toolSpan.outputs).toEqual({ city: expect.any(String), forecast: "rain" });
  expect(span(trace, "invoke_agent gpt-4o-mini").attributes["gen_ai.agent.name"]).toBe("weather");
  // The agent span repeats its steps' usage: the trace counts it once.
  const usage = JSON.parse(trace.info.metadata["spanscope.trace.token_usage"] ?? "{}");
  const chats = [first, second].map((s) => s.attributes["gen_ai.usage.input_tokens"] as number);
  expect(usage.input_tokens).toBe(chats[0]! + chats[1]!);
});

test("GenAI conventions: a failed call is an error on the chat, step and agent spans", async () => {
  const { traceId } = await askWeather(new OpenTelemetry({ tracer: provider.getTracer("ai") }), "error-500");
  const { trace, nodes } = await stored(traceId, 3);
  expect(nodes.map((n) => n.name)).toEqual(["invoke_agent error-500"]);
  const failed = span(trace, "chat error-500");
  expect(failed.span_type).toBe("CHAT_MODEL");
  expect(failed.status).toMatchObject({ code: "ERROR", message: expect.stringContaining("fake error 500") });
  expect(failed.events.map((e) => e.name)).toEqual(["exception"]);
  expect(span(trace, "invoke_agent error-500").status.code).toBe("ERROR");
});

test("ai.* spans: the tree, model and token usage, and a failed call as errors", async () => {
  const { traceId } = await askWeather(new LegacyOpenTelemetry({ tracer: provider.getTracer("ai") }));
  const { trace, nodes } = await stored(traceId, 4);
  const names = (n: Node): unknown => (n.children.length ? [n.name, n.children.map(names)] : n.name);
  // AI SDK 7's legacy spans put the tool call under the model call that asked for it.
  expect(nodes.map(names)).toEqual([["ai.generateText", [["ai.generateText.doGenerate", ["ai.toolCall"]], "ai.generateText.doGenerate"]]]);
  const [first] = spans(trace, "ai.generateText.doGenerate") as [StoredSpan, StoredSpan];
  expect(first.attributes).toMatchObject({ "gen_ai.request.model": "gpt-4o-mini", "gen_ai.response.model": "gpt-4o-mini" });
  expect(first.attributes["gen_ai.usage.input_tokens"]).toBe(9);

  const failedCall = await askWeather(new LegacyOpenTelemetry({ tracer: provider.getTracer("ai") }), "error-500");
  const failedTrace = (await stored(failedCall.traceId, 2)).trace;
  for (const name of ["ai.generateText", "ai.generateText.doGenerate"]) {
    expect(span(failedTrace, name).status).toMatchObject({ code: "ERROR", message: expect.stringContaining("fake error 500") });
  }
});

// The Vercel mapper (otel/vercel.py): without it the ai.* spans would be UNKNOWN and their
// prompt, response and tool call raw ai.* attributes.
test("the Vercel mapper (otel/vercel.py): ai.* span types, chat messages with the tool call and its result, tool arguments and result", async () => {
  const { text, traceId } = await askWeather(new LegacyOpenTelemetry({ tracer: provider.getTracer("ai") }));
  const { trace, nodes } = await stored(traceId, 4);
  expect(nodes).toEqual([
    node("ai.generateText", "CHAIN", [node("ai.generateText.doGenerate", "CHAT_MODEL", [node("ai.toolCall", "TOOL")]), node("ai.generateText.doGenerate", "CHAT_MODEL")]),
  ]);
  const [first, second] = spans(trace, "ai.generateText.doGenerate") as [StoredSpan, StoredSpan];
  expect(texts(inputMessages(first))).toEqual([
    ["system", "You are terse."],
    ["user", "What is the weather in Paris?"],
  ]);
  expect(parts(first.outputs, "tool_call")).toMatchObject([{ name: "get_weather", id: "call_fake_0" }]);
  expect(parts(inputMessages(second), "tool_call")).toMatchObject([{ role: "assistant", name: "get_weather" }]);
  expect(parts(inputMessages(second), "tool_call_response")).toMatchObject([{ role: "tool", id: "call_fake_0" }]);
  expect(texts(second.outputs)).toEqual([["assistant", text]]);
  const toolSpan = span(trace, "ai.toolCall");
  expect(toolSpan.inputs).toEqual({ city: expect.any(String) });
  expect(toolSpan.outputs).toEqual({ city: expect.any(String), forecast: "rain" });
  expect(first.attributes["gen_ai.provider.name"]).toBe("openai");
  const usage = JSON.parse(trace.info.metadata["spanscope.trace.token_usage"] ?? "{}");
  expect(usage.input_tokens).toBe((first.attributes["gen_ai.usage.input_tokens"] as number) + (second.attributes["gen_ai.usage.input_tokens"] as number));
});
