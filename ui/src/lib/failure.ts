// Where a failed trace opens: the span that failed, not the root that only passed it on.
import type { SpanNode } from "./spanTree";
import { visibleRows } from "./spanTree";

/** The deepest span with status ERROR (the first in tree order among equally deep ones), or
 * null when no span failed. Ancestors of a failing span usually fail too, re-raising its
 * exception; the deepest one is where it was raised. */
export function failingSpanId(roots: readonly SpanNode[]): string | null {
  let found: SpanNode | null = null;
  for (const node of visibleRows(roots, new Set())) {
    if (node.span.status.code !== "ERROR") continue;
    if (found === null || node.depth > found.depth) found = node;
  }
  return found?.span.span_id ?? null;
}
