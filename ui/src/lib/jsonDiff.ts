// Structural JSON diff: two values key by key and item by item, long strings line by line.
import { isObject, parseJson } from "./chat";

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
