import { describe, expect, it } from "vitest";
import { costFromAttributes } from "./chat";
import {
  formatCost,
  formatDurationMs,
  formatDurationNs,
  formatShortTime,
  formatTime,
  formatTotal,
  previewText,
  shortId,
} from "./format";
import { SpanKey } from "./keys";

describe("costs", () => {
  it("shows an unpriced call as a dash, never as $0", () => {
    expect(formatCost(null)).toBe("—");
    expect(formatCost(undefined)).toBe("—");
    expect(formatCost(0)).toBe("$0");
  });

  it("keeps two significant digits of small costs", () => {
    expect(formatCost(0.000435)).toBe("$0.00044");
    expect(formatCost(0.2)).toBe("$0.20");
    expect(formatCost(12.345)).toBe("$12.35");
  });

  it("reads a span's cost attribute", () => {
    const cost = { input: 0.1, output: 0.2, total: 0.3, currency: "USD" };
    expect(costFromAttributes({ [SpanKey.cost]: cost })).toBe(0.3);
    expect(costFromAttributes({ [SpanKey.cost]: JSON.stringify(cost) })).toBe(0.3);
    expect(costFromAttributes({})).toBeNull();
  });
});

describe("previewText", () => {
  it("shows the last user message of chat messages", () => {
    const messages = [
      { role: "system", content: "Be brief." },
      { role: "user", content: "first question" },
      { role: "assistant", content: "an answer" },
      { role: "user", content: [{ type: "text", text: "second question" }] },
    ];
    expect(previewText(JSON.stringify({ messages }))).toBe("second question");
    expect(previewText(JSON.stringify(messages))).toBe("second question");
    expect(previewText(JSON.stringify({ request: { messages } }))).toBe("second question");
  });

  it("shows a lone string field, or a JSON string, as the string", () => {
    expect(previewText('{"question": "where is my refund?"}')).toBe("where is my refund?");
    expect(previewText('"just text"')).toBe("just text");
    expect(previewText('{"a": 1, "b": "x"}')).toBe('{"a":1,"b":"x"}');
  });

  it("never shows a Python object repr", () => {
    const inputs = { client: "<openai.OpenAI object at 0x7f3a2b1c9d90>", question: "hi there" };
    expect(previewText(JSON.stringify(inputs))).toBe("hi there");
    expect(previewText("<foo.Bar object at 0xDEADbeef> and text")).toBe("and text");
    expect(previewText('"<openai.OpenAI object at 0x1>"')).toBeNull();
  });

  it("reads previews cut at their limit", () => {
    const cut =
      '{"messages": [{"role": "system", "content": "x"}, {"role": "user", "content": "tell me ab';
    expect(previewText(cut)).toBe("tell me ab…");
    expect(previewText('{"question": "a long \\"quoted\\" question that was cu')).toBe(
      'a long "quoted" question that was cu…',
    );
    expect(previewText("[1, 2, 3")).toBe("[1, 2, 3");
  });

  it("is null for nothing", () => {
    expect(previewText(null)).toBeNull();
    expect(previewText("")).toBeNull();
    expect(previewText("null")).toBeNull();
  });
});

describe("durations and totals", () => {
  it("shows sub-millisecond durations in µs and never 0 ms", () => {
    expect(formatDurationMs(0.093)).toBe("93 µs");
    expect(formatDurationMs(0)).toBe("< 1 ms");
    expect(formatDurationNs(93_000)).toBe("93 µs");
    expect(formatDurationNs(0)).toBe("0 µs");
    expect(formatDurationMs(null)).toBe("—");
    expect(formatDurationMs(1500)).toBe("1.50 s");
  });

  it("counts matches, capped or not", () => {
    expect(formatTotal(1, false)).toBe("1 trace");
    expect(formatTotal(120, false)).toBe("120 traces");
    expect(formatTotal(10_000, true)).toBe("10,000+ traces");
  });

  it("writes every time one way", () => {
    const ms = new Date(2024, 0, 5, 9, 3, 7).getTime();
    expect(formatTime(ms)).toBe("2024-01-05 09:03:07");
    expect(formatShortTime(ms)).toBe(formatTime(ms));
  });
});

describe("short trace ids", () => {
  it("show the random end of an id, not the time it starts with", () => {
    const id = "0193a5f2c0d1" + "8e41b7c2d9f0a3b4c5d6";
    expect(shortId(id)).toBe("…a3b4c5d6");
    expect(shortId(id, 12)).toBe("…d9f0a3b4c5d6");
    // Two traces of the same minute differ in their short ids.
    expect(shortId("0193a5f2c0d1" + "00000000000011111111")).not.toBe(
      shortId("0193a5f2c0d2" + "00000000000022222222"),
    );
  });
});
