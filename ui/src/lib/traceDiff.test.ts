import { describe, expect, it } from "vitest";
import type { Span, Trace } from "../api/types";
import { GenAI, SpanKey, TraceMeta } from "./keys";
import { span } from "./testSpans";
import { changedPaths, diffJson, lineDiff, sameJson } from "./jsonDiff";
import { changeCounts, diffTraces, pathLabel, spanDifferences } from "./traceDiff";
import { delta, spanMeasures, traceMeasures } from "./traceMeasures";

/** An agent run: agent > plan, tool(weather), tool(weather) with the given outputs. */
function run(trace: string, outputs: [unknown, unknown], extra: Partial<Span>[] = []): Span[] {
  const t = trace.repeat(32);
  const id = (n: number) => `${trace}${n}`.padStart(16, "0");
  const at = (n: number) => ({ start_time_ns: n * 1000 + (trace === "b" ? 7 : 0) });
  return [
    span({ trace_id: t, span_id: id(1), name: "agent", span_type: "AGENT", ...at(1) }),
    span({ trace_id: t, span_id: id(2), parent_id: id(1), name: "plan", ...at(2) }),
    span({
      trace_id: t,
      span_id: id(3),
      parent_id: id(1),
      name: "weather",
      span_type: "TOOL",
      inputs: { city: "Paris" },
      outputs: outputs[0],
      ...at(3),
    }),
    span({
      trace_id: t,
      span_id: id(4),
      parent_id: id(1),
      name: "weather",
      span_type: "TOOL",
      inputs: { city: "Rome" },
      outputs: outputs[1],
      ...at(4),
    }),
    ...extra.map((fields, i) => span({ trace_id: t, span_id: id(5 + i), ...fields })),
  ];
}

describe("diffTraces", () => {
  it("matches spans by path, counting same-named siblings, ignoring ids and times", () => {
    const rows = diffTraces([run("a", ["sunny", "rain"]), run("b", ["sunny", "rain"])]);
    expect(rows.map((r) => r.key)).toEqual([
      "agent",
      "agent/plan",
      "agent/weather",
      "agent/weather[1]",
    ]);
    expect(rows.map((r) => r.depth)).toEqual([0, 1, 1, 1]);
    expect(rows.map((r) => r.index)).toEqual([0, 0, 0, 1]);
    expect(rows.every((r) => r.changes[0] === null && r.changes[1] === "same")).toBe(true);
    // Each row holds the span of each trace at that path.
    expect(rows[3]!.spans.map((s) => s?.inputs)).toEqual([{ city: "Rome" }, { city: "Rome" }]);
  });

  it("marks only the span whose output differs as changed, and says what differs", () => {
    const rows = diffTraces([run("a", ["sunny", "rain"]), run("b", ["sunny", "snow"])]);
    const changed = rows.filter((r) => r.changes[1] === "changed");
    expect(changed.map((r) => r.key)).toEqual(["agent/weather[1]"]);
    expect(changed[0]!.fields[1]).toEqual(["outputs"]);
    expect(changeCounts(rows, 1)).toEqual({ same: 3, changed: 1, added: 0, missing: 0 });
  });

  it("marks spans only in the other trace as added, only in the baseline as missing", () => {
    const extra = run(
      "b",
      ["sunny", "rain"],
      [{ parent_id: "000000000000b1", name: "send_email", start_time_ns: 3500 }],
    );
    // parent ids are 16 hex characters: fix the extra span's parent to the agent's id.
    extra[4]!.parent_id = extra[0]!.span_id;
    const base = run("a", ["sunny", "rain"]);
    const rows = diffTraces([base, extra, base.filter((s) => s.name !== "plan")]);
    expect(rows.map((r) => r.key)).toEqual([
      "agent",
      "agent/plan",
      "agent/weather",
      "agent/send_email",
      "agent/weather[1]",
    ]);
    const byKey = Object.fromEntries(rows.map((r) => [r.key, r.changes]));
    expect(byKey["agent/send_email"]).toEqual([null, "added", null]);
    expect(byKey["agent/plan"]).toEqual([null, "same", "missing"]);
    expect(changeCounts(rows, 1).added).toBe(1);
    expect(changeCounts(rows, 2)).toEqual({ same: 3, changed: 0, added: 0, missing: 1 });
  });

  it("tells a changed status, type and attributes apart", () => {
    const a = span({ name: "x", attributes: { k: 1 } });
    const b = span({
      name: "x",
      span_type: "TOOL",
      status: { code: "ERROR", message: "boom" },
      attributes: { k: 2 },
    });
    expect(spanDifferences(a, b)).toEqual(["type", "status", "attributes"]);
    // Attributes as JSON text (OTLP ingest) equal the same values.
    expect(spanDifferences(a, { ...a, attributes: { k: "1" } })).toEqual(["attributes"]);
    expect(spanDifferences(a, { ...a, span_id: "f".repeat(16), start_time_ns: 99 })).toEqual([]);
  });

  it("compares two spans' subtrees whatever the spans' names", () => {
    const a = run("a", ["sunny", "rain"]);
    const b = run("b", ["sunny", "rain"]);
    b[1]!.name = "planner";
    const rows = diffTraces([a, b], [a[0]!.span_id, b[0]!.span_id]);
    expect(rows[0]!.key).toBe("*");
    expect(rows[0]!.changes[1]).toBe("same");
    expect(rows.map((r) => [r.key, r.changes[1]])).toContainEqual(["*/plan", "missing"]);
    expect(rows.map((r) => [r.key, r.changes[1]])).toContainEqual(["*/planner", "added"]);
    // Cut to a tool span: its subtree is that one span.
    const one = diffTraces([a, b], [a[2]!.span_id, b[3]!.span_id]);
    expect(one).toHaveLength(1);
    expect(one[0]!.fields[1]).toEqual(["inputs", "outputs"]);
  });

  it("handles a 5,000-deep chain without overflowing the stack", () => {
    const chain = Array.from({ length: 5000 }, (_, i) =>
      span({
        span_id: (i + 1).toString(16).padStart(16, "0"),
        parent_id: i === 0 ? null : i.toString(16).padStart(16, "0"),
        name: "step",
        start_time_ns: i,
      }),
    );
    const rows = diffTraces([chain, chain]);
    expect(rows).toHaveLength(5000);
    expect(rows.at(-1)!.depth).toBe(4999);
  });

  it("labels paths readably, with names holding slashes", () => {
    const rows = diffTraces([[span({ name: "GET /a/b" })], [span({ name: "GET /a/b" })]]);
    expect(rows[0]!.key).toBe("GET%20%2Fa%2Fb");
    expect(pathLabel("agent/weather[1]")).toBe("agent › weather #2");
    expect(pathLabel(`${encodeURIComponent("a/b")}/c`)).toBe("a/b › c");
  });
});

describe("diffJson", () => {
  it("reports nested keys added, removed and changed", () => {
    const before = { city: "Paris", result: { temp: 21, sky: "sunny" }, old: true };
    const after = { city: "Paris", result: { temp: 25, sky: "sunny", wind: 3 } };
    const diff = diffJson(before, after);
    expect(changedPaths(diff)).toEqual(["result.temp", "result.wind", "old"]);
    expect(diff.kind).toBe("object");
    if (diff.kind !== "object") return;
    const result = diff.entries.find(([k]) => k === "result")![1];
    expect(result.kind).toBe("object");
    if (result.kind !== "object") return;
    expect(Object.fromEntries(result.entries)).toEqual({
      temp: { kind: "changed", before: 21, after: 25, lines: null },
      sky: { kind: "same", value: "sunny" },
      wind: { kind: "added", value: 3 },
    });
    expect(diff.entries.find(([k]) => k === "old")![1]).toEqual({ kind: "removed", value: true });
  });

  it("pairs a changed element, labels a removed one by its old index, a type change whole", () => {
    expect(changedPaths(diffJson([1, 2, 3], [1, 5]))).toEqual(["[1]", "[was 2]"]);
    expect(changedPaths(diffJson({ a: [{ b: 1 }] }, { a: [{ b: 2 }] }))).toEqual(["a[0].b"]);
    expect(diffJson({ a: 1 }, [1])).toMatchObject({ kind: "changed", lines: null });
    expect(diffJson({ a: 1 }, { a: 1 })).toEqual({ kind: "same", value: { a: 1 } });
    expect(diffJson(undefined, 3)).toEqual({ kind: "added", value: 3 });
    expect(changedPaths(diffJson("x", "y"))).toEqual(["$"]);
  });

  const chat = [
    { role: "system", content: "Be brief." },
    { role: "user", content: "Where is my order?" },
    { role: "assistant", content: "It shipped." },
    { role: "user", content: "When will it arrive?" },
  ];
  const entries = (before: unknown, after: unknown) => {
    const diff = diffJson(before, after);
    if (diff.kind !== "array") throw new Error(diff.kind);
    return diff.entries.map(([k, d]) => [k, d.kind]);
  };

  it("shows a message inserted at the start as added, every later one unchanged", () => {
    const after = [{ role: "system", content: "Today is Monday." }, ...chat];
    expect(entries(chat, after)).toEqual([
      ["0", "added"],
      ["1", "same"],
      ["2", "same"],
      ["3", "same"],
      ["4", "same"],
    ]);
    expect(changedPaths(diffJson(chat, after))).toEqual(["[0]"]);
  });

  it("shows an element removed from the middle as removed, by its old index", () => {
    const after = [chat[0], chat[1], chat[3]];
    expect(entries(chat, after)).toEqual([
      ["0", "same"],
      ["1", "same"],
      ["was 2", "removed"],
      ["2", "same"],
    ]);
    expect(changedPaths(diffJson(chat, after))).toEqual(["[was 2]"]);
  });

  it("compares elements by deep equality: key order and JSON text do not matter", () => {
    const after = [{ content: "Be brief.", role: "system" }, JSON.stringify(chat[1]), chat[2]];
    expect(diffJson(chat.slice(0, 3), after).kind).toBe("same");
  });

  it("shows a pure reorder as the moved element removed and added, the rest unchanged", () => {
    const after = [chat[3], chat[0], chat[1], chat[2]];
    expect(entries(chat, after)).toEqual([
      ["0", "added"],
      ["1", "same"],
      ["2", "same"],
      ["3", "same"],
      ["was 3", "removed"],
    ]);
    // Two swapped: one of them kept, the other moved.
    expect(entries([1, 2], [2, 1])).toEqual([
      ["was 0", "removed"],
      ["0", "same"],
      ["1", "added"],
    ]);
  });

  it("diffs an element changed in place inside, between unchanged neighbours", () => {
    const after = [chat[0], { role: "user", content: "Where is order A-1?" }, chat[2], chat[3]];
    expect(changedPaths(diffJson(chat, after))).toEqual(["[1].content"]);
  });

  it("diffs arrays too long for the table index by index, past a common head and tail", () => {
    const before = Array.from({ length: 3_000 }, (_, i) => i);
    const after = Array.from({ length: 3_000 }, (_, i) => (i === 1_500 ? -1 : i + 10_000));
    // 3,000 × 3,000 pairs: no table; each position compared with the same position.
    expect(changedPaths(diffJson(before, after))).toHaveLength(3_000);
    // Long but mostly equal: the common head and tail are not in the table.
    const long = Array.from({ length: 50_000 }, (_, i) => ({ i }));
    const inserted = [...long.slice(0, 25_000), { i: -1 }, ...long.slice(25_000)];
    expect(changedPaths(diffJson(long, inserted))).toEqual(["[25000]"]);
  });

  it("diffs JSON text as its value", () => {
    expect(changedPaths(diffJson('{"a": 1, "b": 2}', { b: 2, a: 3 }))).toEqual(["a"]);
    expect(sameJson('{"a": [1, {"b": null}]}', { a: [1, { b: null }] })).toBe(true);
    expect(sameJson({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(sameJson(null, undefined)).toBe(true);
  });

  it("gives long strings a line diff", () => {
    const before = "line one\nline two\nline three\nline four";
    const after = "line one\nline 2\nline three\nline four\nline five";
    const diff = diffJson({ text: before }, { text: after });
    if (diff.kind !== "object") throw new Error(diff.kind);
    const text = diff.entries[0]![1];
    if (text.kind !== "changed") throw new Error(text.kind);
    expect(text.lines).toEqual([
      { op: "same", text: "line one" },
      { op: "removed", text: "line two" },
      { op: "added", text: "line 2" },
      { op: "same", text: "line three" },
      { op: "same", text: "line four" },
      { op: "added", text: "line five" },
    ]);
  });

  it("line-diffs texts whose middles differ", () => {
    expect(lineDiff("a\nb\nc", "a\nc")).toEqual([
      { op: "same", text: "a" },
      { op: "removed", text: "b" },
      { op: "same", text: "c" },
    ]);
    expect(lineDiff("x", "x")).toEqual([{ op: "same", text: "x" }]);
  });
});

describe("measures", () => {
  const llm = span({
    name: "chat",
    start_time_ns: 0,
    end_time_ns: 2_500_000,
    attributes: {
      [GenAI.inputTokens]: 100,
      [GenAI.outputTokens]: 20,
      [SpanKey.cost]: JSON.stringify({ total: 0.002 }),
    },
  });

  it("reads a span's latency, tokens and cost", () => {
    expect(spanMeasures(llm)).toEqual({
      durationMs: 2.5,
      tokensIn: 100,
      tokensOut: 20,
      tokensTotal: 120,
      cost: 0.002,
    });
    expect(spanMeasures(span({ end_time_ns: null }))).toMatchObject({
      durationMs: null,
      tokensIn: null,
      cost: null,
    });
  });

  it("reads a trace's from its info, else sums its spans", () => {
    const info = {
      trace_id: "t",
      execution_duration: 40,
      metadata: {
        [TraceMeta.tokenUsage]: JSON.stringify({
          input_tokens: 7,
          output_tokens: 3,
          total_tokens: 10,
        }),
      },
      cost: { total: 0.5 },
    } as unknown as Trace["info"];
    const trace: Trace = { info, data: { spans: [llm, { ...llm, span_id: "2".repeat(16) }] } };
    expect(traceMeasures(trace)).toEqual({
      durationMs: 40,
      tokensIn: 7,
      tokensOut: 3,
      tokensTotal: 10,
      cost: 0.5,
    });
    const bare = {
      ...trace,
      info: { ...info, execution_duration: null, metadata: {}, cost: null },
    };
    expect(traceMeasures(bare as Trace)).toEqual({
      durationMs: 2.5,
      tokensIn: 200,
      tokensOut: 40,
      tokensTotal: 240,
      cost: 0.004,
    });
  });

  it("subtracts only known values", () => {
    expect(delta(10, 15)).toBe(5);
    expect(delta(null, 15)).toBeNull();
    expect(delta(3, null)).toBeNull();
  });
});
