// The critical path: the chain of spans that decides when the trace ends. From the root that
// ends last, step repeatedly to the child that ends last; shortening any span off this chain
// would not end the trace sooner.
import type { SpanNode } from "./spanTree";

/**
 * The span ids on the critical path, root first. A span still running ends "now", later than
 * any finished one. Ties go to the span that started earlier (it covers more of the path),
 * then to the earlier one in tree order.
 */
export function criticalPath(roots: readonly SpanNode[]): string[] {
  const path: string[] = [];
  const seen = new Set<SpanNode>();
  let node = latest(roots);
  while (node && !seen.has(node)) {
    seen.add(node);
    path.push(node.span.span_id);
    node = latest(node.children);
  }
  return path;
}

function latest(nodes: readonly SpanNode[]): SpanNode | undefined {
  let best: SpanNode | undefined;
  for (const node of nodes) {
    if (!best) {
      best = node;
      continue;
    }
    const end = endOf(node);
    const bestEnd = endOf(best);
    if (end > bestEnd || (end === bestEnd && node.span.start_time_ns < best.span.start_time_ns)) {
      best = node;
    }
  }
  return best;
}

function endOf(node: SpanNode): number {
  return node.span.end_time_ns ?? Number.POSITIVE_INFINITY;
}
