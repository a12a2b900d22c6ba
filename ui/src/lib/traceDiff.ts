// Trace comparison: span trees matched by path, and what differs between matched spans.
// A span's path is the chain of span names from its root, each with its index among the
// same-named siblings (in start order), so the second `search` under `agent` is `agent/search[1]`.
// Ids and timestamps never count as a difference: two runs of one agent match span for span.
import type { Span, Trace } from "../api/types";
import { costFromAttributes, isObject, parseJson, usageFromAttributes } from "./chat";
import { buildSpanTree, type SpanNode } from "./spanTree";
import { traceCost, traceTokens } from "./traceInfo";

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

// Structural JSON diff

export type JsonDiff =
  | { kind: "same"; value: unknown }
  | { kind: "added"; value: unknown }
  | { kind: "removed"; value: unknown }
  | { kind: "changed"; before: unknown; after: unknown; lines: LineChange[] | null }
  | { kind: "object" | "array"; entries: [string, JsonDiff][] };

export interface LineChange {
  op: "same" | "added" | "removed";
  text: string;
}

/** Strings longer than this (or of several lines) get a line diff. */
export const LONG_STRING = 80;

/**
 * `after` against `before`: objects key by key (keys added, removed, changed), arrays by
 * content (see `diffArray`), and a changed leaf as both values (with a line diff for long
 * strings). `undefined` means absent. A string holding JSON (attributes from OTLP) is diffed
 * as its value.
 */
export function diffJson(before: unknown, after: unknown): JsonDiff {
  if (before === undefined && after === undefined) return { kind: "same", value: undefined };
  if (before === undefined) return { kind: "added", value: after };
  if (after === undefined) return { kind: "removed", value: before };
  const a = parseJson(before);
  const b = parseJson(after);
  if (isObject(a) && isObject(b)) {
    const keys = [...Object.keys(a), ...Object.keys(b).filter((k) => !(k in a))];
    const entries = keys.map((k): [string, JsonDiff] => [k, diffJson(a[k], b[k])]);
    return entries.every(([, d]) => d.kind === "same")
      ? { kind: "same", value: before }
      : { kind: "object", entries };
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const entries = diffArray(a, b);
    return entries.every(([, d]) => d.kind === "same")
      ? { kind: "same", value: before }
      : { kind: "array", entries };
  }
  if (sameJson(before, after)) return { kind: "same", value: before };
  const lines =
    typeof before === "string" && typeof after === "string" && isLong(before, after)
      ? lineDiff(before, after)
      : null;
  return { kind: "changed", before, after, lines };
}

/**
 * Two arrays by content: a longest common subsequence of equal elements (as `sameJson`)
 * stays unchanged wherever it moved, so a message inserted at the start of a chat shows as
 * one added element, not every later one changed. Between two unchanged elements, removed
 * and added elements pair up in order as changed (diffed inside); the rest are removed or
 * added. Entries are labelled by their index in `after`; a removed element by its index in
 * `before`, as `was 3`. Past the common head and tail, a middle of more than MAX_CELLS
 * pairs (2,000 × 2,000 elements: the LCS table is quadratic, 16 MB there) is diffed index by
 * index instead.
 */
function diffArray(a: readonly unknown[], b: readonly unknown[]): [string, JsonDiff][] {
  const keysA = a.map(canonicalJson);
  const keysB = b.map(canonicalJson);
  const ops = sequenceOps(keysA, keysB, positionalOps);
  const entries: [string, JsonDiff][] = [];
  let i = 0;
  let j = 0;
  let removed: number[] = [];
  let added: number[] = [];
  const flush = () => {
    const paired = Math.min(removed.length, added.length);
    for (let k = 0; k < paired; k++) {
      entries.push([String(added[k]), diffJson(a[removed[k]!], b[added[k]!])]);
    }
    for (const r of removed.slice(paired))
      entries.push([`was ${r}`, { kind: "removed", value: a[r] }]);
    for (const n of added.slice(paired)) entries.push([String(n), { kind: "added", value: b[n] }]);
    removed = [];
    added = [];
  };
  for (const op of ops) {
    if (op === "removed") removed.push(i++);
    else if (op === "added") added.push(j++);
    else {
      flush();
      entries.push([String(j), { kind: "same", value: b[j] }]);
      i++;
      j++;
    }
  }
  flush();
  return entries;
}

/** Index by index: a removal and an addition (paired: changed) where both have one. */
function positionalOps(ops: Op[], n: number, m: number): void {
  for (let k = 0; k < Math.max(n, m); k++) {
    if (k < n && k < m) ops.push("removed", "added");
    else ops.push(k < n ? "removed" : "added");
  }
}

/** All of one removed, then all of the other added. */
function replaceOps(ops: Op[], n: number, m: number): void {
  repeat(ops, "removed", n);
  repeat(ops, "added", m);
}

function repeat(ops: Op[], op: Op, count: number): void {
  for (let k = 0; k < count; k++) ops.push(op);
}

/** A value as text that two values share exactly when `sameJson` holds (keys sorted). */
function canonicalJson(value: unknown): string {
  const x = parseJson(value);
  if (x == null) return "null";
  if (Array.isArray(x)) return `[${x.map(canonicalJson).join(",")}]`;
  if (isObject(x)) {
    const keys = Object.keys(x).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(x[k])}`).join(",")}}`;
  }
  return JSON.stringify(x) ?? String(x);
}

function isLong(a: string, b: string): boolean {
  return a.length > LONG_STRING || b.length > LONG_STRING || a.includes("\n") || b.includes("\n");
}

/** The changed places of a diff as paths (`result.city`, `items[2]`); `$` for the whole value. */
export function changedPaths(diff: JsonDiff, path = ""): string[] {
  if (diff.kind === "same") return [];
  if (diff.kind !== "object" && diff.kind !== "array") return [path || "$"];
  return diff.entries.flatMap(([key, d]) =>
    changedPaths(d, diff.kind === "array" ? `${path}[${key}]` : path ? `${path}.${key}` : key),
  );
}

// Above this many cells (pairs of lines or elements, past the common head and tail) the LCS
// table (4 bytes a cell) is not built: lines give up on alignment, arrays go index by index.
const MAX_CELLS = 4_000_000;

/** A line diff of two texts (a longest common subsequence of lines). */
export function lineDiff(before: string, after: string): LineChange[] {
  const a = before.split("\n");
  const b = after.split("\n");
  const out: LineChange[] = [];
  let i = 0;
  let j = 0;
  for (const op of sequenceOps(a, b)) {
    if (op === "removed") out.push({ op, text: a[i++]! });
    else if (op === "added") out.push({ op, text: b[j++]! });
    else {
      out.push({ op, text: b[j++]! });
      i++;
    }
  }
  return out;
}

type Op = LineChange["op"];

/**
 * An edit script from `a` to `b`: a longest common subsequence kept (`same`), the rest removed
 * or added. Common head and tail first (typical edits leave most items alone); a middle of
 * more than MAX_CELLS pairs is left to `giveUp` (the table would be too big).
 */
function sequenceOps(
  a: readonly string[],
  b: readonly string[],
  giveUp: (ops: Op[], n: number, m: number) => void = replaceOps,
): Op[] {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (
    tail < a.length - head &&
    tail < b.length - head &&
    a[a.length - 1 - tail] === b[b.length - 1 - tail]
  ) {
    tail++;
  }
  const midA = a.slice(head, a.length - tail);
  const midB = b.slice(head, b.length - tail);
  const ops: Op[] = [];
  repeat(ops, "same", head);
  if (midA.length * midB.length > MAX_CELLS) giveUp(ops, midA.length, midB.length);
  else lcsOps(ops, midA, midB);
  repeat(ops, "same", tail);
  return ops;
}

function lcsOps(ops: Op[], a: readonly string[], b: readonly string[]): void {
  const n = a.length;
  const m = b.length;
  // lengths[i][j]: the common subsequence of a[i..] and b[j..], in one flat array.
  const lengths = new Uint32Array((n + 1) * (m + 1));
  const at = (i: number, j: number) => i * (m + 1) + j;
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lengths[at(i, j)] =
        a[i] === b[j]
          ? lengths[at(i + 1, j + 1)]! + 1
          : Math.max(lengths[at(i + 1, j)]!, lengths[at(i, j + 1)]!);
    }
  }
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      ops.push("same");
      i++;
      j++;
    } else if (lengths[at(i + 1, j)]! >= lengths[at(i, j + 1)]!) {
      ops.push("removed");
      i++;
    } else {
      ops.push("added");
      j++;
    }
  }
  repeat(ops, "removed", n - i);
  repeat(ops, "added", m - j);
}

/** Equal as JSON values: key order does not matter, a string holding JSON equals its value. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const x = parseJson(a);
  const y = parseJson(b);
  if (x === y) return true;
  if (x == null || y == null) return x == null && y == null;
  if (Array.isArray(x) || Array.isArray(y)) {
    return (
      Array.isArray(x) &&
      Array.isArray(y) &&
      x.length === y.length &&
      x.every((v, i) => sameJson(v, y[i]))
    );
  }
  if (isObject(x) && isObject(y)) {
    const keys = Object.keys(x);
    if (keys.length !== Object.keys(y).length) return false;
    return keys.every((k) => k in y && sameJson(x[k], y[k]));
  }
  return false;
}

// Latency, tokens and cost

export interface Measures {
  durationMs: number | null;
  tokensIn: number | null;
  tokensOut: number | null;
  tokensTotal: number | null;
  cost: number | null;
}

export type Measure = keyof Measures;

export const MEASURES: [Measure, string][] = [
  ["durationMs", "Latency"],
  ["tokensIn", "Tokens in"],
  ["tokensOut", "Tokens out"],
  ["tokensTotal", "Total tokens"],
  ["cost", "Cost"],
];

/** A trace's latency, tokens and cost: its info's, else the sum over its spans. */
export function traceMeasures(trace: Trace): Measures {
  const info = trace.info;
  const spans = trace.data.spans;
  const fromSpans = sumMeasures(spans.map(spanMeasures));
  const root = buildSpanTree(spans)[0]?.span;
  return {
    durationMs: info.execution_duration ?? (root ? spanMeasures(root).durationMs : null),
    tokensIn: traceTokens(info, "input") ?? fromSpans.tokensIn,
    tokensOut: traceTokens(info, "output") ?? fromSpans.tokensOut,
    tokensTotal: traceTokens(info, "total") ?? fromSpans.tokensTotal,
    cost: traceCost(info) ?? fromSpans.cost,
  };
}

/** A span's own latency, tokens and cost (an LLM call's usage; not its children's). */
export function spanMeasures(span: Span): Measures {
  const usage = usageFromAttributes(span.attributes);
  return {
    durationMs: span.end_time_ns == null ? null : (span.end_time_ns - span.start_time_ns) / 1e6,
    tokensIn: usage?.input ?? null,
    tokensOut: usage?.output ?? null,
    tokensTotal: usage?.total ?? null,
    cost: costFromAttributes(span.attributes),
  };
}

function sumMeasures(list: readonly Measures[]): Measures {
  const sum = (m: Measure) =>
    list.reduce<number | null>((acc, x) => (x[m] == null ? acc : (acc ?? 0) + x[m]), null);
  return {
    durationMs: null,
    tokensIn: sum("tokensIn"),
    tokensOut: sum("tokensOut"),
    tokensTotal: sum("tokensTotal"),
    cost: sum("cost"),
  };
}

/** `value - base`; null when either is unknown. */
export function delta(base: number | null, value: number | null): number | null {
  return base == null || value == null ? null : value - base;
}
