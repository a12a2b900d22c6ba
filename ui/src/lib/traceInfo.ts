// Values of a trace row read from its info (metadata keys in one place).
import type { TraceInfo } from "../api/types";
import { isObject, parseJson } from "./chat";
import { TraceMeta } from "./keys";

export type TokenCount = "input" | "output" | "total";

/** The trace's count of input, output or total tokens; null when no LLM call reported usage.
 * Only a non-negative integer is a count, as the server searches and sorts by it. */
export function traceTokens(info: TraceInfo, count: TokenCount = "total"): number | null {
  const usage = parseJson(info.metadata[TraceMeta.tokenUsage]);
  if (!isObject(usage)) return null;
  const value = usage[`${count}_tokens`];
  return typeof value === "number" && Number.isInteger(value) && value >= 0 ? value : null;
}

/** The trace's cost in USD, null when none of its LLM calls could be priced. */
export function traceCost(info: TraceInfo): number | null {
  const total = info.cost?.total;
  return typeof total === "number" ? total : null;
}

export function traceSession(info: TraceInfo): string | null {
  return info.metadata[TraceMeta.session] ?? null;
}

export function traceUser(info: TraceInfo): string | null {
  return info.metadata[TraceMeta.user] ?? null;
}

/**
 * A trace id from what a person pasted: the id itself, or the id in a trace page's address
 * (`…/traces/<id>?span=…`); null for anything else.
 */
export function traceIdFrom(text: string): string | null {
  const trimmed = text.trim();
  const inAddress = /\/traces\/([^/?#\s]+)\/?(?:[?#]|$)/.exec(trimmed);
  const id = inAddress ? inAddress[1]! : trimmed;
  return id && id !== "compare" && !/[\s,/?#:%]/.test(id) ? id : null;
}
