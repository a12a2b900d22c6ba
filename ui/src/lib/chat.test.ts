import { describe, expect, it } from "vitest";
import { chatFromSpan, isChatSpan, toolDefinitions } from "./chat";
import { documentsFromSpan } from "./documents";
import { span } from "./testSpans";

describe("chatFromSpan", () => {
  it("reads GenAI messages with system prompt, tool calls, tool results and usage", () => {
    const s = span({
      span_type: "CHAT_MODEL",
      attributes: {
        "gen_ai.input.messages": [
          { role: "system", parts: [{ type: "text", content: "Be brief." }] },
          { role: "user", parts: [{ type: "text", content: "Weather in Paris?" }] },
          {
            role: "assistant",
            parts: [{ type: "tool_call", id: "c1", name: "weather", arguments: { city: "Paris" } }],
          },
          { role: "tool", parts: [{ type: "tool_call_response", id: "c1", response: "sunny" }] },
        ],
        "gen_ai.output.messages": [
          {
            role: "assistant",
            parts: [{ type: "text", content: "Sunny." }],
            finish_reason: "stop",
          },
        ],
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.provider.name": "openai",
        "gen_ai.usage.input_tokens": 12,
        "gen_ai.usage.output_tokens": 3,
      },
    });
    expect(isChatSpan(s)).toBe(true);
    const chat = chatFromSpan(s)!;
    expect(chat.messages.map((m) => m.role)).toEqual([
      "system",
      "user",
      "assistant",
      "tool",
      "assistant",
    ]);
    expect(chat.messages[0]!.parts).toEqual([{ kind: "text", text: "Be brief." }]);
    expect(chat.messages[2]!.parts).toEqual([
      { kind: "tool_call", id: "c1", name: "weather", arguments: { city: "Paris" } },
    ]);
    expect(chat.messages[3]!.parts).toEqual([{ kind: "tool_result", id: "c1", response: "sunny" }]);
    expect(chat.messages[4]!.finishReason).toBe("stop");
    expect(chat.model).toBe("gpt-4o-mini");
    expect(chat.provider).toBe("openai");
    expect(chat.usage).toMatchObject({ input: 12, output: 3, total: 15 });
  });

  it("decodes messages sent as JSON text (OTLP ingest) and adds system instructions", () => {
    const s = span({
      span_type: "LLM",
      attributes: {
        "gen_ai.input.messages": JSON.stringify([
          { role: "user", parts: [{ type: "text", content: "hi" }] },
        ]),
        "gen_ai.system_instructions": JSON.stringify([{ type: "text", content: "You help." }]),
      },
    });
    const chat = chatFromSpan(s)!;
    expect(chat.messages.map((m) => [m.role, m.parts])).toEqual([
      ["system", [{ kind: "text", text: "You help." }]],
      ["user", [{ kind: "text", text: "hi" }]],
    ]);
    expect(chat.usage).toBeNull();
  });

  it("falls back to OpenAI-style inputs and outputs", () => {
    const s = span({
      span_type: "CHAT_MODEL",
      inputs: {
        messages: [
          { role: "user", content: "add 2 and 3" },
          {
            role: "assistant",
            content: null,
            tool_calls: [{ id: "t", function: { name: "add", arguments: '{"a":2,"b":3}' } }],
          },
          { role: "tool", tool_call_id: "t", content: "5" },
        ],
      },
      outputs: { choices: [{ message: { role: "assistant", content: "5" } }] },
    });
    const chat = chatFromSpan(s)!;
    expect(chat.messages[1]!.parts).toEqual([
      { kind: "tool_call", id: "t", name: "add", arguments: { a: 2, b: 3 } },
    ]);
    expect(chat.messages[2]!.parts).toEqual([{ kind: "tool_result", id: "t", response: "5" }]);
    expect(chat.messages[3]!.parts).toEqual([{ kind: "text", text: "5" }]);
  });

  it("reads images from OpenAI, Anthropic, GenAI and Vercel parts", () => {
    const png = "iVBORw0KGgo=";
    const s = span({
      span_type: "LLM",
      inputs: {
        messages: [
          {
            role: "user",
            content: [
              { type: "text", text: "What is this?" },
              { type: "image_url", image_url: { url: `data:image/png;base64,${png}` } },
              { type: "image_url", image_url: { url: "https://example.com/cat.png" } },
              { type: "image", source: { type: "base64", media_type: "image/jpeg", data: png } },
              { type: "image", source: { type: "url", url: "https://example.com/dog.png" } },
              { type: "blob", modality: "image", mime_type: "image/webp", content: png },
              { type: "uri", modality: "image", uri: "https://example.com/x.png" },
              { type: "image", image: `data:image/gif;base64,${png}` },
              { type: "blob", modality: "audio", mime_type: "audio/wav", content: png },
            ],
          },
        ],
      },
    });
    const parts = chatFromSpan(s)!.messages[0]!.parts;
    expect(parts.slice(1, 8)).toEqual([
      { kind: "image", src: `data:image/png;base64,${png}`, url: null },
      { kind: "image", src: null, url: "https://example.com/cat.png" },
      { kind: "image", src: `data:image/jpeg;base64,${png}`, url: null },
      { kind: "image", src: null, url: "https://example.com/dog.png" },
      { kind: "image", src: `data:image/webp;base64,${png}`, url: null },
      { kind: "image", src: null, url: "https://example.com/x.png" },
      { kind: "image", src: `data:image/gif;base64,${png}`, url: null },
    ]);
    expect(parts[8]!.kind).toBe("other");
  });

  it("normalises tool definitions of each shape, from attributes or the request", () => {
    const schema = { type: "object", properties: { city: { type: "string" } } };
    expect(
      toolDefinitions([
        { type: "function", function: { name: "a", description: "A", parameters: schema } },
        { type: "function", name: "b", description: "B", parameters: JSON.stringify(schema) },
        { name: "c", description: "C", input_schema: schema },
        { name: "d", inputSchema: schema },
        { type: "web_search" },
      ]),
    ).toEqual([
      { name: "a", type: "function", description: "A", parameters: schema },
      { name: "b", type: "function", description: "B", parameters: schema },
      { name: "c", type: null, description: "C", parameters: schema },
      { name: "d", type: null, description: null, parameters: schema },
      { name: "web_search", type: "web_search", description: null, parameters: null },
    ]);
    const fromAttrs = span({
      span_type: "LLM",
      attributes: {
        "gen_ai.input.messages": "[]",
        "gen_ai.tool.definitions": JSON.stringify([{ type: "function", name: "x" }]),
      },
    });
    expect(chatFromSpan(fromAttrs)!.tools.map((t) => t.name)).toEqual(["x"]);
    const fromInputs = span({
      span_type: "LLM",
      inputs: { messages: [{ role: "user", content: "hi" }], tools: [{ name: "y" }] },
    });
    expect(chatFromSpan(fromInputs)!.tools.map((t) => t.name)).toEqual(["y"]);
  });

  it("reads a GenAI tool result written as `result`", () => {
    const s = span({
      span_type: "LLM",
      attributes: {
        "gen_ai.input.messages": [
          { role: "tool", parts: [{ type: "tool_call_response", id: "c", result: { ok: 1 } }] },
        ],
      },
    });
    expect(chatFromSpan(s)!.messages[0]!.parts).toEqual([
      { kind: "tool_result", id: "c", response: { ok: 1 } },
    ]);
  });

  it("is null for a span without a conversation", () => {
    expect(chatFromSpan(span({ span_type: "TOOL", inputs: { x: 1 } }))).toBeNull();
    expect(isChatSpan(span({ span_type: "TOOL" }))).toBe(false);
  });
});

describe("documentsFromSpan", () => {
  it("reads retriever documents", () => {
    const s = span({
      span_type: "RETRIEVER",
      outputs: [{ page_content: "Refunds take 5 days.", metadata: { doc_uri: "kb/1" }, id: "d1" }],
    });
    expect(documentsFromSpan(s)).toEqual([
      { pageContent: "Refunds take 5 days.", metadata: { doc_uri: "kb/1" }, id: "d1" },
    ]);
  });

  it("is null when the outputs are not documents", () => {
    expect(documentsFromSpan(span({ span_type: "RETRIEVER", outputs: ["a"] }))).toBeNull();
    expect(documentsFromSpan(span({ span_type: "TOOL", outputs: [] }))).toBeNull();
  });
});
