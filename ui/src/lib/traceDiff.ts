// Trace comparison: span trees matched by path, and what differs between matched spans.
// A span's path is the chain of span names from its root, each with its index among the
// same-named siblings (in start order), so the second `search` under `agent` is `agent/search[1]`.
// Ids and timestamps never count as a difference: two runs of one agent match span for span.
import type { Span } from "../api/types";
import { sameJson } from "./jsonDiff";
import { buildSpanTree, type SpanNode } from "./spanTree";

/** A span against the baseline's span at the same path. */
export type Change = "same" | "changed" | "added" | "missing";
/** The parts of a span that are compared. */
export type SpanField = "type" | "status" | "inputs" | "outputs" | "attributes";

export interface DiffRow {
  /** The span's path: deep-linkable (names URI-encoded, `[i]` for the i-th same-named sibling). */
  key: string;
  name: string;
  /** Index among same-named siblings, 0 for the first. */
  index: number;
  depth: number;
  /** The span at this path in each trace (null where it has none). */
  spans: (Span | null)[];
  /** Per trace, against the baseline (index 0, always null); null where neither has the span. */
  changes: (Change | null)[];
  /** Per trace, what differs from the baseline's span (empty unless changed). */
  fields: SpanField[][];
}

interface Merged {
  key: string;
  name: string;
  index: number;
  depth: number;
  nodes: (SpanNode | null)[];
  children: Merged[];
}

/**
 * The span trees of `traces` (the first is the baseline) merged by path, in pre-order: the
 * baseline's order, with spans only the others have placed after their preceding sibling.
 * With `roots`, each trace's tree is cut to the subtree of its span of that id, and those
 * subtree roots match whatever their names (comparing two spans).
 */
export function diffTraces(
  traces: readonly (readonly Span[])[],
  roots: readonly (string | null)[] | null = null,
): DiffRow[] {
  const forests = traces.map((spans, t) => {
    const tree = buildSpanTree(spans);
    const rootId = roots?.[t];
    if (rootId == null) return tree;
    const found = findNode(tree, rootId);
    return found ? [found] : [];
  });
  const top: Merged = {
    key: "",
    name: "",
    index: 0,
    depth: -1,
    nodes: traces.map(() => null),
    children: [],
  };
  top.children = mergeLevel(top, forests, roots !== null);
  // Iterative throughout: a deep chain of spans cannot overflow the stack.
  const pending = [...top.children];
  while (pending.length > 0) {
    const node = pending.pop()!;
    node.children = mergeLevel(
      node,
      node.nodes.map((n) => n?.children ?? []),
      false,
    );
    pending.push(...node.children);
  }
  const rows: DiffRow[] = [];
  const walk = [...top.children].reverse();
  while (walk.length > 0) {
    const node = walk.pop()!;
    rows.push(toRow(node));
    for (let i = node.children.length - 1; i >= 0; i--) walk.push(node.children[i]!);
  }
  return rows;
}

function findNode(roots: readonly SpanNode[], spanId: string): SpanNode | null {
  const stack = [...roots];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.span.span_id === spanId) return node;
    stack.push(...node.children);
  }
  return null;
}

/** One level's children of every trace, merged by (name, index among same-named siblings). */
function mergeLevel(
  parent: Merged,
  lists: readonly (readonly SpanNode[])[],
  anyName: boolean,
): Merged[] {
  const merged: Merged[] = [];
  const byKey = new Map<string, Merged>();
  lists.forEach((children, t) => {
    const seen = new Map<string, number>();
    let cursor = -1; // where this trace's last matched child sits in `merged`
    for (const child of children) {
      const name = anyName ? "" : child.span.name;
      const index = seen.get(name) ?? 0;
      seen.set(name, index + 1);
      const segment = anyName ? "*" : encodeURIComponent(name) + (index > 0 ? `[${index}]` : "");
      const key = parent.key === "" ? segment : `${parent.key}/${segment}`;
      let node = byKey.get(key);
      if (node) {
        cursor = Math.max(cursor, merged.indexOf(node));
      } else {
        node = {
          key,
          name: child.span.name,
          index,
          depth: parent.depth + 1,
          nodes: lists.map(() => null),
          children: [],
        };
        byKey.set(key, node);
        cursor += 1;
        merged.splice(cursor, 0, node);
      }
      node.nodes[t] = child;
    }
  });
  return merged;
}

function toRow(node: Merged): DiffRow {
  const spans = node.nodes.map((n) => n?.span ?? null);
  const base = spans[0] ?? null;
  const changes: (Change | null)[] = [];
  const fields: SpanField[][] = [];
  spans.forEach((span, t) => {
    let change: Change | null = null;
    let differ: SpanField[] = [];
    if (t > 0) {
      if (base && span) {
        differ = spanDifferences(base, span);
        change = differ.length > 0 ? "changed" : "same";
      } else if (span) change = "added";
      else if (base) change = "missing";
    }
    changes.push(change);
    fields.push(differ);
  });
  return {
    key: node.key,
    name: node.name,
    index: node.index,
    depth: node.depth,
    spans,
    changes,
    fields,
  };
}

/** What differs between two spans; ids, parents and times are not compared. */
export function spanDifferences(a: Span, b: Span): SpanField[] {
  const fields: SpanField[] = [];
  if (a.span_type !== b.span_type) fields.push("type");
  if (a.status.code !== b.status.code || a.status.message !== b.status.message) {
    fields.push("status");
  }
  if (!sameJson(a.inputs, b.inputs)) fields.push("inputs");
  if (!sameJson(a.outputs, b.outputs)) fields.push("outputs");
  if (!sameJson(a.attributes, b.attributes)) fields.push("attributes");
  return fields;
}

/** Counts of each change of trace `t` against the baseline. */
export function changeCounts(rows: readonly DiffRow[], t: number): Record<Change, number> {
  const counts: Record<Change, number> = { same: 0, changed: 0, added: 0, missing: 0 };
  for (const row of rows) {
    const change = row.changes[t];
    if (change) counts[change] += 1;
  }
  return counts;
}

/** A path's label: names joined by " › ", `#2` on the second of same-named siblings. */
export function pathLabel(key: string): string {
  return key
    .split("/")
    .map((segment) => {
      const m = /^(.*?)(?:\[(\d+)\])?$/.exec(segment)!;
      const name = m[1] === "*" ? "(compared span)" : decodeURIComponent(m[1]!);
      return m[2] ? `${name} #${Number(m[2]) + 1}` : name;
    })
    .join(" › ");
}
