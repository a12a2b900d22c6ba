/** The real @google/genai client against the Python fake LLM server, traced by tracedGoogleGenAI. */
import { ApiError, GoogleGenAI, Type } from "@google/genai";
import { beforeAll, describe, expect, test, vi } from "vitest";
import { flushTraces, init, trace } from "@spanscope/tracing";
import { captureWithFakeLLM, textMessage } from "@spanscope/test-support";
import { tracedGoogleGenAI } from "../src/index.js";

const QUESTION = "What is the weather in Paris?";
const ANSWER = `You said: ${QUESTION}`;
const WEATHER = {
  name: "get_weather",
  description: "Current weather",
  parameters: { type: Type.OBJECT, properties: { city: { type: Type.STRING } }, required: ["city"] },
};
const text = textMessage;

const { memory, fake, only } = captureWithFakeLLM(init, flushTraces);
let client: GoogleGenAI;
beforeAll(() => {
  client = tracedGoogleGenAI(new GoogleGenAI({ apiKey: "fake-key", httpOptions: { baseUrl: fake().geminiBaseUrl } }));
});

describe("generateContent", () => {
  test("a reply: the request, the reply, usage, model and finish reason in the GenAI shape", async () => {
    const response = await client.models.generateContent({ model: "gemini-x", contents: QUESTION, config: { systemInstruction: "Be brief." } });
    expect(response.text).toBe(ANSWER);
    const span = await only("google.genai.models.generate_content");
    expect(span.spanType).toBe("CHAT_MODEL");
    expect(span.inputs).toEqual({ model: "gemini-x", contents: QUESTION, config: { system_instruction: "Be brief." } });
    const usage = response.usageMetadata!;
    expect(span.outputs).toMatchObject({
      candidates: [{ content: { role: "model", parts: [{ text: ANSWER }] }, finish_reason: "STOP" }],
      usage_metadata: { prompt_token_count: usage.promptTokenCount, candidates_token_count: usage.candidatesTokenCount },
    });
    expect(span.outputs).not.toHaveProperty("sdk_http_response");
    expect(span.attributes).toMatchObject({
      "gen_ai.provider.name": "gcp.gemini",
      "gen_ai.operation.name": "chat",
      "gen_ai.request.model": "gemini-x",
      "gen_ai.response.model": response.modelVersion,
      "gen_ai.input.messages": [text("system", "Be brief."), text("user", QUESTION)],
      "gen_ai.system_instructions": [{ type: "text", content: "Be brief." }],
      "gen_ai.output.messages": [text("assistant", ANSWER, "stop")],
      "gen_ai.response.finish_reasons": ["stop"],
      "gen_ai.usage.input_tokens": usage.promptTokenCount,
      "gen_ai.usage.output_tokens": usage.candidatesTokenCount,
    });
  });

  test("a function call, and its result in the next turn", async () => {
    const config = { tools: [{ functionDeclarations: [WEATHER] }] };
    const contents = [{ role: "user", parts: [{ text: QUESTION }] }];
    const first = await client.models.generateContent({ model: "gemini-x", contents, config });
    const functionCall = first.functionCalls![0]!;
    expect(functionCall.name).toBe("get_weather");
    await client.models.generateContent({
      model: "gemini-x",
      contents: [...contents, first.candidates![0]!.content!, { role: "user", parts: [{ functionResponse: { name: "get_weather", response: { result: "sunny, 21 C" } } }] }],
      config,
    });
    await flushTraces();
    const [one, two] = memory.spans;
    const call = { type: "tool_call", id: functionCall.id ?? null, name: "get_weather", arguments: functionCall.args };
    expect(one?.attributes["gen_ai.tool.definitions"]).toEqual([
      { type: "function", name: "get_weather", description: "Current weather", parameters: WEATHER.parameters },
    ]);
    expect(one?.attributes["gen_ai.output.messages"]).toEqual([{ role: "assistant", parts: [call], finish_reason: "tool_call" }]);
    expect(one?.attributes["gen_ai.response.finish_reasons"]).toEqual(["tool_call"]);
    expect(two?.attributes["gen_ai.input.messages"]).toEqual([
      text("user", QUESTION),
      { role: "assistant", parts: [call] },
      { role: "user", parts: [{ type: "tool_call_response", id: null, name: "get_weather", response: { result: "sunny, 21 C" } }] },
    ]);
  });

  test("an API error is recorded and re-thrown unchanged", async () => {
    const error = await client.models.generateContent({ model: "error-429", contents: QUESTION }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(429);
    const span = await only("google.genai.models.generate_content");
    expect(span.status.code).toBe(2);
    expect(span.events[0]?.name).toBe("exception");
    expect(span.outputs).toBeUndefined();
  });

  test("a chat sends through the traced models: one span per message, with the history", async () => {
    const chat = client.chats.create({ model: "gemini-x" });
    await chat.sendMessage({ message: "Hello" });
    await chat.sendMessage({ message: QUESTION });
    await flushTraces();
    expect(memory.spans.map((s) => s.name)).toEqual(["google.genai.models.generate_content", "google.genai.models.generate_content"]);
    expect(memory.spans[1]?.attributes["gen_ai.input.messages"]).toEqual([
      text("user", "Hello"),
      text("assistant", "You said: Hello"),
      text("user", QUESTION),
    ]);
  });

  test("calls inside a traced function are its children", async () => {
    const agent = trace(async function agent(question: string) {
      return (await client.models.generateContent({ model: "gemini-x", contents: question })).text;
    });
    expect(await agent(QUESTION)).toBe(ANSWER);
    await flushTraces();
    const [child, parent] = memory.spans;
    expect([parent?.name, child?.name]).toEqual(["agent", "google.genai.models.generate_content"]);
    expect(child?.parentId).toBe(parent?.spanId);
  });
});

describe("generateContentStream", () => {
  test("read to the end: one span, ended when the stream ends, with the assembled response", async () => {
    const stream = await client.models.generateContentStream({ model: "gemini-x", contents: QUESTION });
    let received = "";
    let checkedMidway = false;
    for await (const chunk of stream) {
      received += chunk.text ?? "";
      if (!checkedMidway) {
        await flushTraces();
        expect(memory.spans).toEqual([]); // the span is still open while the caller reads
        checkedMidway = true;
      }
    }
    expect(received).toBe(ANSWER);
    const span = await only("google.genai.models.generate_content_stream");
    expect(span.attributes["gen_ai.output.messages"]).toEqual([text("assistant", ANSWER, "stop")]);
    expect(span.attributes["gen_ai.usage.output_tokens"]).toBeGreaterThan(0);
    expect(span.outputs).toMatchObject({ candidates: [{ content: { role: "model", parts: [{ text: ANSWER }] }, finish_reason: "STOP" }] });
    expect(span.events.filter((e) => e.name === "stream.chunk").length).toBeGreaterThan(1);
  });

  test("left early: the span ends with what came", async () => {
    const stream = await client.models.generateContentStream({ model: "gemini-x", contents: QUESTION });
    let first = "";
    for await (const chunk of stream) {
      first = chunk.text ?? "";
      break;
    }
    const span = await only("google.genai.models.generate_content_stream");
    expect(span.status.code).not.toBe(2);
    expect(span.attributes["gen_ai.output.messages"]).toEqual([text("assistant", first)]);
  });

  test("dropped unread: the span ends when the stream is collected", async () => {
    await (async () => {
      await client.models.generateContentStream({ model: "gemini-x", contents: QUESTION });
    })();
    const gc = (globalThis as { gc?: () => void }).gc;
    expect(gc).toBeDefined();
    await vi.waitFor(async () => {
      gc!();
      await flushTraces();
      expect(memory.spans.map((s) => s.name)).toEqual(["google.genai.models.generate_content_stream"]);
    });
  });

  test("an error in the middle of a stream ends the span as an error", async () => {
    const error = await (async () => {
      const stream = await client.models.generateContentStream({ model: "error-stream", contents: QUESTION });
      for await (const _ of stream) {
        // consume until the error
      }
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    const span = await only("google.genai.models.generate_content_stream");
    expect(span.status.code).toBe(2);
  });
});

describe("embedContent", () => {
  test("an EMBEDDING span with the request, the vectors and the input tokens", async () => {
    const response = await client.models.embedContent({ model: "text-embedding-x", contents: ["one", "two"] });
    expect(response.embeddings?.length).toBe(2);
    const span = await only("google.genai.models.embed_content");
    expect(span.spanType).toBe("EMBEDDING");
    expect(span.inputs).toEqual({ model: "text-embedding-x", contents: ["one", "two"] });
    expect(span.attributes).toMatchObject({
      "gen_ai.provider.name": "gcp.gemini",
      "gen_ai.operation.name": "embeddings",
      "gen_ai.request.model": "text-embedding-x",
    });
    expect((span.outputs as { embeddings: { values: number[] }[] }).embeddings[0]?.values).toEqual(response.embeddings?.[0]?.values);
  });

  test("a failed embedding call is recorded and re-thrown", async () => {
    const error = await client.models.embedContent({ model: "error-500", contents: "one" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    const span = await only("google.genai.models.embed_content");
    expect(span.status.code).toBe(2);
  });
});

test("tracing the same client twice wraps it once", async () => {
  tracedGoogleGenAI(client);
  await client.models.generateContent({ model: "gemini-x", contents: QUESTION });
  await only("google.genai.models.generate_content");
});
