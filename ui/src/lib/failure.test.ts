import { describe, expect, it } from "vitest";
import { failingSpanId } from "./failure";
import { buildSpanTree } from "./spanTree";
import { span } from "./testSpans";

const ERROR = { code: "ERROR" as const, message: "boom" };

describe("failingSpanId", () => {
  it("picks the deepest failed span, the first in tree order among equals", () => {
    const spans = [
      span({ span_id: "root", status: ERROR, start_time_ns: 0 }),
      span({ span_id: "a", parent_id: "root", status: ERROR, start_time_ns: 1 }),
      span({ span_id: "a1", parent_id: "a", status: ERROR, start_time_ns: 2 }),
      span({ span_id: "b", parent_id: "root", start_time_ns: 3 }),
      span({ span_id: "b1", parent_id: "b", status: ERROR, start_time_ns: 4 }),
      span({ span_id: "c", parent_id: "root", status: ERROR, start_time_ns: 5 }),
    ];
    expect(failingSpanId(buildSpanTree(spans))).toBe("a1");
  });

  it("is null when nothing failed", () => {
    const spans = [span({ span_id: "r" }), span({ span_id: "k", parent_id: "r" })];
    expect(failingSpanId(buildSpanTree(spans))).toBeNull();
  });
});
