/** The real openai client against the Python fake LLM server, traced by tracedOpenAI. */
import OpenAI from "openai";
import { beforeAll, describe, expect, test, vi } from "vitest";
import { flushTraces, getStats, init, trace } from "@spanscope/tracing";
import { captureWithFakeLLM, textMessage } from "@spanscope/test-support";
import { tracedOpenAI } from "../src/index.js";

const QUESTION = "What is the weather in Paris?";
const ANSWER = `You said: ${QUESTION}`;
const USER = [{ role: "user" as const, content: QUESTION }];
const WEATHER_TOOL = {
  type: "function" as const,
  function: {
    name: "get_weather",
    description: "Current weather",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
};
const WEATHER_DEFINITION = { type: "function", name: "get_weather", description: "Current weather", parameters: WEATHER_TOOL.function.parameters };

const { memory, fake, only } = captureWithFakeLLM(init, flushTraces);
let client: OpenAI;
beforeAll(() => {
  client = tracedOpenAI(new OpenAI({ baseURL: fake().openaiBaseUrl, apiKey: "sk-fake", maxRetries: 0 }));
});
const text = textMessage;

describe("chat completions", () => {
  test("a completion: the request, the reply, usage and ids in the GenAI shape", async () => {
    const completion = await client.chat.completions.create({ model: "gpt-x", messages: [{ role: "system", content: "Be brief." }, ...USER] });
    expect(completion.choices[0]?.message.content).toBe(ANSWER);
    const span = await only("openai.chat.completions.create");
    expect(span.spanType).toBe("CHAT_MODEL");
    expect(span.inputs).toEqual({ model: "gpt-x", messages: [{ role: "system", content: "Be brief." }, ...USER] });
    expect(span.outputs).toEqual(JSON.parse(JSON.stringify(completion)));
    expect(span.attributes).toMatchObject({
      "gen_ai.provider.name": "openai",
      "gen_ai.operation.name": "chat",
      "gen_ai.request.model": "gpt-x",
      "gen_ai.response.model": "gpt-x",
      "gen_ai.response.id": completion.id,
      "gen_ai.input.messages": [text("system", "Be brief."), text("user", QUESTION)],
      "gen_ai.output.messages": [text("assistant", ANSWER, "stop")],
      "gen_ai.response.finish_reasons": ["stop"],
      "gen_ai.usage.input_tokens": completion.usage?.prompt_tokens,
      "gen_ai.usage.output_tokens": completion.usage?.completion_tokens,
    });
  });

  test("tool calls and the tool result that follows", async () => {
    const first = await client.chat.completions.create({ model: "gpt-x", messages: USER, tools: [WEATHER_TOOL] });
    const call = first.choices[0]!.message.tool_calls![0]!;
    await client.chat.completions.create({
      model: "gpt-x",
      messages: [...USER, first.choices[0]!.message, { role: "tool", tool_call_id: call.id, content: "sunny, 21 C" }],
      tools: [WEATHER_TOOL],
    });
    await flushTraces();
    const [one, two] = memory.spans;
    const toolCall = { role: "assistant", parts: [{ type: "tool_call", id: call.id, name: "get_weather", arguments: { city: "example" } }] };
    expect(one?.attributes["gen_ai.output.messages"]).toEqual([{ ...toolCall, finish_reason: "tool_calls" }]);
    expect(one?.attributes["gen_ai.tool.definitions"]).toEqual([WEATHER_DEFINITION]);
    expect(two?.attributes["gen_ai.input.messages"]).toEqual([
      text("user", QUESTION),
      { role: "assistant", parts: toolCall.parts },
      { role: "tool", parts: [{ type: "tool_call_response", id: call.id, response: "sunny, 21 C" }] },
    ]);
    expect(two?.attributes["gen_ai.output.messages"]).toEqual([text("assistant", "The tool returned: sunny, 21 C", "stop")]);
  });

  test("stream: true is recorded while the caller consumes it, then assembled with usage", async () => {
    const stream = await client.chat.completions.create({ model: "gpt-x", messages: USER, stream: true, stream_options: { include_usage: true } });
    let received = "";
    let checkedMidway = false;
    for await (const chunk of stream) {
      received += chunk.choices[0]?.delta.content ?? "";
      if (!checkedMidway) {
        await flushTraces();
        expect(memory.spans).toEqual([]); // the span is still open while the caller reads
        checkedMidway = true;
      }
    }
    expect(received).toBe(ANSWER);
    const span = await only("openai.chat.completions.create");
    expect(span.attributes["gen_ai.output.messages"]).toEqual([text("assistant", ANSWER, "stop")]);
    expect(span.attributes["gen_ai.usage.output_tokens"]).toBe(ANSWER.split(" ").length);
    expect(span.attributes["spanscope.span.time_to_first_token_ns"]).toBeGreaterThan(0);
    expect(span.outputs).toMatchObject({ object: "chat.completion", choices: [{ message: { role: "assistant", content: ANSWER }, finish_reason: "stop" }] });
    expect(span.events.length).toBeGreaterThan(2);
    expect(span.events.every((e) => e.name === "stream.chunk")).toBe(true);
    expect(span.events[0]?.attributes).toMatchObject({ index: 0, value: { object: "chat.completion.chunk" } });
  });

  test("a streamed tool call is assembled from its deltas", async () => {
    const stream = await client.chat.completions.create({ model: "gpt-x", messages: USER, tools: [WEATHER_TOOL], stream: true });
    for await (const _ of stream) {
      // consume
    }
    const span = await only("openai.chat.completions.create");
    expect(span.attributes["gen_ai.output.messages"]).toEqual([
      { role: "assistant", parts: [{ type: "tool_call", id: expect.any(String), name: "get_weather", arguments: { city: "example" } }], finish_reason: "tool_calls" },
    ]);
  });

  test("breaking out of a stream ends the span with what was read", async () => {
    const stream = await client.chat.completions.create({ model: "gpt-x", messages: USER, stream: true });
    for await (const _ of stream) break;
    const span = await only("openai.chat.completions.create");
    expect(span.status.code).toBe(1);
    expect(span.events.length).toBe(1);
  });

  test("a stream dropped unread ends its span when it is collected", async () => {
    await (async () => {
      await client.chat.completions.create({ model: "gpt-x", messages: USER, stream: true });
    })();
    const gc = (globalThis as { gc?: () => void }).gc;
    expect(gc).toBeDefined();
    await vi.waitFor(async () => {
      gc!();
      await flushTraces();
      expect(memory.spans.map((s) => s.name)).toEqual(["openai.chat.completions.create"]);
    });
  });

  test("the SDK's stream helper is traced through create, one span", async () => {
    const runner = client.chat.completions.stream({ model: "gpt-x", messages: USER });
    const final = await runner.finalChatCompletion();
    expect(final.choices[0]?.message.content).toBe(ANSWER);
    const span = await only("openai.chat.completions.create");
    expect(span.inputs).toMatchObject({ model: "gpt-x", stream: true });
    expect(span.attributes["gen_ai.output.messages"]).toEqual([text("assistant", ANSWER, "stop")]);
  });

  test("runTools(): one span per model call, the tool round trip in the second", async () => {
    const runner = client.chat.completions.runTools({
      model: "gpt-x",
      messages: USER,
      tools: [
        {
          type: "function",
          function: { ...WEATHER_TOOL.function, function: (args: { city: string }) => `sunny in ${args.city}`, parse: JSON.parse },
        },
      ],
    });
    expect(await runner.finalContent()).toBe("The tool returned: sunny in example");
    await flushTraces();
    expect(memory.spans.map((s) => s.name)).toEqual(["openai.chat.completions.create", "openai.chat.completions.create"]);
    const second = memory.spans[1]!.attributes["gen_ai.input.messages"] as { role: string }[];
    expect(second.map((m) => m.role)).toEqual(["user", "assistant", "tool"]);
  });

  test("parse(): one span named like Python's, with the structured reply", async () => {
    const schema = { type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false };
    const completion = await client.chat.completions.parse({
      model: "gpt-x",
      messages: USER,
      response_format: { type: "json_schema", json_schema: { name: "place", schema, strict: true } },
    });
    expect(completion.choices[0]?.message.parsed).toEqual({ city: "example" });
    const span = await only("openai.chat.completions.parse");
    expect(span.inputs).toMatchObject({ model: "gpt-x", response_format: { type: "json_schema" } });
    expect(span.attributes["gen_ai.output.messages"]).toEqual([text("assistant", '{"city": "example"}', "stop")]);
  });

  test("an API error is recorded and re-thrown unchanged", async () => {
    const error = await client.chat.completions.create({ model: "error-429", messages: USER }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    const span = await only("openai.chat.completions.create");
    expect(span.status.code).toBe(2);
    expect(span.status.message).toMatch(/^RateLimitError: 429/);
    expect(span.events[0]?.name).toBe("exception");
  });

  test("an error in the middle of a stream ends the span as an error", async () => {
    const stream = await client.chat.completions.create({ model: "error-stream", messages: USER, stream: true });
    const error = await (async () => {
      for await (const _ of stream) {
        // consume until the error
      }
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    const span = await only("openai.chat.completions.create");
    expect(span.status.code).toBe(2);
  });

  test("withResponse() and asResponse() keep working", async () => {
    const { data, response } = await client.chat.completions.create({ model: "gpt-x", messages: USER }).withResponse();
    expect(response.status).toBe(200);
    expect(data.choices[0]?.message.content).toBe(ANSWER);
    const raw = await client.chat.completions.create({ model: "gpt-x", messages: USER }).asResponse();
    expect(((await raw.json()) as { object: string }).object).toBe("chat.completion"); // the body stays the caller's
    await flushTraces();
    expect(memory.spans.map((s) => s.outputs === undefined)).toEqual([false, true]);
  });

  test("calls inside a traced function are its children", async () => {
    const agent = trace(async function agent(question: string) {
      const reply = await client.chat.completions.create({ model: "gpt-x", messages: [{ role: "user", content: question }] });
      return reply.choices[0]?.message.content;
    });
    expect(await agent("hi")).toBe("You said: hi");
    await flushTraces();
    const [llm, root] = memory.spans;
    expect(llm?.parentId).toBe(root?.spanId);
    expect(root?.name).toBe("agent");
  });

  test("tracing twice wraps once; other clients stay untraced", async () => {
    tracedOpenAI(client);
    const plain = new OpenAI({ baseURL: fake().openaiBaseUrl, apiKey: "sk-fake", maxRetries: 0 });
    await plain.chat.completions.create({ model: "gpt-x", messages: USER });
    await client.chat.completions.create({ model: "gpt-x", messages: USER });
    await only("openai.chat.completions.create");
    expect(getStats().internalErrors).toBe(0);
  });
});

describe("responses and embeddings", () => {
  test("responses.create: instructions, input and output in the GenAI shape", async () => {
    const response = await client.responses.create({ model: "gpt-x", instructions: "Be brief.", input: QUESTION });
    expect(response.output_text).toBe(ANSWER);
    const span = await only("openai.responses.create");
    expect(span.attributes).toMatchObject({
      "gen_ai.input.messages": [text("system", "Be brief."), text("user", QUESTION)],
      "gen_ai.system_instructions": [{ type: "text", content: "Be brief." }],
      "gen_ai.output.messages": [text("assistant", ANSWER, "stop")],
      "gen_ai.response.finish_reasons": ["stop"],
    });
    expect(span.attributes["gen_ai.usage.input_tokens"]).toBe(response.usage?.input_tokens);
  });

  test("a streamed response is assembled from its events", async () => {
    const stream = await client.responses.create({ model: "gpt-x", input: QUESTION, stream: true });
    for await (const _ of stream) {
      // consume
    }
    const span = await only("openai.responses.create");
    expect(span.attributes["gen_ai.output.messages"]).toEqual([text("assistant", ANSWER, "stop")]);
    expect(span.outputs).toMatchObject({ status: "completed" });
  });

  test("the responses.stream() helper is traced through create", async () => {
    const stream = client.responses.stream({ model: "gpt-x", input: QUESTION });
    const final = await stream.finalResponse();
    expect(final.output_text).toBe(ANSWER);
    const span = await only("openai.responses.create");
    expect(span.attributes["gen_ai.output.messages"]).toEqual([text("assistant", ANSWER, "stop")]);
  });

  test("embeddings: an EMBEDDING span with the input and usage", async () => {
    const result = await client.embeddings.create({ model: "embed-x", input: ["a b", "c"] });
    expect(result.data.length).toBe(2);
    const span = await only("openai.embeddings.create");
    expect(span.spanType).toBe("EMBEDDING");
    expect(span.inputs).toEqual({ model: "embed-x", input: ["a b", "c"] });
    expect(span.attributes).toMatchObject({ "gen_ai.operation.name": "embeddings", "gen_ai.usage.input_tokens": result.usage.prompt_tokens });
  });
});
