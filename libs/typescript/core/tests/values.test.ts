import { describe, expect, test } from "vitest";
import { normalizeMessages, normalizeToolDefinition } from "../src/chat.js";
import { parameterNames } from "../src/inputs.js";
import { dumps, toJson } from "../src/serialize.js";

describe("chat normalisation (the rules of spanscope.tracing.chat)", () => {
  test("OpenAI messages: text, tool calls with JSON arguments, tool results", () => {
    expect(
      normalizeMessages(
        [
          { role: "system", content: "Be brief." },
          { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: '{"x": 1}' } }] },
          { role: "tool", tool_call_id: "c1", content: "42" },
          { role: "user", content: [{ type: "text", text: "hi" }, { type: "image_url", image_url: { url: "http://x/y.png" } }] },
        ],
        "user",
      ),
    ).toEqual([
      { role: "system", parts: [{ type: "text", content: "Be brief." }] },
      { role: "assistant", parts: [{ type: "tool_call", id: "c1", name: "f", arguments: { x: 1 } }] },
      { role: "tool", parts: [{ type: "tool_call_response", id: "c1", response: "42" }] },
      { role: "user", parts: [{ type: "text", content: "hi" }, { type: "uri", modality: "image", uri: "http://x/y.png" }] },
    ]);
  });

  test("GenAI messages are kept; bare values become messages of the default role", () => {
    const genai = { role: "user", parts: [{ type: "text", content: "x" }] };
    expect(normalizeMessages([genai, "plain"], "assistant")).toEqual([genai, { role: "assistant", parts: [{ type: "text", content: "plain" }] }]);
    expect(normalizeMessages(42, "user")).toBeUndefined();
  });

  test("tool definitions from OpenAI and Anthropic forms", () => {
    const parameters = { type: "object" };
    expect(normalizeToolDefinition({ type: "function", function: { name: "f", description: "d", parameters } })).toEqual({
      type: "function",
      name: "f",
      description: "d",
      parameters,
    });
    expect(normalizeToolDefinition({ name: "g", input_schema: parameters })).toEqual({ type: "function", name: "g", parameters });
  });
});

describe("serialisation", () => {
  test("plain data is JSON as is; unusual values are converted, never thrown on", () => {
    expect(dumps({ a: [1, "x", null], b: { c: true } })).toBe('{"a":[1,"x",null],"b":{"c":true}}');
    const cyclic: Record<string, unknown> = { name: "loop" };
    cyclic.self = cyclic;
    expect(toJson(cyclic)).toEqual({ name: "loop", self: "<cycle>" });
    expect(JSON.parse(dumps({ when: new Date(0), big: 2n ** 70n, small: 5n, set: new Set([1]), map: new Map([["k", 1]]) }))).toEqual({
      when: "1970-01-01T00:00:00.000Z",
      big: "1180591620717411303424",
      small: 5,
      set: [1],
      map: { k: 1 },
    });
    expect(toJson(new TypeError("bad"))).toEqual({ name: "TypeError", message: "bad" });
    expect(toJson(Uint8Array.from([1, 2]))).toBe("AQI=");
    expect(toJson({ f() {}, n: Number.NaN })).toEqual({ f: "<function f>", n: "NaN" });
  });

  test("an object graph that shares its parts is cut at a node budget, never thrown on", () => {
    // Each level holds the one below twice: as a tree, 2^40 nodes.
    let shared: Record<string, unknown> = { leaf: new Date(0) };
    for (let i = 0; i < 40; i += 1) shared = { left: shared, right: shared, when: new Date(0) };
    const text = dumps(shared);
    expect(text.length).toBeLessThan(10_000_000);
    expect(text).toContain('"<truncated>"');
    expect(JSON.stringify(toJson(shared))).toContain('"<truncated>"');
  });

  test("an iterator is described, never consumed", () => {
    function* numbers() {
      yield 1;
    }
    const iterator = numbers();
    expect(typeof (toJson({ iterator }) as Record<string, unknown>).iterator).toBe("string");
    expect(iterator.next()).toEqual({ value: 1, done: false });
  });
});

describe("parameter names", () => {
  test("functions, arrows, methods, defaults and rest parameters", () => {
    expect(parameterNames(function f(a: number, b = "x,y", ...rest: unknown[]) {})).toEqual(["a", "b", "...rest"]);
    expect(parameterNames((q: string) => q)).toEqual(["q"]);
    expect(parameterNames(async (x: number, y: number) => x + y)).toEqual(["x", "y"]);
    expect(parameterNames({ m(a: number, /* note */ b: number) {} }.m)).toEqual(["a", "b"]);
    expect(parameterNames(({ a }: { a: number }) => a)).toBeUndefined();
    expect(parameterNames(Math.max)).toBeUndefined();
  });
});
