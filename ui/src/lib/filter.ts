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

/** `feedback.<name>` (or `expectation.<name>`): backticks around a name that is no identifier. */
export function assessmentField(
  name: string,
  kind: "feedback" | "expectation" = "feedback",
): string {
  const plain = /^[A-Za-z_][A-Za-z0-9_]*$/.test(name);
  return `${kind}.${plain ? name : `\`${name.replaceAll("`", "``")}\``}`;
}

/** A feedback value as a literal of the filter language; null for values it cannot compare. */
export function literal(value: unknown): string | null {
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (typeof value === "string") return quote(value);
  return null;
}

/** `feedback.<name> = <value>`, or null when the value has no literal (a list, an error). */
export function feedbackClause(name: string, value: unknown): string | null {
  const text = literal(value);
  return text == null ? null : `${assessmentField(name)} = ${text}`;
}

/** The user's filter with `clause` ANDed on (once; an OR in the text is kept together). */
export function addClause(text: string, clause: string): string {
  const current = text.trim();
  if (!current) return clause;
  if (current.includes(clause)) return current;
  return /\bOR\b/i.test(current) ? `(${current}) AND ${clause}` : `${current} AND ${clause}`;
}

export interface FilterOption {
  label: string;
  clause: string;
}

/** What the quick feedback filter offers for each feedback name of a summary. */
export function feedbackFilterOptions(
  entries: readonly {
    name: string;
    kind: string;
    value_type: string;
    values: Record<string, number>;
  }[],
): { name: string; options: FilterOption[] }[] {
  return entries
    .filter((e) => e.kind === "feedback")
    .map((e) => {
      const field = assessmentField(e.name);
      const options: FilterOption[] = [];
      if (e.value_type === "boolean") {
        options.push({ label: "✓ yes", clause: `${field} = true` });
        options.push({ label: "✗ no", clause: `${field} = false` });
      }
      for (const value of Object.keys(e.values).sort()) {
        const label = value.length > 40 ? `${value.slice(0, 40)}…` : value;
        options.push({ label, clause: `${field} = ${quote(value)}` });
      }
      // The option's group names the feedback; the labels say only the value.
      options.push({ label: "any value", clause: `${field} IS NOT NULL` });
      options.push({ label: "none", clause: `${field} IS NULL` });
      return { name: e.name, options };
    });
}
