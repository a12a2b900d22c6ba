// Assessments as the UI shows them: a feedback with its history of overrides, values as text,
// the values a form accepts, per-name summaries, and who the person giving feedback is.
import type { Assessment, AssessmentSummaryEntry, TraceInfo } from "../api/types";

/**
 * The name of the thumbs up / down feedback: a boolean from a HUMAN source, as MLflow's
 * end-user feedback ("user_satisfaction", true for thumbs up), so its summaries and filters
 * read the same in both.
 */
export const THUMBS_NAME = "user_satisfaction";

/** One assessment as it stands now, with the ones it overrode (newest first). */
export interface AssessmentThread {
  current: Assessment;
  history: Assessment[];
}

/** The assessments of the trace itself (`spanId` null) or of one span, each with its history. */
export function assessmentThreads(
  assessments: readonly Assessment[],
  spanId: string | null,
): AssessmentThread[] {
  const mine = assessments.filter((a) => (a.span_id ?? null) === spanId);
  const byId = new Map(mine.flatMap((a) => (a.assessment_id ? [[a.assessment_id, a]] : [])));
  const overridden = new Set(mine.flatMap((a) => (a.overrides ? [a.overrides] : [])));
  const heads = mine.filter((a) => !a.assessment_id || !overridden.has(a.assessment_id));
  return heads.sort(byKindNameTime).map((current) => {
    const history: Assessment[] = [];
    const seen = new Set<string>();
    let next = current.overrides ? byId.get(current.overrides) : undefined;
    while (next && !seen.has(next.assessment_id!)) {
      seen.add(next.assessment_id!);
      history.push(next);
      next = next.overrides ? byId.get(next.overrides) : undefined;
    }
    return { current, history };
  });
}

function byKindNameTime(a: Assessment, b: Assessment): number {
  if (a.kind !== b.kind) return a.kind === "feedback" ? -1 : 1;
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  return (a.create_time_ms ?? 0) - (b.create_time_ms ?? 0);
}

/** A value as text: ✓ / ✗ for booleans (with "yes" / "no" unless `short`), JSON for objects. */
export function formatValue(value: unknown, short = false): string {
  if (value === true) return short ? "✓" : "✓ yes";
  if (value === false) return short ? "✗" : "✗ no";
  if (value == null) return "—";
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) return value.join(", ");
  return JSON.stringify(value);
}

/** The CSS class that colours a pass (true) or a fail (false). */
export function valueClass(value: unknown): string {
  return value === true ? "pass" : value === false ? "fail" : "";
}

/** What an assessment says: its value, or the judge's error when it produced none. */
export function formatAssessment(a: Assessment, short = false): string {
  if (a.value == null && a.error) return `error: ${a.error.error_code}`;
  return formatValue(a.value, short);
}

/** The kinds of feedback value the form offers. */
export type FeedbackType = "yes-no" | "number" | "category" | "text";

export const FEEDBACK_TYPES: readonly [FeedbackType, string][] = [
  ["yes-no", "Yes / no"],
  ["number", "Number"],
  ["category", "Category"],
  ["text", "Text"],
];

export type Parsed = { ok: true; value: unknown } | { ok: false; error: string };

/** The value typed in the form, as the API takes it, or why it is not one. */
export function parseFeedbackValue(type: FeedbackType, raw: string): Parsed {
  switch (type) {
    case "yes-no": {
      const word = raw.trim().toLowerCase();
      if (word === "yes" || word === "true") return { ok: true, value: true };
      if (word === "no" || word === "false") return { ok: true, value: false };
      return { ok: false, error: "choose yes or no" };
    }
    case "number": {
      const number = raw.trim() === "" ? NaN : Number(raw.trim());
      return Number.isFinite(number)
        ? { ok: true, value: number }
        : { ok: false, error: `not a number: ${raw}` };
    }
    case "category":
      return raw.trim()
        ? { ok: true, value: raw.trim() }
        : { ok: false, error: "a value is needed" };
    case "text":
      return raw.trim() ? { ok: true, value: raw } : { ok: false, error: "a value is needed" };
  }
}

/** An expectation is any JSON value but null (text needs its quotes: "Paris"). */
export function parseExpectationValue(raw: string): Parsed {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, error: `not JSON (${reason}); write text in quotes: "like this"` };
  }
  return value === null
    ? { ok: false, error: "an expectation needs a value" }
    : { ok: true, value };
}

/** The form type that edits `value`, and the text it starts with. */
export function editorFor(value: unknown): { type: FeedbackType; raw: string } {
  if (typeof value === "boolean") return { type: "yes-no", raw: value ? "yes" : "no" };
  if (typeof value === "number") return { type: "number", raw: String(value) };
  if (typeof value === "string") {
    return { type: value.includes("\n") || value.length > 60 ? "text" : "category", raw: value };
  }
  return { type: "category", raw: value == null ? "" : formatValue(value) };
}

/** The valid feedbacks called `name` on a trace (or any of its spans), newest first. */
export function validFeedback(info: TraceInfo, name: string): Assessment[] {
  return (info.assessments ?? [])
    .filter((a) => a.kind === "feedback" && a.valid && a.name === name)
    .sort((a, b) => (b.create_time_ms ?? 0) - (a.create_time_ms ?? 0));
}

/** This reviewer's valid thumbs on the trace (`spanId` null) or span, if they gave one. */
export function ownThumbs(
  assessments: readonly Assessment[],
  spanId: string | null,
  reviewer: string,
): Assessment | null {
  return (
    assessments.find(
      (a) =>
        a.kind === "feedback" &&
        a.valid &&
        a.name === THUMBS_NAME &&
        (a.span_id ?? null) === spanId &&
        a.source.source_type === "HUMAN" &&
        a.source.source_id === reviewer,
    ) ?? null
  );
}

/** Feedback names: the experiment's (from its summary) and those of the traces on screen. */
export function feedbackNames(
  infos: readonly TraceInfo[],
  summary: readonly AssessmentSummaryEntry[] | null | undefined,
): string[] {
  const names = new Set<string>();
  for (const entry of summary ?? []) if (entry.kind === "feedback") names.add(entry.name);
  for (const info of infos) {
    for (const a of info.assessments ?? []) if (a.kind === "feedback") names.add(a.name);
  }
  return [...names].sort();
}

/**
 * A summary computed from the traces at hand, shaped as the server's (which counts the whole
 * experiment): what the filter menu offers when the server's summary is not available.
 */
export function summarize(infos: readonly TraceInfo[]): AssessmentSummaryEntry[] {
  const groups = new Map<string, Assessment[]>();
  for (const info of infos) {
    for (const a of info.assessments ?? []) {
      if (!a.valid) continue;
      const key = `${a.kind}\u0000${a.name}`;
      groups.set(key, [...(groups.get(key) ?? []), a]);
    }
  }
  return [...groups.values()]
    .map((group) =>
      summaryOf(
        group[0]!.name,
        group[0]!.kind,
        group.map((a) => a.value),
      ),
    )
    .sort((a, b) => (a.kind === b.kind ? (a.name < b.name ? -1 : 1) : a.kind < b.kind ? 1 : -1));
}

// As the server counts (AssessmentSummary in spanscope/entities/assessment.py).
function summaryOf(
  name: string,
  kind: "feedback" | "expectation",
  values: unknown[],
): AssessmentSummaryEntry {
  const booleans = values.filter((v): v is boolean => typeof v === "boolean");
  const numbers = values.filter((v): v is number => typeof v === "number");
  const strings = values.filter((v): v is string => typeof v === "string");
  const comparable = (
    [
      [booleans, "boolean"],
      [numbers, "number"],
      [strings, "string"],
    ] as const
  ).flatMap(([found, type]) => (found.length ? [type] : []));
  const counts: Record<string, number> = {};
  for (const v of strings) counts[v] = (counts[v] ?? 0) + 1;
  return {
    name,
    kind,
    count: values.length,
    value_type:
      comparable.length === 1 ? comparable[0]! : comparable.length > 1 ? "mixed" : "other",
    pass_rate: booleans.length ? booleans.filter((v) => v).length / booleans.length : null,
    mean: numbers.length ? numbers.reduce((sum, n) => sum + n, 0) / numbers.length : null,
    values: counts,
    errors: values.filter((v) => v == null).length,
  };
}

/** "75% ✓", "mean 3.5", "good 3 · bad 1": the headline of one summary entry. */
export function summaryHeadline(entry: AssessmentSummaryEntry): string {
  const parts: string[] = [];
  if (entry.pass_rate != null) parts.push(`${Math.round(entry.pass_rate * 100)}% ✓`);
  if (entry.mean != null) parts.push(`mean ${Number(entry.mean.toFixed(2))}`);
  const values = Object.entries(entry.values ?? {}).sort((a, b) => b[1] - a[1]);
  parts.push(...values.slice(0, 3).map(([v, n]) => `${v} ${n}`));
  if (values.length > 3) parts.push("…");
  if (entry.errors) parts.push(`${entry.errors} ${entry.errors === 1 ? "error" : "errors"}`);
  return parts.length ? parts.join(" · ") : entry.value_type;
}

const REVIEWER_KEY = "spanscope.reviewer";
/** The source_id of feedback given in this browser when nobody said who they are. */
export const DEFAULT_REVIEWER = "ui";

export function loadReviewer(): string {
  try {
    return localStorage.getItem(REVIEWER_KEY)?.trim() || DEFAULT_REVIEWER;
  } catch {
    return DEFAULT_REVIEWER; // storage blocked
  }
}

export function saveReviewer(name: string): void {
  try {
    if (name.trim()) localStorage.setItem(REVIEWER_KEY, name.trim());
    else localStorage.removeItem(REVIEWER_KEY);
  } catch {
    // Storage blocked (a notebook's cross-site iframe): the name lasts for this page.
  }
}
