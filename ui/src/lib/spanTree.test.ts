import { describe, expect, it } from "vitest";
import { ancestorIds, buildSpanTree, matchingSpans, visibleRows } from "./spanTree";
import { span } from "./testSpans";

const names = (rows: { span: { name: string } }[]) => rows.map((r) => r.span.name);

describe("buildSpanTree", () => {
  it("nests children under parents, ordered by start time, with depths", () => {
    const spans = [
      span({ span_id: "c", parent_id: "a", name: "late child", start_time_ns: 30 }),
      span({ span_id: "a", name: "root", start_time_ns: 0 }),
      span({ span_id: "b", parent_id: "a", name: "early child", start_time_ns: 10 }),
      span({ span_id: "d", parent_id: "b", name: "grandchild", start_time_ns: 11 }),
    ];
    const rows = visibleRows(buildSpanTree(spans), new Set());
    expect(names(rows)).toEqual(["root", "early child", "grandchild", "late child"]);
    expect(rows.map((r) => r.depth)).toEqual([0, 1, 2, 1]);
  });

  it("makes a span whose parent is missing a root, and survives a cycle", () => {
    const spans = [
      span({ span_id: "x", parent_id: "gone", name: "orphan", start_time_ns: 5 }),
      span({ span_id: "p", parent_id: "q", name: "p", start_time_ns: 1 }),
      span({ span_id: "q", parent_id: "p", name: "q", start_time_ns: 2 }),
    ];
    const roots = buildSpanTree(spans);
    // p and q point at each other: the earlier one is cut loose as a root, q stays its child.
    expect(names(roots)).toEqual(["orphan", "p"]);
    expect(names(visibleRows(roots, new Set()))).toEqual(["orphan", "p", "q"]);
  });

  it("marks error subtrees", () => {
    const spans = [
      span({ span_id: "a", name: "root" }),
      span({ span_id: "b", parent_id: "a", name: "ok" }),
      span({ span_id: "c", parent_id: "b", name: "bad", status: { code: "ERROR", message: "x" } }),
    ];
    const [root] = buildSpanTree(spans);
    expect(root!.subtreeError).toBe(true);
    expect(root!.children[0]!.subtreeError).toBe(true);
  });

  it("builds a 10,000-deep chain without recursion", () => {
    const spans = Array.from({ length: 10_000 }, (_, i) =>
      span({
        span_id: `s${i}`,
        parent_id: i === 0 ? null : `s${i - 1}`,
        name: `n${i}`,
        start_time_ns: i,
      }),
    );
    const rows = visibleRows(buildSpanTree(spans), new Set());
    expect(rows).toHaveLength(10_000);
    expect(rows[9_999]!.depth).toBe(9_999);
  });
});

describe("visibleRows", () => {
  it("hides the descendants of collapsed spans", () => {
    const spans = [
      span({ span_id: "a", name: "root" }),
      span({ span_id: "b", parent_id: "a", name: "child", start_time_ns: 1 }),
      span({ span_id: "c", parent_id: "b", name: "grandchild", start_time_ns: 2 }),
      span({ span_id: "d", parent_id: "a", name: "sibling", start_time_ns: 3 }),
    ];
    const roots = buildSpanTree(spans);
    expect(names(visibleRows(roots, new Set(["b"])))).toEqual(["root", "child", "sibling"]);
    expect(names(visibleRows(roots, new Set(["a"])))).toEqual(["root"]);
  });
});

describe("ancestorIds", () => {
  it("lists the parents up to the root", () => {
    const spans = [
      span({ span_id: "a" }),
      span({ span_id: "b", parent_id: "a" }),
      span({ span_id: "c", parent_id: "b" }),
    ];
    expect(ancestorIds(spans, "c")).toEqual(["b", "a"]);
    expect(ancestorIds(spans, "a")).toEqual([]);
  });
});

describe("matchingSpans", () => {
  it("finds spans by name in tree order, collapsed or not", () => {
    const spans = [
      span({ span_id: "a", name: "agent" }),
      span({ span_id: "b", parent_id: "a", name: "Search docs", start_time_ns: 1 }),
      span({ span_id: "c", parent_id: "b", name: "search index", start_time_ns: 2 }),
      span({ span_id: "d", parent_id: "a", name: "answer", start_time_ns: 3 }),
    ];
    const roots = buildSpanTree(spans);
    expect(matchingSpans(roots, "SEARCH")).toEqual(["b", "c"]);
    expect(matchingSpans(roots, "  ")).toEqual([]);
  });
});
