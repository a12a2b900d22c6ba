/**
 * OpenInference (Arize): `@arizeai/openinference-instrumentation-openai` on the real `openai`
 * client, with `@arizeai/openinference-core`'s traceAgent / traceTool around it, exported by
 * the OpenTelemetry SDK over OTLP/HTTP protobuf. What the server stores: the OpenInference
 * span kinds as types, the chat messages (tool call and tool result included) as GenAI
 * messages, model, token usage, embeddings, and a failed call as an error.
 */
import * as openaiModule from "openai";
import OpenAI from "openai";
import { OpenAIInstrumentation } from "@arizeai/openinference-instrumentation-openai";
import { traceAgent, traceTool } from "@arizeai/openinference-core";
import { trace as otelTrace } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { afterAll, beforeAll, expect, test } from "vitest";
import { node, openaiBaseUrl, parts, serverUrl, span, spans, storedTrace, texts, tree } from "./stored.js";

type ChatMessage = OpenAI.Chat.Completions.ChatCompletionMessageParam;

const TOOLS: OpenAI.Chat.Completions.ChatCompletionTool[] = [
  { type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } } },
];

let provider: NodeTracerProvider;
let instrumentation: OpenAIInstrumentation;
let client: OpenAI;

beforeAll(() => {
  const exporter = new OTLPTraceExporter({ url: `${serverUrl()}/v1/traces` });
  const resource = resourceFromAttributes({ "service.name": "interop-openinference" });
  provider = new NodeTracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor(exporter)] });
  provider.register();
  instrumentation = new OpenAIInstrumentation({ tracerProvider: provider });
  // ESM: the module's classes are patched directly (require hooks do not see `import`).
  instrumentation.manuallyInstrument(openaiModule as never);
  client = new OpenAI({ baseURL: openaiBaseUrl(), apiKey: "sk-fake", maxRetries: 0 });
});

afterAll(async () => {
  instrumentation.disable();
  await provider.shutdown();
});

const getWeather = traceTool(async (city: string) => ({ city, forecast: "rain" }), { name: "get_weather" });

const weatherAgent = traceAgent(
  async (question: string) => {
    const traceId = otelTrace.getActiveSpan()!.spanContext().traceId;
    const messages: ChatMessage[] = [{ role: "user", content: question }];
    const first = await client.chat.completions.create({ model: "gpt-4o-mini", messages, tools: TOOLS });
    const assistant = first.choices[0]!.message;
    const call = assistant.tool_calls![0]!;
    if (call.type !== "function") throw new Error("expected a function call");
    const result = await getWeather(JSON.parse(call.function.arguments).city);
    messages.push(assistant, { role: "tool", tool_call_id: call.id, content: JSON.stringify(result) });
    const second = await client.chat.completions.create({ model: "gpt-4o-mini", messages, tools: TOOLS });
    await client.embeddings.create({ model: "text-embedding-3-small", input: second.choices[0]!.message.content ?? "" });
    return { traceId, answer: second.choices[0]!.message.content ?? "" };
  },
  { name: "weather_agent" },
);

test("an agent's tree, chat messages with the tool call and its result, model, usage, embeddings", async () => {
  const { traceId, answer } = await weatherAgent("What is the weather in Paris?");
  await provider.forceFlush();
  const trace = await storedTrace(traceId, 5);

  expect(tree(trace)).toEqual([
    node("weather_agent", "AGENT", [
      node("OpenAI Chat Completions", "LLM"),
      node("get_weather", "TOOL"),
      node("OpenAI Chat Completions", "LLM"),
      node("OpenAI Embeddings", "EMBEDDING"),
    ]),
  ]);
  const [first, second] = spans(trace, "OpenAI Chat Completions") as [(typeof trace.data.spans)[0], (typeof trace.data.spans)[0]];
  expect(texts(first.attributes["gen_ai.input.messages"])).toEqual([["user", "What is the weather in Paris?"]]);
  expect(parts(first.attributes["gen_ai.output.messages"], "tool_call")).toMatchObject([
    { role: "assistant", id: "call_fake_0", name: "get_weather", arguments: { city: expect.any(String) } },
  ]);
  expect(first.attributes).toMatchObject({
    "gen_ai.request.model": "gpt-4o-mini",
    "gen_ai.provider.name": "openai",
    "gen_ai.usage.input_tokens": 6,
    "gen_ai.usage.output_tokens": 2,
  });
  // The request as the client sent it.
  expect(first.inputs).toMatchObject({ model: "gpt-4o-mini", messages: [{ role: "user", content: "What is the weather in Paris?" }] });
  const secondInputs = second.attributes["gen_ai.input.messages"];
  expect(parts(secondInputs, "tool_call")).toMatchObject([{ role: "assistant", name: "get_weather" }]);
  expect(parts(secondInputs, "tool_call_response")).toMatchObject([{ role: "tool", id: "call_fake_0" }]);
  expect(JSON.stringify(parts(secondInputs, "tool_call_response"))).toContain("rain");
  expect(texts(second.attributes["gen_ai.output.messages"])).toEqual([["assistant", answer]]);
  const tool = span(trace, "get_weather");
  expect(tool.outputs).toEqual({ city: expect.any(String), forecast: "rain" });
  const embeddings = span(trace, "OpenAI Embeddings");
  expect(embeddings.inputs).toBe(answer);
  const usage = JSON.parse(trace.info.metadata["spanscope.trace.token_usage"] ?? "{}");
  expect(usage.input_tokens).toBe(6 + (second.attributes["gen_ai.usage.input_tokens"] as number));
  expect(trace.info.state).toBe("OK");
});

test("a failed model call fails its agent: an error span and an error trace", async () => {
  // openinference-instrumentation-openai 4.2.7 never ends the span of a request that fails
  // (it handles synchronous throws only), so the stored error is the agent's, recorded by
  // openinference-core when the call's error propagates.
  let traceId = "";
  const failing = traceAgent(
    async (question: string) => {
      traceId = otelTrace.getActiveSpan()!.spanContext().traceId;
      return client.chat.completions.create({ model: "error-500", messages: [{ role: "user", content: question }] });
    },
    { name: "failing_agent" },
  );
  await expect(failing("Will it rain?")).rejects.toThrow(/500/);
  await provider.forceFlush();
  const trace = await storedTrace(traceId, 1);
  expect(tree(trace)).toEqual([node("failing_agent", "AGENT")]);
  const failed = span(trace, "failing_agent");
  expect(failed.status).toMatchObject({ code: "ERROR", message: expect.stringContaining("500") });
  expect(failed.events.map((e) => e.name)).toContain("exception");
  expect(failed.inputs).toBe("Will it rain?");
  expect(trace.info.state).toBe("ERROR");
});
