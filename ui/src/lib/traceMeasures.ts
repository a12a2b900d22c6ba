// Latency, tokens and cost of a trace or a span, for comparing runs side by side.
import type { Span, Trace } from "../api/types";
import { costFromAttributes, usageFromAttributes } from "./chat";
import { buildSpanTree } from "./spanTree";
import { traceCost, traceTokens } from "./traceInfo";

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
