// Evaluation runs side by side: per-score aggregates with deltas against the first (baseline)
// run, and per-record rows matched by record_id with what got worse or better.
import type { EvaluationItem, EvaluationRun, Score, ScoreMetrics } from "../api/types";

/** How a value compares with the baseline's. */
export type Change = "regressed" | "improved" | "same";

/** The aggregate a score is read by: its pass rate (booleans) or its mean (numbers). */
export type Measure = "pass_rate" | "mean";

// Floating point noise in means must not read as a change.
const EPSILON = 1e-9;

/** The score names of the runs: each run's scorers in order, then any other metric names. */
export function scoreNames(runs: readonly EvaluationRun[]): string[] {
  const names: string[] = [];
  const seen = new Set<string>();
  const add = (name: string) => {
    if (!seen.has(name)) {
      seen.add(name);
      names.push(name);
    }
  };
  for (const run of runs) run.scorers.forEach((s) => add(s.name));
  for (const run of runs) Object.keys(run.metrics).forEach(add);
  return names;
}

/** The measure of one score over runs: the pass rate when any run has one, else the mean. */
export function measureOf(name: string, runs: readonly EvaluationRun[]): Measure | null {
  const metrics = runs.map((r) => r.metrics[name]).filter((m): m is ScoreMetrics => m != null);
  if (metrics.some((m) => m.pass_rate != null)) return "pass_rate";
  if (metrics.some((m) => m.mean != null)) return "mean";
  return null;
}

export function metricValue(metrics: ScoreMetrics | undefined, measure: Measure | null) {
  if (!metrics || !measure) return null;
  return metrics[measure];
}

function changeOf(delta: number | null, higherIsBetter = true): Change {
  if (delta == null || Math.abs(delta) < EPSILON) return "same";
  return delta > 0 === higherIsBetter ? "improved" : "regressed";
}

export interface AggregateCell {
  metrics: ScoreMetrics | null;
  value: number | null;
  /** value − the baseline's value; null for the baseline itself or when either is missing. */
  delta: number | null;
  change: Change;
  errors: number;
  /** errors − the baseline's errors (more errors is a regression). */
  errorsDelta: number | null;
  errorsChange: Change;
}

export interface AggregateRow {
  name: string;
  measure: Measure | null;
  /** One per run, in the runs' order; the first is the baseline. */
  cells: AggregateCell[];
}

/** Per score name, each run's aggregate and its difference from the baseline (the first run). */
export function compareAggregates(runs: readonly EvaluationRun[]): AggregateRow[] {
  return scoreNames(runs).map((name) => {
    const measure = measureOf(name, runs);
    const base = runs[0]?.metrics[name];
    const baseValue = metricValue(base, measure);
    const cells = runs.map((run, index): AggregateCell => {
      const metrics = run.metrics[name] ?? null;
      const value = metricValue(metrics ?? undefined, measure);
      const errors = metrics?.errors ?? 0;
      const compared = index > 0 && metrics != null && base != null;
      const delta = compared && value != null && baseValue != null ? value - baseValue : null;
      const errorsDelta = compared ? errors - base.errors : null;
      return {
        metrics,
        value,
        delta,
        change: changeOf(delta),
        errors,
        errorsDelta,
        errorsChange: changeOf(errorsDelta, false),
      };
    });
    return { name, measure, cells };
  });
}

/** How one score of a row compares with the baseline row's score of the same name. */
export function scoreChange(base: Score | undefined, score: Score | undefined): Change {
  if (!base || !score) return "same";
  if (score.error != null) return base.error == null ? "regressed" : "same";
  if (base.error != null) return score.value != null ? "improved" : "same";
  const [before, after] = [base.value, score.value];
  if (typeof before === "boolean" && typeof after === "boolean") {
    return before === after ? "same" : after ? "improved" : "regressed";
  }
  if (typeof before === "number" && typeof after === "number") return changeOf(after - before);
  return "same";
}

export interface CompareCell {
  /** This run's row for the record, or null when the run did not score it. */
  item: EvaluationItem | null;
  /** Score names worse than the baseline's; "error" when the row newly failed. */
  regressions: string[];
  improvements: string[];
}

export interface CompareRow {
  /** record_id, with "#n" for the n-th repeat of the same inputs within a run. */
  key: string;
  record_id: string;
  inputs: unknown;
  expectations: Record<string, unknown>;
  /** One per run, in the runs' order; the first is the baseline. */
  cells: CompareCell[];
  regressed: boolean;
  improved: boolean;
}

/** The name a row-level failure (predict_fn raised) is listed under in regressions. */
export const ROW_ERROR = "error";

/**
 * The records of the runs as rows, matched by record_id (the k-th repeat of a record in one
 * run matches the k-th in another), in the baseline's order, then each later run's new ones.
 * `itemsByRun[i]` are the items of run i; run 0 is the baseline.
 */
export function compareRows(itemsByRun: readonly (readonly EvaluationItem[])[]): CompareRow[] {
  const keyed = itemsByRun.map((items) => {
    const repeats = new Map<string, number>();
    const byKey = new Map<string, EvaluationItem>();
    const keys: string[] = [];
    for (const item of [...items].sort((a, b) => a.position - b.position)) {
      const n = repeats.get(item.record_id) ?? 0;
      repeats.set(item.record_id, n + 1);
      const key = n === 0 ? item.record_id : `${item.record_id}#${n + 1}`;
      byKey.set(key, item);
      keys.push(key);
    }
    return { byKey, keys };
  });
  const order: string[] = [];
  const seen = new Set<string>();
  for (const { keys } of keyed) {
    for (const key of keys) {
      if (!seen.has(key)) {
        seen.add(key);
        order.push(key);
      }
    }
  }
  return order.map((key) => {
    const items = keyed.map(({ byKey }) => byKey.get(key) ?? null);
    const base = items[0] ?? null;
    const cells = items.map((item, index): CompareCell => {
      if (index === 0 || !item || !base) return { item, regressions: [], improvements: [] };
      const regressions: string[] = [];
      const improvements: string[] = [];
      if (item.error != null && base.error == null) regressions.push(ROW_ERROR);
      if (item.error == null && base.error != null) improvements.push(ROW_ERROR);
      for (const name of Object.keys(item.scores)) {
        const change = scoreChange(base.scores[name], item.scores[name]);
        if (change === "regressed") regressions.push(name);
        if (change === "improved") improvements.push(name);
      }
      return { item, regressions, improvements };
    });
    const first = items.find((i) => i != null)!;
    return {
      key,
      record_id: first.record_id,
      inputs: first.inputs,
      expectations: first.expectations,
      cells,
      regressed: cells.some((c) => c.regressions.length > 0),
      improved: cells.some((c) => c.improvements.length > 0),
    };
  });
}

/** An aggregate as text: a pass rate as a percentage, a mean with up to 3 decimals. */
export function formatMeasure(measure: Measure | null, value: number | null): string {
  if (value == null || measure == null) return "—";
  if (measure === "pass_rate") return `${round(value * 100, 1)}%`;
  return String(round(value, 3));
}

/** A delta as text with its sign: percentage points for pass rates. */
export function formatDelta(measure: Measure | null, delta: number | null): string {
  if (delta == null || measure == null) return "";
  const shown = measure === "pass_rate" ? round(delta * 100, 1) : round(delta, 3);
  const sign = shown > 0 ? "+" : shown < 0 ? "−" : "±";
  return `${sign}${Math.abs(shown)}${measure === "pass_rate" ? " pp" : ""}`;
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
