/**
 * The normalisation of a stored trace for the shape-parity golden file; the same rules as
 * `normalize_trace` in the repository's tests/test_shape_parity.py (listed in the golden
 * file's `_rules`).
 */
import type { StoredTrace } from "@spanscope/test-support";

const TIME_ATTRIBUTES = new Set(["spanscope.span.time_to_first_token_ns"]);

export function normalizeTrace(trace: StoredTrace): unknown {
  const depth = depths(trace.data.spans);
  const spans = [...trace.data.spans].sort(
    (a, b) =>
      a.start_time_ns - b.start_time_ns || depth.get(a.span_id)! - depth.get(b.span_id)! || a.span_id.localeCompare(b.span_id),
  );
  const index = new Map(spans.map((span, i) => [span.span_id, i]));
  const info = trace.info;
  return canonical({
    info: {
      name: info.name,
      state: info.state,
      request_preview: preview(info.request_preview),
      response_preview: preview(info.response_preview),
      metadata: Object.fromEntries(Object.entries(info.metadata ?? {}).map(([k, v]) => [k, maybeJson(v)])),
      tags: info.tags ?? {},
    },
    spans: spans.map((span) => ({
      parent: span.parent_id ? (index.get(span.parent_id) ?? null) : null,
      name: span.name,
      span_type: span.span_type,
      status: span.status,
      inputs: span.inputs,
      outputs: span.outputs,
      attributes: Object.fromEntries(Object.entries(span.attributes).map(([k, v]) => [k, TIME_ATTRIBUTES.has(k) ? "<ns>" : v])),
      events: span.events.map((event) => ({ name: event.name, attributes: event.attributes })),
    })),
  });
}

/** Each span's depth (a root 0): of two spans started in the same tick, the parent comes first. */
function depths(spans: StoredTrace["data"]["spans"]): Map<string, number> {
  const parents = new Map(spans.map((span) => [span.span_id, span.parent_id]));
  const depth = new Map<string, number>();
  for (const span of spans) {
    let level = 0;
    for (let id = span.parent_id; id && parents.has(id) && level < spans.length; id = parents.get(id) ?? null) level += 1;
    depth.set(span.span_id, level);
  }
  return depth;
}

/** A preview; dropped when it is JSON text cut at the preview limit (where the cut falls
 * depends on how each client orders keys and writes nulls; the spans are compared whole). */
function preview(value: unknown): unknown {
  const decoded = maybeJson(value);
  return typeof decoded === "string" && /^[[{]/.test(decoded) && decoded.endsWith("...") ? null : decoded;
}

function maybeJson(value: unknown): unknown {
  if (typeof value === "string" && (value.startsWith("{") || value.startsWith("["))) {
    try {
      return JSON.parse(value);
    } catch {
      return value;
    }
  }
  return value;
}

/** Null-valued keys dropped (nulls inside lists stay), keys sorted. */
export function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const item = (value as Record<string, unknown>)[key];
      if (item !== null && item !== undefined) out[key] = canonical(item);
    }
    return out;
  }
  return value;
}
