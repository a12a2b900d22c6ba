import { describe, expect, it } from "vitest";
import type { EvaluationRun, ScoreMetrics } from "../api/types";
import { scoreTrends, sparkPoints } from "./trend";

function run(id: string, created: number, m: Record<string, Partial<ScoreMetrics>>): EvaluationRun {
  const metrics = Object.fromEntries(
    Object.entries(m).map(([k, v]) => [
      k,
      { count: 1, errors: 0, mean: null, pass_rate: null, value_counts: {}, ...v },
    ]),
  );
  return {
    run_id: id,
    experiment_id: "1",
    name: id,
    status: "FINISHED",
    dataset_id: null,
    dataset_name: null,
    dataset_version: null,
    scorers: [],
    metrics,
    item_count: 1,
    tags: {},
    created_ms: created,
    finished_ms: null,
  };
}

describe("scoreTrends", () => {
  it("orders runs oldest first and reads each score by its measure", () => {
    // Newest first, as the API lists them.
    const trends = scoreTrends([
      run("c", 3, { ok: { pass_rate: 1, mean: 1 }, len: { mean: 7 } }),
      run("b", 2, { ok: { pass_rate: 0.5, mean: 0.5 } }),
      run("a", 1, { ok: { pass_rate: 0.25, mean: 0.25 }, len: { mean: 5 } }),
    ]);
    expect(trends.map((t) => [t.name, t.measure, t.values])).toEqual([
      ["ok", "pass_rate", [0.25, 0.5, 1]],
      ["len", "mean", [5, null, 7]],
    ]);
    expect(trends[0]!.runs.map((r) => r.run_id)).toEqual(["a", "b", "c"]);
  });
});

describe("sparkPoints", () => {
  it("keeps pass rates on a 0..1 scale", () => {
    expect(sparkPoints([0, 0.5, 1], 104, 26, "pass_rate", 2)).toEqual([
      { x: 2, y: 24, index: 0, value: 0 },
      { x: 52, y: 13, index: 1, value: 0.5 },
      { x: 102, y: 2, index: 2, value: 1 },
    ]);
  });

  it("spans a mean's own range and skips missing values", () => {
    const points = sparkPoints([2, null, 4], 100, 20, "mean", 0);
    expect(points.map((p) => [p.x, p.y, p.index])).toEqual([
      [0, 20, 0],
      [100, 0, 2],
    ]);
  });

  it("draws a flat series in the middle and one value at the centre", () => {
    expect(sparkPoints([3, 3], 100, 20, "mean", 0).map((p) => p.y)).toEqual([10, 10]);
    expect(sparkPoints([3], 100, 20, "mean", 0)).toEqual([{ x: 50, y: 10, index: 0, value: 3 }]);
    expect(sparkPoints([null], 100, 20, "mean")).toEqual([]);
  });
});
