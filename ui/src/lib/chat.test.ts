import { describe, expect, it } from "vitest";
import { chatFromSpan, isChatSpan } from "./chat";
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
