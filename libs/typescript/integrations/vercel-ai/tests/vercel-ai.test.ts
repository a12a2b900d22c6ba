/** The real `ai` package and `@ai-sdk/openai` against the Python fake LLM server, traced by
 * spanscopeTelemetry(): whole span trees of generateText and streamText calls. */
import { createOpenAI } from "@ai-sdk/openai";
import { generateText, jsonSchema, registerTelemetry, stepCountIs, streamText, tool, type Telemetry } from "ai";
import { beforeAll, beforeEach, describe, expect, test, vi } from "vitest";
import { flushTraces, getStats, init, trace, withSpan } from "@spanscope/tracing";
import { captureWithFakeLLM, textMessage, type CapturedSpan } from "@spanscope/test-support";
import { SpanscopeTelemetry, spanscopeTelemetry } from "../src/index.js";

const QUESTION = "What is the weather in Paris?";
const ANSWER = `You said: ${QUESTION}`;
const TOOL_ANSWER = "The tool returned: sunny in example";
const PARAMETERS = { type: "object", properties: { city: { type: "string" } }, required: ["city"] };
const WEATHER_DEFINITION = { type: "function", name: "get_weather", description: "Current weather", parameters: PARAMETERS };
const text = textMessage;

const { memory, fake } = captureWithFakeLLM(init, flushTraces);
let telemetry: Telemetry;
let openai: ReturnType<typeof createOpenAI>;
beforeAll(() => {
  openai = createOpenAI({ baseURL: fake().openaiBaseUrl, apiKey: "sk-fake" });
});
beforeEach(() => {
  telemetry = spanscopeTelemetry();
});

function weatherTool(execute: (city: string) => unknown = (city) => `sunny in ${city}`) {
  return tool({
    description: "Current weather",
    inputSchema: jsonSchema<{ city: string }>(PARAMETERS),
    execute: async ({ city }) => execute(city),
  });
}

/** Every span exported, checked to form one tree, as `[name, type, children]`. */
async function tree(): Promise<unknown> {
  await flushTraces();
  const spans = memory.spans;
  expect(new Set(spans.map((s) => s.traceId)).size).toBe(1);
  const shape = (span: CapturedSpan): unknown[] => {
    const children = spans.filter((s) => s.parentId === span.spanId);
    return children.length ? [span.name, span.spanType, children.map(shape)] : [span.name, span.spanType];
  };
  const roots = spans.filter((s) => s.parentId === undefined);
  return roots.map(shape);
}

function named(name: string): CapturedSpan[] {
  return memory.spans.filter((s) => s.name === name);
}

/** Nothing left open, nothing of spanscope's own failed. */
function settled(): void {
  expect((telemetry as unknown as SpanscopeTelemetry).openCalls).toBe(0);
  expect(getStats().internalErrors).toBe(0);
}

describe("generateText", () => {
  test("one model call: a CHAIN with a CHAT_MODEL span holding the chat in the GenAI shape", async () => {
    const result = await generateText({
      model: openai.chat("gpt-x"),
      system: "Be brief.",
      prompt: QUESTION,
      temperature: 0.5,
      maxRetries: 0,
      experimental_telemetry: { integrations: telemetry },
    });
    expect(result.text).toBe(ANSWER);
    expect(await tree()).toEqual([["ai.generateText", "CHAIN", [["ai.generateText.doGenerate", "CHAT_MODEL"]]]]);
    const [chat, root] = memory.spans as [CapturedSpan, CapturedSpan];
    expect(root.inputs).toEqual({ model: "gpt-x", instructions: "Be brief.", messages: [{ role: "user", content: QUESTION }], temperature: 0.5 });
    expect(root.outputs).toBe(ANSWER);
    expect(root.status.code).toBe(1);
    expect(chat.attributes).toEqual({
      "gen_ai.provider.name": "openai",
      "gen_ai.operation.name": "chat",
      "gen_ai.request.model": "gpt-x",
      "gen_ai.response.model": "gpt-x",
      "gen_ai.response.id": result.response.id,
      "gen_ai.system_instructions": [{ type: "text", content: "Be brief." }],
      "gen_ai.input.messages": [text("system", "Be brief."), text("user", QUESTION)],
      "gen_ai.output.messages": [text("assistant", ANSWER, "stop")],
      "gen_ai.response.finish_reasons": ["stop"],
      "gen_ai.usage.input_tokens": result.usage.inputTokens,
      "gen_ai.usage.output_tokens": result.usage.outputTokens,
      "gen_ai.usage.cache_read.input_tokens": 0,
      "gen_ai.usage.reasoning.output_tokens": 0,
    });
    expect(chat.inputs).toMatchObject({ model: "gpt-x", instructions: "Be brief.", temperature: 0.5 });
    expect(chat.outputs).toMatchObject({ content: [{ type: "text", text: ANSWER }], finishReason: "stop" });
    settled();
  });

  test("a tool loop (two steps): an AGENT with a model call, the tool run and the model call after it", async () => {
    const result = await generateText({
      model: openai.chat("gpt-x"),
      prompt: QUESTION,
      tools: { get_weather: weatherTool() },
      stopWhen: stepCountIs(3),
      maxRetries: 0,
      experimental_telemetry: { integrations: telemetry },
    });
    expect(result.text).toBe(TOOL_ANSWER);
    expect(result.steps.length).toBe(2);
    expect(await tree()).toEqual([
      [
        "ai.generateText",
        "AGENT",
        [
          ["ai.generateText.doGenerate", "CHAT_MODEL"],
          ["get_weather", "TOOL"],
          ["ai.generateText.doGenerate", "CHAT_MODEL"],
        ],
      ],
    ]);
    const [first, second] = named("ai.generateText.doGenerate") as [CapturedSpan, CapturedSpan];
    const callId = result.steps[0]!.toolCalls[0]!.toolCallId;
    const toolCall = { role: "assistant", parts: [{ type: "tool_call", id: callId, name: "get_weather", arguments: { city: "example" } }] };
    // The provider's own finish reason, as the openai integration records it (the SDK's is "tool-calls").
    expect(first.attributes["gen_ai.output.messages"]).toEqual([{ ...toolCall, finish_reason: "tool_calls" }]);
    expect(first.attributes["gen_ai.response.finish_reasons"]).toEqual(["tool_calls"]);
    expect(first.attributes["gen_ai.tool.definitions"]).toEqual([WEATHER_DEFINITION]);
    expect(second.attributes["gen_ai.input.messages"]).toEqual([
      text("user", QUESTION),
      toolCall,
      { role: "tool", parts: [{ type: "tool_call_response", id: callId, response: "sunny in example" }] },
    ]);
    expect(second.attributes["gen_ai.output.messages"]).toEqual([text("assistant", TOOL_ANSWER, "stop")]);
    const [toolSpan] = named("get_weather") as [CapturedSpan];
    expect(toolSpan.inputs).toEqual({ city: "example" });
    expect(toolSpan.outputs).toBe("sunny in example");
    expect(toolSpan.attributes).toEqual({ "gen_ai.tool.name": "get_weather", "gen_ai.tool.call.id": callId });
    const root = named("ai.generateText")[0]!;
    expect(root.inputs).toMatchObject({ tools: ["get_weather"] });
    expect(root.attributes["gen_ai.agent.name"]).toBe("ai.generateText");
    expect(root.outputs).toBe(TOOL_ANSWER);
    settled();
  });

  test("spans opened in a tool (a nested generateText too) nest under its TOOL span; the call nests under the caller's span; functionId names it", async () => {
    const lookup = trace(async function lookup(city: string) {
      const inner = await generateText({ model: openai.chat("gpt-x"), prompt: city, maxRetries: 0, experimental_telemetry: { integrations: telemetry } });
      return inner.text;
    });
    const agent = trace(async function agent(question: string) {
      const result = await generateText({
        model: openai.chat("gpt-x"),
        prompt: question,
        tools: { get_weather: weatherTool(lookup) },
        stopWhen: stepCountIs(3),
        maxRetries: 0,
        experimental_telemetry: { integrations: telemetry, functionId: "weather-agent" },
      });
      return result.text;
    });
    expect(await agent(QUESTION)).toBe("The tool returned: You said: example");
    expect(await tree()).toEqual([
      [
        "agent",
        "UNKNOWN",
        [
          [
            "weather-agent",
            "AGENT",
            [
              ["ai.generateText.doGenerate", "CHAT_MODEL"],
              ["get_weather", "TOOL", [["lookup", "UNKNOWN", [["ai.generateText", "CHAIN", [["ai.generateText.doGenerate", "CHAT_MODEL"]]]]]]],
              ["ai.generateText.doGenerate", "CHAT_MODEL"],
            ],
          ],
        ],
      ],
    ]);
    settled();
  });

  test("an API error: the model call and the call's span record it, and it reaches the caller unchanged", async () => {
    const error = await generateText({
      model: openai.chat("error-429"),
      prompt: QUESTION,
      maxRetries: 0,
      experimental_telemetry: { integrations: telemetry },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as { statusCode?: number }).statusCode).toBe(429);
    expect(await tree()).toEqual([["ai.generateText", "CHAIN", [["ai.generateText.doGenerate", "CHAT_MODEL"]]]]);
    for (const span of memory.spans) {
      expect(span.status.code).toBe(2);
      expect(span.status.message).toMatch(/^AI_APICallError: /);
      expect(span.events.map((e) => e.name)).toEqual(["exception"]);
    }
    expect(named("ai.generateText.doGenerate")[0]!.attributes["gen_ai.output.messages"]).toBeUndefined();
    settled();
  });

  test("the next request fails after the tool ran: the second model call and the call fail, the first step stays whole", async () => {
    let requests = 0;
    // The fake server fails a request that asks for it: the second one here.
    const failSecond = createOpenAI({
      baseURL: fake().openaiBaseUrl,
      apiKey: "sk-fake",
      fetch: (input, init) => {
        requests += 1;
        const headers = new Headers(init?.headers);
        if (requests === 2) headers.set("x-fake-error", "500");
        return fetch(input, { ...init, headers });
      },
    });
    const error = await generateText({
      model: failSecond.chat("gpt-x"),
      prompt: QUESTION,
      tools: { get_weather: weatherTool() },
      stopWhen: stepCountIs(3),
      maxRetries: 0,
      experimental_telemetry: { integrations: telemetry },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(requests).toBe(2);
    expect(await tree()).toEqual([
      [
        "ai.generateText",
        "AGENT",
        [
          ["ai.generateText.doGenerate", "CHAT_MODEL"],
          ["get_weather", "TOOL"],
          ["ai.generateText.doGenerate", "CHAT_MODEL"],
        ],
      ],
    ]);
    const [first, second] = named("ai.generateText.doGenerate") as [CapturedSpan, CapturedSpan];
    expect([first.status.code, named("get_weather")[0]!.status.code, second.status.code]).toEqual([1, 1, 2]);
    expect(second.status.message).toContain("fake error 500");
    expect(named("ai.generateText")[0]!.status.code).toBe(2);
    settled();
  });

  test("a tool that throws: its TOOL span records the error; the model hears of it and answers", async () => {
    const result = await generateText({
      model: openai.chat("gpt-x"),
      prompt: QUESTION,
      tools: {
        get_weather: weatherTool(() => {
          throw new RangeError("no such city");
        }),
      },
      stopWhen: stepCountIs(3),
      maxRetries: 0,
      experimental_telemetry: { integrations: telemetry },
    });
    expect(result.steps.length).toBe(2);
    await flushTraces();
    const [toolSpan] = named("get_weather") as [CapturedSpan];
    expect(toolSpan.status).toMatchObject({ code: 2, message: "RangeError: no such city" });
    expect(named("ai.generateText")[0]!.status.code).toBe(1);
    settled();
  });

  test("registered for every call with registerTelemetry()", async () => {
    registerTelemetry(telemetry);
    try {
      await generateText({ model: openai.chat("gpt-x"), prompt: QUESTION, maxRetries: 0 });
    } finally {
      registerTelemetry();
    }
    expect(await tree()).toEqual([["ai.generateText", "CHAIN", [["ai.generateText.doGenerate", "CHAT_MODEL"]]]]);
    settled();
  });
});

describe("streamText", () => {
  test("textStream read to the end: the spans end with the assembled reply, chunks and time to first token", async () => {
    const result = streamText({ model: openai.chat("gpt-x"), prompt: QUESTION, maxRetries: 0, experimental_telemetry: { integrations: telemetry } });
    let received = "";
    let checkedMidway = false;
    for await (const piece of result.textStream) {
      received += piece;
      if (!checkedMidway) {
        await flushTraces();
        expect(memory.spans).toEqual([]); // open while the caller reads
        checkedMidway = true;
      }
    }
    expect(received).toBe(ANSWER);
    expect(await tree()).toEqual([["ai.streamText", "CHAIN", [["ai.streamText.doStream", "CHAT_MODEL"]]]]);
    const [chat, root] = memory.spans as [CapturedSpan, CapturedSpan];
    expect(chat.attributes).toMatchObject({
      "gen_ai.output.messages": [text("assistant", ANSWER, "stop")],
      "gen_ai.response.finish_reasons": ["stop"],
      "gen_ai.usage.output_tokens": ANSWER.split(" ").length,
    });
    expect(chat.attributes["spanscope.span.time_to_first_token_ns"]).toBeGreaterThan(0);
    expect(chat.events.length).toBeGreaterThan(2);
    expect(chat.events.every((e) => e.name === "stream.chunk")).toBe(true);
    expect(chat.events.map((e) => e.attributes.index)).toEqual(chat.events.map((_, i) => i));
    expect(chat.events.some((e) => (e.attributes.value as { type?: string }).type === "text-delta")).toBe(true);
    expect(root.outputs).toBe(ANSWER);
    settled();
  });

  test("fullStream with a tool loop, collections along the way: the SDK's end still ends the call, with its reply", async () => {
    const gc = (globalThis as { gc?: () => void }).gc!;
    const result = streamText({
      model: openai.chat("gpt-x"),
      prompt: QUESTION,
      tools: {
        get_weather: weatherTool((city) => {
          gc(); // the call must not look abandoned while it runs
          return `sunny in ${city}`;
        }),
      },
      stopWhen: stepCountIs(3),
      maxRetries: 0,
      experimental_telemetry: { integrations: telemetry },
    });
    const kinds = new Set<string>();
    for await (const part of result.fullStream) {
      kinds.add(part.type);
      gc();
    }
    expect(kinds).toContain("tool-result");
    expect(await tree()).toEqual([
      [
        "ai.streamText",
        "AGENT",
        [
          ["ai.streamText.doStream", "CHAT_MODEL"],
          ["get_weather", "TOOL"],
          ["ai.streamText.doStream", "CHAT_MODEL"],
        ],
      ],
    ]);
    const [first, second] = named("ai.streamText.doStream") as [CapturedSpan, CapturedSpan];
    expect(first.attributes["gen_ai.output.messages"]).toEqual([
      { role: "assistant", parts: [{ type: "tool_call", id: expect.any(String), name: "get_weather", arguments: { city: "example" } }], finish_reason: "tool_calls" },
    ]);
    expect(second.attributes["gen_ai.output.messages"]).toEqual([text("assistant", TOOL_ANSWER, "stop")]);
    expect(named("ai.streamText")[0]!.outputs).toBe(TOOL_ANSWER);
    settled();
  });

  test("a stream abandoned half-way and dropped: its spans end when it is collected", async () => {
    await (async () => {
      const result = streamText({ model: openai.chat("gpt-x"), prompt: QUESTION, maxRetries: 0, experimental_telemetry: { integrations: telemetry } });
      for await (const _ of result.textStream) break;
    })();
    const gc = (globalThis as { gc?: () => void }).gc;
    expect(gc).toBeDefined();
    await vi.waitFor(async () => {
      gc!();
      await flushTraces();
      expect(memory.spans.map((s) => s.name).sort()).toEqual(["ai.streamText", "ai.streamText.doStream"]);
    });
    expect(await tree()).toEqual([["ai.streamText", "CHAIN", [["ai.streamText.doStream", "CHAT_MODEL"]]]]);
    expect(memory.spans.every((s) => s.status.code === 1)).toBe(true);
    settled();
  });

  test("a stream aborted by the caller: the SDK's abort ends the spans", async () => {
    const controller = new AbortController();
    const result = streamText({
      model: openai.chat("gpt-x"),
      prompt: QUESTION,
      maxRetries: 0,
      abortSignal: controller.signal,
      experimental_telemetry: { integrations: telemetry },
    });
    const kinds: string[] = [];
    for await (const part of result.fullStream) {
      kinds.push(part.type);
      if (part.type === "text-delta") controller.abort();
    }
    expect(kinds).toContain("abort");
    expect((await tree()) as unknown[]).toEqual([["ai.streamText", "CHAIN", expect.any(Array)]]);
    expect(memory.spans.every((s) => s.status.code === 1)).toBe(true);
    settled();
  });

  test("an error in the middle of the stream: the model call and the call end as errors", async () => {
    const errors: unknown[] = [];
    const result = streamText({
      model: openai.chat("error-stream"),
      prompt: QUESTION,
      maxRetries: 0,
      onError: ({ error }) => void errors.push(error),
      experimental_telemetry: { integrations: telemetry },
    });
    const kinds: string[] = [];
    for await (const part of result.fullStream) kinds.push(part.type);
    expect(kinds).toContain("error");
    expect(await tree()).toEqual([["ai.streamText", "CHAIN", [["ai.streamText.doStream", "CHAT_MODEL"]]]]);
    for (const span of memory.spans) {
      expect(span.status.code).toBe(2);
      expect(span.events.filter((e) => e.name === "exception").length).toBe(1);
    }
    settled();
  });
});

test("tracing off: the SDK's calls run as before and nothing is recorded", async () => {
  init({ exporter: memory, exportIntervalMs: 10, disabled: true } as Parameters<typeof init>[0]);
  const result = await withSpan(() => generateText({ model: openai.chat("gpt-x"), prompt: QUESTION, maxRetries: 0, experimental_telemetry: { integrations: telemetry } }));
  expect(result.text).toBe(ANSWER);
  await flushTraces();
  expect(memory.spans).toEqual([]);
  settled();
});
