/**
 * Reading what the spanscope server stored, over its REST API: a trace by id (waiting until
 * all its spans are in), its spans by name, its tree.
 */
import { expect, inject } from "vitest";
import { eventually, getTrace, type StoredSpan, type StoredTrace } from "@spanscope/test-support";

export const serverUrl = (): string => inject("serverUrl");
export const openaiBaseUrl = (): string => inject("openaiBaseUrl");

/** The stored trace `traceId` once it holds `spans` spans (exporters send spans as they end). */
export async function storedTrace(traceId: string, spans: number): Promise<StoredTrace> {
  return eventually(async () => {
    const trace = await getTrace(serverUrl(), traceId);
    return trace.data.spans.length >= spans ? trace : undefined;
  });
}

/** The one span named `name`. */
export function span(trace: StoredTrace, name: string): StoredSpan {
  const found = trace.data.spans.filter((s) => s.name === name);
  expect(found.map((s) => s.name), `spans named ${name}`).toEqual([name]);
  return found[0] as StoredSpan;
}

/** Start order; many JavaScript tracers start spans on the millisecond, so ties go by end. */
function byStart(a: StoredSpan, b: StoredSpan): number {
  return a.start_time_ns - b.start_time_ns || (a.end_time_ns ?? Infinity) - (b.end_time_ns ?? Infinity);
}

/** Every span named `name`, in start order. */
export function spans(trace: StoredTrace, name: string): StoredSpan[] {
  return trace.data.spans.filter((s) => s.name === name).sort(byStart);
}

export interface Node {
  name: string;
  type: string;
  children: Node[];
}

/** The trace as a tree of names and span types, children in start order. */
export function tree(trace: StoredTrace): Node[] {
  const ordered = [...trace.data.spans].sort(byStart);
  const ids = new Set(ordered.map((s) => s.span_id));
  const build = (parent: string | null): Node[] =>
    ordered
      .filter((s) => (parent === null ? s.parent_id === null || !ids.has(s.parent_id) : s.parent_id === parent))
      .map((s) => ({ name: s.name, type: s.span_type, children: build(s.span_id) }));
  return build(null);
}

/** A node of `tree()` for toEqual: name, type and children (none by default). */
export function node(name: string, type: string, children: Node[] = []): Node {
  return { name, type, children };
}

/** The text parts of a stored GenAI message list, as [role, text] pairs. */
export function texts(messages: unknown): [string, string][] {
  const out: [string, string][] = [];
  for (const message of (messages as { role: string; parts?: { type: string; content?: unknown }[] }[]) ?? []) {
    for (const part of message.parts ?? []) {
      if (part.type === "text") out.push([message.role, String(part.content)]);
    }
  }
  return out;
}

/** The parts of type `type` in a stored GenAI message list, each with its message's role. */
export function parts(messages: unknown, type: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const message of (messages as { role: string; parts?: Record<string, unknown>[] }[]) ?? []) {
    for (const part of message.parts ?? []) {
      if (part.type === type) out.push({ role: message.role, ...part });
    }
  }
  return out;
}
