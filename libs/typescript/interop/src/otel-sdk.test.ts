/**
 * The OpenTelemetry JS SDK with its own OTLP/HTTP exporters, protobuf and JSON: an agent
 * instrumented by hand after the GenAI semantic conventions (invoke_agent > chat, execute_tool,
 * chat), calling the fake LLM server with the real `openai` client. What the server stores:
 * types from gen_ai.operation.name, the chat messages (tool call and tool result included),
 * model, token usage, the session, and a failed call as an error.
 */
import { context, SpanKind, SpanStatusCode, type Span, type Tracer } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { OTLPTraceExporter as JsonExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as ProtoExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { node, openaiBaseUrl, parts, serverUrl, span, spans, storedTrace, texts, tree } from "./stored.js";

type ChatMessage = OpenAI.Chat.Completions.ChatCompletionMessageParam;
type Completion = OpenAI.Chat.Completions.ChatCompletion;

const TOOLS: OpenAI.Chat.Completions.ChatCompletionTool[] = [
  {
    type: "function",
    function: {
      name: "get_weather",
      description: "The forecast for a city",
      parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
    },
  },
];

/** OpenAI chat messages as GenAI semconv messages (role + parts). */
function semconvMessages(messages: (ChatMessage | OpenAI.Chat.Completions.ChatCompletionMessage)[]): unknown[] {
  return messages.map((message) => {
    const out: Record<string, unknown>[] = [];
    if (typeof message.content === "string" && message.content) {
      out.push(message.role === "tool" ? { type: "tool_call_response", id: message.tool_call_id, response: message.content } : { type: "text", content: message.content });
    }
    if (message.role === "assistant") {
      for (const call of message.tool_calls ?? []) {
        if (call.type === "function") out.push({ type: "tool_call", id: call.id, name: call.function.name, arguments: JSON.parse(call.function.arguments) });
      }
    }
    return { role: message.role, parts: out };
  });
}

/** One chat completion as a GenAI CLIENT span. */
async function chat(tracer: Tracer, client: OpenAI, model: string, messages: ChatMessage[]): Promise<Completion> {
  const attributes = {
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": "openai",
    "gen_ai.request.model": model,
    "gen_ai.input.messages": JSON.stringify(semconvMessages(messages)),
  };
  return tracer.startActiveSpan(`chat ${model}`, { kind: SpanKind.CLIENT, attributes }, async (span: Span) => {
    try {
      const completion = await client.chat.completions.create({ model, messages, tools: TOOLS });
      const choice = completion.choices[0]!;
      span.setAttributes({
        "gen_ai.response.model": completion.model,
        "gen_ai.response.id": completion.id,
        "gen_ai.response.finish_reasons": [choice.finish_reason],
        "gen_ai.usage.input_tokens": completion.usage?.prompt_tokens ?? 0,
        "gen_ai.usage.output_tokens": completion.usage?.completion_tokens ?? 0,
        "gen_ai.output.messages": JSON.stringify(
          semconvMessages([choice.message]).map((m) => ({ ...(m as object), finish_reason: choice.finish_reason })),
        ),
      });
      return completion;
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** The agent: ask, run the tool the model calls, ask again with its result. */
async function weatherAgent(tracer: Tracer, client: OpenAI, question: string): Promise<{ traceId: string; answer: string }> {
  const attributes = { "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "weather_agent", "gen_ai.conversation.id": "conversation-7" };
  return tracer.startActiveSpan("invoke_agent weather_agent", { attributes }, async (agent) => {
    const messages: ChatMessage[] = [{ role: "user", content: question }];
    const first = await chat(tracer, client, "gpt-4o-mini", messages);
    const assistant = first.choices[0]!.message;
    const call = assistant.tool_calls![0]!;
    if (call.type !== "function") throw new Error("expected a function call");
    const toolAttributes = {
      "gen_ai.operation.name": "execute_tool",
      "gen_ai.tool.name": call.function.name,
      "gen_ai.tool.call.id": call.id,
      "gen_ai.tool.call.arguments": call.function.arguments,
    };
    const result = await tracer.startActiveSpan(`execute_tool ${call.function.name}`, { attributes: toolAttributes }, async (tool) => {
      const forecast = { city: JSON.parse(call.function.arguments).city, forecast: "rain" };
      tool.setAttribute("gen_ai.tool.call.result", JSON.stringify(forecast));
      tool.end();
      return forecast;
    });
    messages.push(assistant, { role: "tool", tool_call_id: call.id, content: JSON.stringify(result) });
    const second = await chat(tracer, client, "gpt-4o-mini", messages);
    const answer = second.choices[0]!.message.content ?? "";
    agent.setAttribute("gen_ai.output.messages", JSON.stringify([{ role: "assistant", parts: [{ type: "text", content: answer }] }]));
    agent.end();
    return { traceId: agent.spanContext().traceId, answer };
  });
}

const contextManager = new AsyncLocalStorageContextManager();
let client: OpenAI;

beforeAll(() => {
  context.setGlobalContextManager(contextManager.enable());
  client = new OpenAI({ baseURL: openaiBaseUrl(), apiKey: "sk-fake", maxRetries: 0 });
});
afterAll(() => {
  context.disable();
});

describe.each([
  { encoding: "protobuf", exporter: () => new ProtoExporter({ url: `${serverUrl()}/v1/traces` }) },
  { encoding: "JSON", exporter: () => new JsonExporter({ url: `${serverUrl()}/v1/traces` }) },
])("the OTLP/HTTP $encoding exporter", ({ encoding, exporter }) => {
  let provider: NodeTracerProvider;
  let tracer: Tracer;

  beforeAll(() => {
    const resource = resourceFromAttributes({ "service.name": `interop-otel-${encoding}` });
    provider = new NodeTracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor(exporter())] });
    tracer = provider.getTracer("interop-test", "1.0.0");
  });
  afterAll(async () => provider.shutdown());

  test("an agent's tree, chat messages with the tool call and its result, model and usage", async () => {
    const { traceId, answer } = await weatherAgent(tracer, client, "What is the weather in Paris?");
    await provider.forceFlush();
    const trace = await storedTrace(traceId, 4);

    expect(tree(trace)).toEqual([
      node("invoke_agent weather_agent", "AGENT", [
        node("chat gpt-4o-mini", "CHAT_MODEL"),
        node("execute_tool get_weather", "TOOL"),
        node("chat gpt-4o-mini", "CHAT_MODEL"),
      ]),
    ]);
    const [first, second] = spans(trace, "chat gpt-4o-mini") as [(typeof trace.data.spans)[0], (typeof trace.data.spans)[0]];
    // The first call: the question in, a tool call out.
    expect(texts((first.inputs as { messages: unknown }).messages)).toEqual([["user", "What is the weather in Paris?"]]);
    expect(parts(first.outputs, "tool_call")).toMatchObject([{ role: "assistant", id: "call_fake_0", name: "get_weather", arguments: { city: expect.any(String) } }]);
    expect(first.attributes).toMatchObject({
      "gen_ai.request.model": "gpt-4o-mini",
      "gen_ai.response.model": "gpt-4o-mini",
      "gen_ai.provider.name": "openai",
      "gen_ai.usage.input_tokens": 6,
      "gen_ai.usage.output_tokens": 2,
      "gen_ai.response.finish_reasons": ["tool_calls"],
      "otel.span.kind": "CLIENT",
    });
    // The second call: the tool call and the tool's result in, the answer out.
    const secondInputs = (second.inputs as { messages: unknown }).messages;
    expect(parts(secondInputs, "tool_call")).toMatchObject([{ role: "assistant", name: "get_weather" }]);
    expect(parts(secondInputs, "tool_call_response")).toMatchObject([{ role: "tool", id: "call_fake_0", response: expect.stringContaining("rain") }]);
    expect(texts(second.outputs)).toEqual([["assistant", answer]]);
    expect(answer).toContain("The tool returned");
    // The tool: its arguments in, its result out.
    const tool = span(trace, "execute_tool get_weather");
    expect(tool.inputs).toEqual({ city: expect.any(String) });
    expect(tool.outputs).toMatchObject({ forecast: "rain" });
    // Usage rolls up to the trace; the conversation is the session.
    const usage = JSON.parse(trace.info.metadata["spanscope.trace.token_usage"] ?? "{}");
    expect(usage).toEqual({
      input_tokens: 6 + (second.attributes["gen_ai.usage.input_tokens"] as number),
      output_tokens: 2 + (second.attributes["gen_ai.usage.output_tokens"] as number),
      total_tokens: expect.any(Number),
    });
    expect(trace.info.metadata["spanscope.trace.session"]).toBe("conversation-7");
    expect(trace.info).toMatchObject({ state: "OK", name: "invoke_agent weather_agent" });
  });

  test("a failed model call is an error span and an error trace", async () => {
    const traceId = await tracer.startActiveSpan("invoke_agent weather_agent", { attributes: { "gen_ai.operation.name": "invoke_agent" } }, async (agent) => {
      try {
        await chat(tracer, client, "error-500", [{ role: "user", content: "Will it rain?" }]);
      } catch (error) {
        agent.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      } finally {
        agent.end();
      }
      return agent.spanContext().traceId;
    });
    await provider.forceFlush();
    const trace = await storedTrace(traceId, 2);
    expect(tree(trace)).toEqual([node("invoke_agent weather_agent", "AGENT", [node("chat error-500", "CHAT_MODEL")])]);
    const failed = span(trace, "chat error-500");
    expect(failed.status).toMatchObject({ code: "ERROR", message: expect.stringContaining("500") });
    expect(failed.events.map((e) => e.name)).toEqual(["exception"]);
    expect(texts((failed.inputs as { messages: unknown }).messages)).toEqual([["user", "Will it rain?"]]);
    expect(trace.info.state).toBe("ERROR");
  });
});
