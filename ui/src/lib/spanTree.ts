// Span tree building and flattening: pure functions, so the 10,000-span case is cheap to test.
import type { Span } from "../api/types";

export interface SpanNode {
  span: Span;
  depth: number;
  children: SpanNode[];
  /** True when this span or a descendant has status ERROR. */
  subtreeError: boolean;
}

/** Roots and children ordered by start time; a span whose parent is missing becomes a root. */
export function buildSpanTree(spans: readonly Span[]): SpanNode[] {
  const nodes = new Map<string, SpanNode>();
  for (const span of spans) {
    nodes.set(span.span_id, { span, depth: 0, children: [], subtreeError: false });
  }
  const roots: SpanNode[] = [];
  for (const node of nodes.values()) {
    const parentId = node.span.parent_id;
    const parent = parentId ? nodes.get(parentId) : undefined;
    if (parent && parent !== node) parent.children.push(node);
    else roots.push(node);
  }
  const byStart = (a: SpanNode, b: SpanNode) =>
    a.span.start_time_ns - b.span.start_time_ns || a.span.name.localeCompare(b.span.name);
  roots.sort(byStart);
  // Iterative, so a 10,000-deep chain cannot overflow the stack; a cycle is cut at the
  // first node seen twice.
  const seen = new Set<SpanNode>();
  const order: SpanNode[] = [];
  const walk = (start: SpanNode) => {
    const stack = [{ node: start, depth: 0 }];
    while (stack.length > 0) {
      const { node, depth } = stack.pop()!;
      if (seen.has(node)) continue;
      seen.add(node);
      node.depth = depth;
      node.children = node.children.filter((child) => !seen.has(child)).sort(byStart);
      order.push(node);
      for (let i = node.children.length - 1; i >= 0; i--) {
        stack.push({ node: node.children[i]!, depth: depth + 1 });
      }
    }
  };
  for (const root of [...roots]) walk(root);
  // Spans in a parent cycle are reachable from no root: the earliest of each becomes one.
  const stranded = [...nodes.values()].filter((n) => !seen.has(n)).sort(byStart);
  for (const node of stranded) {
    if (seen.has(node)) continue;
    roots.push(node);
    walk(node);
  }
  for (let i = order.length - 1; i >= 0; i--) {
    const node = order[i]!;
    node.subtreeError =
      node.span.status.code === "ERROR" || node.children.some((c) => c.subtreeError);
  }
  return roots;
}

/** The rows shown: a pre-order walk that skips the children of collapsed spans. */
export function visibleRows(
  roots: readonly SpanNode[],
  collapsed: ReadonlySet<string>,
): SpanNode[] {
  const rows: SpanNode[] = [];
  const stack = [...roots].reverse();
  while (stack.length > 0) {
    const node = stack.pop()!;
    rows.push(node);
    if (collapsed.has(node.span.span_id)) continue;
    for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]!);
  }
  return rows;
}

/** Span ids from a root down to `spanId` (for expanding a deep-linked span's ancestors). */
export function ancestorIds(spans: readonly Span[], spanId: string): string[] {
  const parents = new Map(spans.map((s) => [s.span_id, s.parent_id ?? null]));
  const path: string[] = [];
  let current = parents.get(spanId) ?? null;
  while (current && !path.includes(current)) {
    path.push(current);
    current = parents.get(current) ?? null;
  }
  return path;
}

/** Ids of the spans whose name contains `query` (any case), in tree order. */
export function matchingSpans(roots: readonly SpanNode[], query: string): string[] {
  const needle = query.trim().toLowerCase();
  if (!needle) return [];
  return visibleRows(roots, new Set())
    .filter((node) => node.span.name.toLowerCase().includes(needle))
    .map((node) => node.span.span_id);
}
