// The search box: quick filters compiled to the filter language, and filter errors located in
// the text the user typed.

export type StateFilter = "" | "OK" | "ERROR" | "IN_PROGRESS";

export interface QuickFilters {
  state: StateFilter;
  spanType: string;
  /** Only traces newer than this many ms before `now`; 0 for any time. */
  sinceMs: number;
}

export const NO_QUICK_FILTERS: QuickFilters = { state: "", spanType: "", sinceMs: 0 };

/** A string literal of the filter language (the quote doubled inside). */
export function quote(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

export function quickFilterClauses(quick: QuickFilters, now: number): string[] {
  const clauses: string[] = [];
  if (quick.state) clauses.push(`status = ${quote(quick.state)}`);
  if (quick.spanType) clauses.push(`span.type = ${quote(quick.spanType)}`);
  if (quick.sinceMs > 0) clauses.push(`timestamp_ms >= ${Math.floor(now - quick.sinceMs)}`);
  return clauses;
}

export interface CombinedFilter {
  filter: string | null;
  /** Where the user's text starts inside `filter` (to map an error position back). */
  userOffset: number;
}

/** The user's filter AND the quick filters, as one filter string. */
export function combineFilter(userText: string, quick: QuickFilters, now: number): CombinedFilter {
  const user = userText.trim() ? userText : "";
  const clauses = quickFilterClauses(quick, now);
  if (!user) return { filter: clauses.length ? clauses.join(" AND ") : null, userOffset: 0 };
  if (!clauses.length) return { filter: user, userOffset: 0 };
  return { filter: `(${user}) AND ${clauses.join(" AND ")}`, userOffset: 1 };
}

export interface ErrorLocation {
  before: string;
  at: string;
  after: string;
  /** 0-based column of the error in the user's text. */
  column: number;
}

/**
 * Split the user's text around an error position reported for the combined filter, so the UI
 * can mark the offending character. Null when the position lies outside the user's text.
 */
export function locateError(
  userText: string,
  position: number | null | undefined,
  userOffset: number,
): ErrorLocation | null {
  if (position == null) return null;
  const column = position - userOffset;
  if (column < 0 || column > userText.length) return null;
  return {
    before: userText.slice(0, column),
    // The end of the text is a position too ("expected a value"): mark a blank there.
    at: userText.slice(column, column + 1) || " ",
    after: userText.slice(column + 1),
    column,
  };
}

/**
 * The server's message without its echoed filter and caret lines and without its position
 * (which counts in the filter sent, not the text typed; the UI draws its own caret), plus
 * the line that says what is accepted, when there is one.
 */
export function errorHeadline(message: string): string {
  const lines = message.split("\n");
  const first = (lines[0] ?? message).replace(/ \(at position \d+\)$/, "");
  const accepted = lines.find((line) => line.startsWith("accepted"));
  return accepted ? `${first}\n${accepted}` : first;
}
