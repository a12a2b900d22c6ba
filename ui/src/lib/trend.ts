// A score's trend across evaluation runs, as the points of an inline SVG sparkline.
import type { EvaluationRun } from "../api/types";
import { type Measure, measureOf, metricValue, scoreNames } from "./compare";

export interface Trend {
  name: string;
  measure: Measure | null;
  /** Oldest run first; null where a run has no value for the score. */
  values: (number | null)[];
  runs: EvaluationRun[];
}

/** Each score's values over the runs, oldest run first (`runs` may come in any order). */
export function scoreTrends(runs: readonly EvaluationRun[]): Trend[] {
  const ordered = [...runs].sort((a, b) => a.created_ms - b.created_ms);
  return scoreNames(ordered).map((name) => {
    const measure = measureOf(name, ordered);
    return {
      name,
      measure,
      values: ordered.map((r) => metricValue(r.metrics[name], measure)),
      runs: ordered,
    };
  });
}

export interface SparkPoint {
  x: number;
  y: number;
  index: number;
  value: number;
}

/**
 * Where each value sits in a `width` × `height` box (y grows downwards). Pass rates keep their
 * 0..1 scale so a flat 100% reads as high; other values span their own range. A missing value
 * leaves a gap in the x positions but no point.
 */
export function sparkPoints(
  values: readonly (number | null)[],
  width: number,
  height: number,
  measure: Measure | null,
  pad = 3,
): SparkPoint[] {
  const present = values.filter((v): v is number => v != null);
  if (present.length === 0) return [];
  let [low, high] = measure === "pass_rate" ? [0, 1] : [Math.min(...present), Math.max(...present)];
  if (high - low < 1e-12) [low, high] = [low - 1, high + 1];
  const step = values.length > 1 ? (width - 2 * pad) / (values.length - 1) : 0;
  const points: SparkPoint[] = [];
  values.forEach((value, index) => {
    if (value == null) return;
    const x = values.length > 1 ? pad + index * step : width / 2;
    const y = pad + (1 - (value - low) / (high - low)) * (height - 2 * pad);
    points.push({ x: round(x), y: round(y), index, value });
  });
  return points;
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
