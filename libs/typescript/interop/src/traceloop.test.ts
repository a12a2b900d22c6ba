/**
 * OpenLLMetry: `@traceloop/node-server-sdk` (its OpenAI instrumentation on the real `openai`
 * client, its workflow / agent / tool / task wrappers) exporting to the spanscope server as its
 * `baseUrl` (OTLP/HTTP protobuf to `/v1/traces`). Telemetry and prompt sync are off and the
 * server is on 127.0.0.1: nothing leaves the machine.
 *
 * The wrappers' spans (`traceloop.span.kind`, `traceloop.entity.input` / `.output`) are mapped
 * by the OpenLLMetry mapper (`otel/openllmetry.py`).
 */
import OpenAI from "openai";
import * as traceloop from "@traceloop/node-server-sdk";
import { trace as otelTrace } from "@opentelemetry/api";
import { beforeAll, expect, test } from "vitest";
import type { StoredTrace } from "@spanscope/test-support";
import { node, openaiBaseUrl, parts, serverUrl, span, spans, storedTrace, texts, tree, type Node } from "./stored.js";

type ChatMessage = OpenAI.Chat.Completions.ChatCompletionMessageParam;

const TOOLS: OpenAI.Chat.Completions.ChatCompletionTool[] = [
  { type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } } },
];

let client: OpenAI;

beforeAll(() => {
  traceloop.initialize({
    appName: "interop-traceloop",
    baseUrl: serverUrl(),
    apiKey: "tl-fake",
    disableBatch: true,
    traceloopSyncEnabled: false,
    silenceInitializationMessage: true,
    // The ESM class; the SDK types it as the CommonJS one (the same class at run time).
    instrumentModules: { openAI: OpenAI as never },
  });
  client = new OpenAI({ baseURL: openaiBaseUrl(), apiKey: "sk-fake", maxRetries: 0 });
});

/** A workflow running an agent that calls the model, runs the tool it asks for, and answers
 * in a task with the tool's result. */
async function weatherWorkflow(question: string): Promise<{ traceId: string; answer: string }> {
  return traceloop.withWorkflow({ name: "weather_flow", conversationId: "conversation-7" }, async () => {
    const traceId = otelTrace.getActiveSpan()!.spanContext().traceId;
    const answer = await traceloop.withAgent({ name: "weather_agent" }, async () => {
      const messages: ChatMessage[] = [{ role: "user", content: question }];
      const first = await client.chat.completions.create({ model: "gpt-4o-mini", messages, tools: TOOLS });
      const assistant = first.choices[0]!.message;
      const call = assistant.tool_calls![0]!;
      if (call.type !== "function") throw new Error("expected a function call");
      const args = JSON.parse(call.function.arguments) as { city: string };
      const result = await traceloop.withTool({ name: "get_weather" }, async ({ city }: { city: string }) => ({ city, forecast: "rain" }), args);
      messages.push(assistant, { role: "tool", tool_call_id: call.id, content: JSON.stringify(result) });
      const second = await traceloop.withTask({ name: "answer" }, () => client.chat.completions.create({ model: "gpt-4o-mini", messages, tools: TOOLS }));
      return second.choices[0]!.message.content ?? "";
    });
    return { traceId, answer };
  });
}

let stored: StoredTrace | undefined;
async function weatherTrace(): Promise<{ trace: StoredTrace; answer: string }> {
  const { traceId, answer } = await weatherWorkflow("What is the weather in Paris?");
  await traceloop.forceFlush();
  stored = await storedTrace(traceId, 6);
  return { trace: stored, answer };
}

/** The tree's names only (types are checked where the mapper is needed). */
function names(nodes: Node[]): unknown[] {
  return nodes.map((n) => (n.children.length ? [n.name, names(n.children)] : n.name));
}

test("a workflow's tree and its chat spans: messages with the tool call and its result, model, usage", async () => {
  const { trace, answer } = await weatherTrace();
  expect(names(tree(trace))).toEqual([
    ["weather_flow.workflow", [["weather_agent.agent", ["chat gpt-4o-mini", "get_weather.tool", ["answer.task", ["chat gpt-4o-mini"]]]]]],
  ]);
  const [first, second] = spans(trace, "chat gpt-4o-mini") as [(typeof trace.data.spans)[0], (typeof trace.data.spans)[0]];
  expect([first.span_type, second.span_type]).toEqual(["CHAT_MODEL", "CHAT_MODEL"]);
  expect(texts((first.inputs as { messages: unknown }).messages)).toEqual([["user", "What is the weather in Paris?"]]);
  expect(parts(first.outputs, "tool_call")).toMatchObject([{ role: "assistant", id: "call_fake_0", name: "get_weather", arguments: { city: expect.any(String) } }]);
  expect(first.attributes).toMatchObject({
    "gen_ai.request.model": "gpt-4o-mini",
    "gen_ai.response.model": "gpt-4o-mini",
    "gen_ai.provider.name": "openai",
    "gen_ai.usage.input_tokens": 6,
    "gen_ai.usage.output_tokens": 2,
    "otel.span.kind": "CLIENT",
  });
  const secondInputs = (second.inputs as { messages: unknown }).messages;
  expect(parts(secondInputs, "tool_call")).toMatchObject([{ role: "assistant", name: "get_weather" }]);
  expect(parts(secondInputs, "tool_call_response")).toMatchObject([{ role: "tool", id: "call_fake_0" }]);
  expect(JSON.stringify(parts(secondInputs, "tool_call_response"))).toContain("rain");
  expect(texts(second.outputs)).toEqual([["assistant", answer]]);
  const usage = JSON.parse(trace.info.metadata["spanscope.trace.token_usage"] ?? "{}");
  expect(usage.input_tokens).toBe(6 + (second.attributes["gen_ai.usage.input_tokens"] as number));
  expect(trace.info.metadata["spanscope.trace.session"]).toBe("conversation-7");
  expect(trace.info).toMatchObject({ state: "OK", name: "weather_flow.workflow" });
});

test("the OpenLLMetry mapper (otel/openllmetry.py): workflow, agent, tool and task spans with their inputs and outputs", async () => {
  const trace = stored ?? (await weatherTrace()).trace;
  expect(tree(trace)).toEqual([
    node("weather_flow.workflow", "WORKFLOW", [
      node("weather_agent.agent", "AGENT", [
        node("chat gpt-4o-mini", "CHAT_MODEL"),
        node("get_weather.tool", "TOOL"),
        node("answer.task", "TASK", [node("chat gpt-4o-mini", "CHAT_MODEL")]),
      ]),
    ]),
  ]);
  // traceloop.entity.input is {"args": [...], "kwargs": {...}}; the output the return value.
  const tool = span(trace, "get_weather.tool");
  expect(JSON.stringify(tool.inputs)).toContain('"city"');
  expect(tool.outputs).toEqual({ city: expect.any(String), forecast: "rain" });
  expect(span(trace, "answer.task").outputs).toMatchObject({ object: "chat.completion" });
  expect(span(trace, "weather_flow.workflow").outputs).toMatchObject({ answer: expect.stringContaining("The tool returned") });
});

test("a failed model call is an error span", async () => {
  // @traceloop/node-server-sdk 0.27.0 ends neither a wrapper's span whose function rejects
  // nor the span of a chat completion that fails: those are never exported. A streamed
  // Responses API call that fails is recorded, so that is the error this checks.
  const traceId = await traceloop.withWorkflow({ name: "failing_flow" }, async () => {
    const id = otelTrace.getActiveSpan()!.spanContext().traceId;
    await expect(client.responses.create({ model: "error-500", input: "Will it rain?", stream: true })).rejects.toThrow(/500/);
    return id;
  });
  await traceloop.forceFlush();
  const trace = await storedTrace(traceId, 2);
  expect(names(tree(trace))).toEqual([["failing_flow.workflow", ["chat error-500"]]]);
  const failed = span(trace, "chat error-500");
  expect(failed.span_type).toBe("CHAT_MODEL");
  expect(failed.status).toMatchObject({ code: "ERROR", message: expect.stringContaining("500") });
  expect(failed.events.map((e) => e.name)).toEqual(["exception"]);
  expect(texts((failed.inputs as { messages: unknown }).messages)).toEqual([["user", "Will it rain?"]]);
  expect(failed.attributes["gen_ai.request.model"]).toBe("error-500");
});
