import { describe, expect, it } from "vitest";
import type { Assessment, TraceInfo } from "../api/types";
import {
  assessmentThreads,
  editorFor,
  feedbackNames,
  formatAssessment,
  formatValue,
  ownThumbs,
  parseExpectationValue,
  parseFeedbackValue,
  summarize,
  summaryHeadline,
  THUMBS_NAME,
  validFeedback,
} from "./assessments";

const TRACE = "0".repeat(32);
const SPAN = "1".repeat(16);
let clock = 1_000;

function assessment(fields: Partial<Assessment>): Assessment {
  clock += 1;
  return {
    assessment_id: `a-${clock}`,
    trace_id: TRACE,
    span_id: null,
    name: THUMBS_NAME,
    kind: "feedback",
    value: true,
    rationale: null,
    source: { source_type: "HUMAN", source_id: "ui" },
    metadata: {},
    error: null,
    create_time_ms: clock,
    update_time_ms: clock,
    overrides: null,
    valid: true,
    ...fields,
  };
}

function info(assessments: Assessment[]): TraceInfo {
  return {
    trace_id: TRACE,
    experiment_id: "1",
    request_time: 0,
    execution_duration: 1,
    state: "OK",
    name: "t",
    request_preview: null,
    response_preview: null,
    client_request_id: null,
    cost: null,
    metadata: {},
    tags: {},
    assessments,
  };
}

describe("threads of overrides", () => {
  it("put overridden feedback under the one that replaced it, newest first", () => {
    const first = assessment({ value: true, valid: false });
    const second = assessment({ value: false, valid: false, overrides: first.assessment_id });
    const third = assessment({ value: true, overrides: second.assessment_id });
    const other = assessment({ name: "correctness", value: 0.5 });
    const threads = assessmentThreads([third, first, other, second], null);
    expect(threads.map((t) => t.current.assessment_id)).toEqual([
      other.assessment_id,
      third.assessment_id,
    ]);
    expect(threads[1]!.history.map((a) => a.assessment_id)).toEqual([
      second.assessment_id,
      first.assessment_id,
    ]);
  });

  it("keep the trace's and each span's apart, feedback before expectations", () => {
    const onTrace = assessment({ name: "z" });
    const expected = assessment({ kind: "expectation", name: "a", value: { x: 1 } });
    const onSpan = assessment({ span_id: SPAN });
    const all = [onSpan, expected, onTrace];
    expect(assessmentThreads(all, null).map((t) => t.current)).toEqual([onTrace, expected]);
    expect(assessmentThreads(all, SPAN).map((t) => t.current)).toEqual([onSpan]);
  });

  it("survive an override cycle and a deleted link", () => {
    const a = assessment({ overrides: "a-missing" });
    const b = assessment({ assessment_id: "x", overrides: "y", valid: false });
    const c = assessment({ assessment_id: "y", overrides: "x" });
    expect(assessmentThreads([a], null)).toEqual([{ current: a, history: [] }]);
    // Each overrides the other: neither is a head, and nothing loops.
    expect(assessmentThreads([b, c], null)).toEqual([]);
  });
});

describe("values as text", () => {
  it("show booleans as ticks and crosses, lists joined, objects as JSON", () => {
    expect(formatValue(true)).toBe("✓ yes");
    expect(formatValue(false, true)).toBe("✗");
    expect(formatValue(3.5)).toBe("3.5");
    expect(formatValue(["a", "b"])).toBe("a, b");
    expect(formatValue({ a: [1] })).toBe('{"a":[1]}');
    expect(formatValue(null)).toBe("—");
  });

  it("show a judge's error when there is no value", () => {
    const failed = assessment({
      value: null,
      error: { error_code: "RateLimitError", error_message: "429", stack_trace: null },
    });
    expect(formatAssessment(failed)).toBe("error: RateLimitError");
  });
});

describe("form values", () => {
  it("parse each feedback type", () => {
    expect(parseFeedbackValue("yes-no", "no")).toEqual({ ok: true, value: false });
    expect(parseFeedbackValue("yes-no", "maybe").ok).toBe(false);
    expect(parseFeedbackValue("number", " 4.5 ")).toEqual({ ok: true, value: 4.5 });
    expect(parseFeedbackValue("number", "").ok).toBe(false);
    expect(parseFeedbackValue("number", "1e999").ok).toBe(false);
    expect(parseFeedbackValue("category", " off_topic ")).toEqual({ ok: true, value: "off_topic" });
    expect(parseFeedbackValue("text", "  ").ok).toBe(false);
  });

  it("take an expectation as JSON, not null", () => {
    expect(parseExpectationValue('{"facts": ["a"]}')).toEqual({
      ok: true,
      value: { facts: ["a"] },
    });
    expect(parseExpectationValue('"Paris"')).toEqual({ ok: true, value: "Paris" });
    expect(parseExpectationValue("null").ok).toBe(false);
    const bare = parseExpectationValue("Paris");
    expect(bare.ok ? null : bare.error).toMatch(/^not JSON .*in quotes/);
  });

  it("edit a value with the type it has", () => {
    expect(editorFor(false)).toEqual({ type: "yes-no", raw: "no" });
    expect(editorFor(3)).toEqual({ type: "number", raw: "3" });
    expect(editorFor("good")).toEqual({ type: "category", raw: "good" });
    expect(editorFor("line one\nline two").type).toBe("text");
  });
});

describe("feedback of a trace", () => {
  it("is the valid ones of a name, newest first, from the trace and its spans", () => {
    const old = assessment({ valid: false });
    const onSpan = assessment({ span_id: SPAN, value: false });
    const newer = assessment({ value: true });
    const expectation = assessment({ kind: "expectation" });
    expect(validFeedback(info([old, onSpan, newer, expectation]), THUMBS_NAME)).toEqual([
      newer,
      onSpan,
    ]);
  });

  it("finds the reviewer's own thumbs on the target only", () => {
    const mine = assessment({ span_id: SPAN });
    const theirs = assessment({ source: { source_type: "HUMAN", source_id: "ann" } });
    const all = [mine, theirs];
    expect(ownThumbs(all, SPAN, "ui")).toBe(mine);
    expect(ownThumbs(all, null, "ui")).toBeNull();
    expect(ownThumbs(all, null, "ann")).toBe(theirs);
  });

  it("names feedback from the summary and the traces, each once", () => {
    const summary = summarize([info([assessment({ name: "b" })])]);
    const infos = [info([assessment({ name: "a" }), assessment({ kind: "expectation" })])];
    expect(feedbackNames(infos, [...summary, { ...summary[0]!, name: "c" }])).toEqual([
      "a",
      "b",
      "c",
    ]);
  });
});

describe("summaries", () => {
  it("count valid values per name: pass rate, mean, string counts", () => {
    const infos = [
      info([assessment({ value: true }), assessment({ value: false, valid: false })]),
      info([assessment({ value: false }), assessment({ name: "score", value: 2 })]),
      info([assessment({ name: "score", value: 5 }), assessment({ name: "topic", value: "x" })]),
      info([assessment({ name: "topic", value: "x" }), assessment({ name: "topic", value: "y" })]),
    ];
    const byName = Object.fromEntries(summarize(infos).map((e) => [e.name, e]));
    expect(byName[THUMBS_NAME]).toMatchObject({ count: 2, value_type: "boolean", pass_rate: 0.5 });
    expect(byName.score).toMatchObject({ count: 2, value_type: "number", mean: 3.5 });
    expect(byName.topic).toMatchObject({ value_type: "string", values: { x: 2, y: 1 } });
    expect(summaryHeadline(byName[THUMBS_NAME]!)).toBe("50% ✓");
    expect(summaryHeadline(byName.score!)).toBe("mean 3.5");
    expect(summaryHeadline(byName.topic!)).toBe("x 2 · y 1");
  });

  it("call values of several types mixed, and count errors", () => {
    const failed = assessment({
      value: null,
      error: { error_code: "Timeout", error_message: null, stack_trace: null },
    });
    const [entry] = summarize([
      info([assessment({ value: 1 }), assessment({ value: "a" }), assessment({ value: true })]),
      info([failed]),
    ]);
    expect(entry).toMatchObject({
      count: 4,
      value_type: "mixed",
      pass_rate: 1,
      mean: 1,
      values: { a: 1 },
      errors: 1,
    });
    expect(summaryHeadline(entry!)).toBe("100% ✓ · mean 1 · a 1 · 1 error");
  });
});
