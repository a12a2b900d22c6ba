/** The real @anthropic-ai/sdk client against the Python fake LLM server, traced by tracedAnthropic. */
import Anthropic from "@anthropic-ai/sdk";
import { beforeAll, describe, expect, test } from "vitest";
import { flushTraces, init } from "@spanscope/tracing";
import { captureWithFakeLLM, textMessage } from "@spanscope/test-support";
import { tracedAnthropic } from "../src/index.js";

const QUESTION = "What is the weather in Paris?";
const ANSWER = `You said: ${QUESTION}`;
const USER = [{ role: "user" as const, content: QUESTION }];
const WEATHER_TOOL = {
  name: "get_weather",
  description: "Current weather",
  input_schema: { type: "object" as const, properties: { city: { type: "string" } }, required: ["city"] },
};

const { memory, fake, only } = captureWithFakeLLM(init, flushTraces);
let client: Anthropic;
beforeAll(() => {
  client = tracedAnthropic(new Anthropic({ baseURL: fake().anthropicBaseUrl, apiKey: "sk-ant-fake", maxRetries: 0 }));
});
const text = textMessage;

describe("messages", () => {
  test("create: system prompt, reply, usage and ids in the GenAI shape", async () => {
    const message = await client.messages.create({ model: "claude-x", max_tokens: 64, system: "Be brief.", messages: USER });
    const span = await only("anthropic.messages.create");
    expect(span.spanType).toBe("CHAT_MODEL");
    expect(span.inputs).toEqual({ model: "claude-x", max_tokens: 64, system: "Be brief.", messages: USER });
    expect(span.outputs).toEqual(JSON.parse(JSON.stringify(message)));
    expect(span.attributes).toMatchObject({
      "gen_ai.provider.name": "anthropic",
      "gen_ai.request.model": "claude-x",
      "gen_ai.response.id": message.id,
      "gen_ai.system_instructions": [{ type: "text", content: "Be brief." }],
      "gen_ai.input.messages": [text("system", "Be brief."), text("user", QUESTION)],
      "gen_ai.output.messages": [text("assistant", ANSWER, "end_turn")],
      "gen_ai.response.finish_reasons": ["end_turn"],
      "gen_ai.usage.output_tokens": message.usage.output_tokens,
    });
  });

  test("tool use, and the tool result sent back", async () => {
    const first = await client.messages.create({ model: "claude-x", max_tokens: 64, messages: USER, tools: [WEATHER_TOOL] });
    const use = first.content.find((b) => b.type === "tool_use")!;
    await client.messages.create({
      model: "claude-x",
      max_tokens: 64,
      tools: [WEATHER_TOOL],
      messages: [...USER, { role: "assistant", content: first.content }, { role: "user", content: [{ type: "tool_result", tool_use_id: use.id, content: "sunny" }] }],
    });
    await flushTraces();
    const [one, two] = memory.spans;
    const call = { type: "tool_call", id: use.id, name: "get_weather", arguments: { city: "example" } };
    const parts = [{ type: "text", content: "I will call get_weather." }, call];
    expect(one?.attributes["gen_ai.output.messages"]).toEqual([{ role: "assistant", parts, finish_reason: "tool_use" }]);
    expect(one?.attributes["gen_ai.tool.definitions"]).toEqual([
      { type: "function", name: "get_weather", description: "Current weather", parameters: WEATHER_TOOL.input_schema },
    ]);
    expect(two?.attributes["gen_ai.input.messages"]).toEqual([
      text("user", QUESTION),
      { role: "assistant", parts },
      { role: "user", parts: [{ type: "tool_call_response", id: use.id, response: "sunny" }] },
    ]);
  });

  test("cache tokens: input tokens include cache reads and writes", async () => {
    const system = [{ type: "text" as const, text: "A long stable prompt ".repeat(20), cache_control: { type: "ephemeral" as const } }];
    await client.messages.create({ model: "claude-x", max_tokens: 16, system, messages: USER });
    const second = await client.messages.create({ model: "claude-x", max_tokens: 16, system, messages: USER });
    await flushTraces();
    const span = memory.spans[1]!;
    const usage = second.usage;
    expect(usage.cache_read_input_tokens).toBeGreaterThan(0);
    expect(span.attributes).toMatchObject({
      "gen_ai.usage.cache_read.input_tokens": usage.cache_read_input_tokens,
      "gen_ai.usage.cache_creation.input_tokens": usage.cache_creation_input_tokens,
      "gen_ai.usage.input_tokens": usage.input_tokens + (usage.cache_read_input_tokens ?? 0) + (usage.cache_creation_input_tokens ?? 0),
    });
  });

  test("an API error is recorded and re-thrown unchanged", async () => {
    const error = await client.messages.create({ model: "error-529", max_tokens: 8, messages: USER }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    const span = await only("anthropic.messages.create");
    expect(span.status.code).toBe(2);
    expect(span.events[0]?.name).toBe("exception");
  });
});

describe("streams", () => {
  test("create with stream: true records events while read, then the assembled message", async () => {
    const stream = await client.messages.create({ model: "claude-x", max_tokens: 64, messages: USER, stream: true });
    let received = "";
    for await (const event of stream) {
      if (event.type === "content_block_delta" && event.delta.type === "text_delta") received += event.delta.text;
      if (event.type === "message_start") {
        await flushTraces();
        expect(memory.spans).toEqual([]);
      }
    }
    expect(received).toBe(ANSWER);
    const span = await only("anthropic.messages.create");
    expect(span.outputs).toMatchObject({ role: "assistant", content: [{ type: "text", text: ANSWER }], stop_reason: "end_turn" });
    expect(span.attributes["gen_ai.output.messages"]).toEqual([text("assistant", ANSWER, "end_turn")]);
    expect(span.attributes["gen_ai.usage.output_tokens"]).toBe(ANSWER.split(" ").length);
    expect(span.events[0]?.attributes).toMatchObject({ index: 0, value: { type: "message_start" } });
  });

  test("messages.stream(): one span named like Python's, tool input assembled from JSON deltas", async () => {
    const stream = client.messages.stream({ model: "claude-x", max_tokens: 64, messages: USER, tools: [WEATHER_TOOL] });
    const final = await stream.finalMessage();
    expect(final.stop_reason).toBe("tool_use");
    const span = await only("anthropic.messages.stream");
    expect(span.inputs).toEqual({ model: "claude-x", max_tokens: 64, messages: USER, tools: [WEATHER_TOOL] });
    expect(span.attributes["gen_ai.output.messages"]).toEqual([
      {
        role: "assistant",
        parts: [
          { type: "text", content: "I will call get_weather." },
          { type: "tool_call", id: expect.any(String), name: "get_weather", arguments: { city: "example" } },
        ],
        finish_reason: "tool_use",
      },
    ]);
  });

  test("text_stream style consumption through the helper's events", async () => {
    const stream = client.messages.stream({ model: "claude-x", max_tokens: 64, messages: USER });
    let received = "";
    stream.on("text", (delta) => (received += delta));
    await stream.done();
    expect(received).toBe(ANSWER);
    const span = await only("anthropic.messages.stream");
    expect(span.attributes["gen_ai.output.messages"]).toEqual([text("assistant", ANSWER, "end_turn")]);
  });

  test("a call made from a stream's event handler is a create span of its own", async () => {
    const stream = client.messages.stream({ model: "claude-x", max_tokens: 64, messages: USER });
    const inner: Promise<unknown>[] = [];
    stream.on("message", () => inner.push(client.messages.create({ model: "claude-x", max_tokens: 8, messages: USER })));
    await stream.done();
    await Promise.all(inner);
    await flushTraces();
    expect(memory.spans.map((s) => s.name).sort()).toEqual(["anthropic.messages.create", "anthropic.messages.stream"]);
    expect(memory.byName("anthropic.messages.create").inputs).toMatchObject({ max_tokens: 8 });
  });

  test("beta.messages is traced under its own name", async () => {
    await client.beta.messages.create({ model: "claude-x", max_tokens: 16, messages: USER });
    await only("anthropic.beta.messages.create");
  });
});
