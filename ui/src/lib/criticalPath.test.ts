import { describe, expect, it } from "vitest";
import { criticalPath } from "./criticalPath";
import { buildSpanTree } from "./spanTree";
import { span } from "./testSpans";

function s(id: string, parent: string | null, start: number, end: number | null) {
  return span({ span_id: id, parent_id: parent, name: id, start_time_ns: start, end_time_ns: end });
}

describe("critical path", () => {
  it("follows the child that ends last, level by level (nested)", () => {
    const tree = buildSpanTree([
      s("root", null, 0, 100),
      s("a", "root", 0, 40),
      s("b", "root", 40, 95),
      s("b1", "b", 40, 60),
      s("b2", "b", 60, 90),
      s("b2x", "b2", 61, 89),
    ]);
    expect(criticalPath(tree)).toEqual(["root", "b", "b2", "b2x"]);
  });

  it("takes the parallel child that ends last, not the longest or the first", () => {
    const tree = buildSpanTree([
      s("root", null, 0, 100),
      s("long", "root", 1, 80),
      s("late", "root", 70, 99),
      s("early", "root", 2, 50),
    ]);
    expect(criticalPath(tree)).toEqual(["root", "late"]);
  });

  it("breaks a tie in end time by the earlier start, then by tree order", () => {
    const tree = buildSpanTree([
      s("root", null, 0, 100),
      s("short", "root", 60, 90),
      s("long", "root", 10, 90),
    ]);
    expect(criticalPath(tree)).toEqual(["root", "long"]);
    const same = buildSpanTree([
      s("root", null, 0, 100),
      s("x", "root", 10, 90),
      s("y", "root", 10, 90),
    ]);
    expect(criticalPath(same)).toEqual(["root", "x"]);
  });

  it("counts a running span as ending last", () => {
    const tree = buildSpanTree([
      s("root", null, 0, null),
      s("done", "root", 0, 500),
      s("running", "root", 10, null),
    ]);
    expect(criticalPath(tree)).toEqual(["root", "running"]);
  });

  it("starts from the root that ends last, and is empty for no spans", () => {
    const tree = buildSpanTree([s("r1", null, 0, 10), s("r2", null, 5, 20), s("c", "r2", 6, 7)]);
    expect(criticalPath(tree)).toEqual(["r2", "c"]);
    expect(criticalPath([])).toEqual([]);
  });

  it("walks a 10,000-deep chain without recursion", () => {
    const spans = [s("n0", null, 0, 20_000)];
    for (let i = 1; i < 10_000; i++) spans.push(s(`n${i}`, `n${i - 1}`, i, 20_000 - i));
    const path = criticalPath(buildSpanTree(spans));
    expect(path).toHaveLength(10_000);
    expect(path.at(-1)).toBe("n9999");
  });
});
