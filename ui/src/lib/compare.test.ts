import { describe, expect, it } from "vitest";
import type { EvaluationItem, EvaluationRun, Score, ScoreMetrics } from "../api/types";
import {
  compareAggregates,
  compareRows,
  formatDelta,
  formatMeasure,
  scoreChange,
  scoreNames,
} from "./compare";

function metrics(fields: Partial<ScoreMetrics>): ScoreMetrics {
  return { count: 0, errors: 0, mean: null, pass_rate: null, value_counts: {}, ...fields };
}

function run(id: string, m: Record<string, ScoreMetrics>, scorers: string[] = []): EvaluationRun {
  return {
    run_id: id,
    experiment_id: "1",
    name: id,
    status: "FINISHED",
    dataset_id: null,
    dataset_name: null,
    dataset_version: null,
    scorers: scorers.map((name) => ({ name, kind: "CODE", model: null })),
    metrics: m,
    item_count: 0,
    tags: {},
    created_ms: 0,
    finished_ms: null,
  };
}

function score(value: unknown, error: string | null = null): Score {
  return { value, rationale: null, error, assessment_id: null };
}

function item(
  position: number,
  recordId: string,
  scores: Record<string, Score>,
  error: string | null = null,
): EvaluationItem {
  return {
    position,
    record_id: recordId,
    inputs: { q: recordId },
    outputs: `answer ${recordId}`,
    expectations: {},
    trace_id: `t-${recordId}-${position}`,
    scores,
    error,
  };
}

describe("scoreNames", () => {
  it("lists scorers in order, then other metric names, once each", () => {
    const runs = [
      run("a", { extra: metrics({}), exact: metrics({}) }, ["exact", "judge"]),
      run("b", { judge: metrics({}), late: metrics({}) }, ["judge", "exact", "latency"]),
    ];
    expect(scoreNames(runs)).toEqual(["exact", "judge", "latency", "extra", "late"]);
  });
});

describe("compareAggregates", () => {
  it("reads booleans by pass rate and numbers by mean, with deltas against the first run", () => {
    const runs = [
      run("base", {
        correct: metrics({ count: 4, pass_rate: 0.75, mean: 0.75 }),
        quality: metrics({ count: 4, mean: 3.5 }),
      }),
      run("next", {
        correct: metrics({ count: 4, pass_rate: 0.5, mean: 0.5, errors: 1 }),
        quality: metrics({ count: 4, mean: 4 }),
      }),
      run("same", {
        correct: metrics({ count: 4, pass_rate: 0.75, mean: 0.75 }),
      }),
    ];
    const [correct, quality] = compareAggregates(runs);
    expect(correct!.measure).toBe("pass_rate");
    expect(correct!.cells.map((c) => [c.value, c.delta, c.change])).toEqual([
      [0.75, null, "same"],
      [0.5, -0.25, "regressed"],
      [0.75, 0, "same"],
    ]);
    expect(correct!.cells[1]).toMatchObject({
      errors: 1,
      errorsDelta: 1,
      errorsChange: "regressed",
    });
    expect(quality!.measure).toBe("mean");
    expect(quality!.cells.map((c) => [c.value, c.delta, c.change])).toEqual([
      [3.5, null, "same"],
      [4, 0.5, "improved"],
      [null, null, "same"], // not scored in that run
    ]);
  });

  it("has no delta for a score the baseline lacks", () => {
    const [row] = compareAggregates([run("a", {}), run("b", { new: metrics({ mean: 1 }) })]);
    expect(row!.cells[1]).toMatchObject({ value: 1, delta: null, errorsDelta: null });
  });

  it("takes a mean of floats as unchanged when it differs by noise only", () => {
    const [row] = compareAggregates([
      run("a", { m: metrics({ mean: 0.1 + 0.2 }) }),
      run("b", { m: metrics({ mean: 0.3 }) }),
    ]);
    expect(row!.cells[1]!.change).toBe("same");
  });
});

describe("scoreChange", () => {
  it.each([
    [score(true), score(false), "regressed"],
    [score(false), score(true), "improved"],
    [score(true), score(true), "same"],
    [score(3), score(2.5), "regressed"],
    [score(3), score(4), "improved"],
    [score(3), score(3), "same"],
    [score(true), score(null, "judge timed out"), "regressed"],
    [score(null, "timeout"), score(null, "timeout again"), "same"],
    [score(null, "timeout"), score(false), "improved"],
    [score("good"), score("bad"), "same"],
    [undefined, score(false), "same"],
    [score(true), undefined, "same"],
  ] as const)("%o then %o is %s", (before, after, expected) => {
    expect(scoreChange(before, after)).toBe(expected);
  });
});

describe("compareRows", () => {
  it("matches records by id and flags a bool turned false, a lower number, a new error", () => {
    const base = [
      item(0, "r1", { correct: score(true), quality: score(4) }),
      item(1, "r2", { correct: score(true), quality: score(3) }),
      item(2, "r3", { correct: score(false), quality: score(2) }),
      item(3, "r4", { correct: score(true) }),
    ];
    // Another order: rows are matched by record id, not position.
    const next = [
      item(0, "r3", { correct: score(true), quality: score(2) }),
      item(1, "r2", { correct: score(true), quality: score(2) }),
      item(2, "r1", { correct: score(false), quality: score(4) }),
      item(3, "r4", {}, "predict_fn raised ValueError"),
      item(4, "r5", { correct: score(false) }),
    ];
    const rows = compareRows([base, next]);
    expect(rows.map((r) => r.record_id)).toEqual(["r1", "r2", "r3", "r4", "r5"]);
    const summary = rows.map((r) => [
      r.record_id,
      r.cells[1]!.regressions,
      r.cells[1]!.improvements,
      r.regressed,
    ]);
    expect(summary).toEqual([
      ["r1", ["correct"], [], true],
      ["r2", ["quality"], [], true],
      ["r3", [], ["correct"], false],
      ["r4", ["error"], [], true],
      ["r5", [], [], false], // new in the second run: nothing to compare with
    ]);
    expect(rows[4]!.cells[0]!.item).toBeNull();
    expect(rows[0]!.cells.map((c) => c.item?.trace_id)).toEqual(["t-r1-0", "t-r1-2"]);
    // The baseline's cells never regress.
    expect(rows.every((r) => r.cells[0]!.regressions.length === 0)).toBe(true);
  });

  it("compares every later run with the baseline, not with the run before it", () => {
    const rows = compareRows([
      [item(0, "r1", { ok: score(true) })],
      [item(0, "r1", { ok: score(false) })],
      [item(0, "r1", { ok: score(true) })],
    ]);
    expect(rows[0]!.cells.map((c) => c.regressions)).toEqual([[], ["ok"], []]);
    expect(rows[0]!.regressed).toBe(true);
  });

  it("matches repeats of the same inputs in order", () => {
    const rows = compareRows([
      [item(0, "r1", { ok: score(true) }), item(1, "r1", { ok: score(true) })],
      [item(0, "r1", { ok: score(true) }), item(1, "r1", { ok: score(false) })],
    ]);
    expect(rows.map((r) => [r.key, r.regressed])).toEqual([
      ["r1", false],
      ["r1#2", true],
    ]);
  });

  it("finds a fixed row error an improvement", () => {
    const [row] = compareRows([[item(0, "r1", {}, "boom")], [item(0, "r1", { ok: score(true) })]]);
    expect(row!.cells[1]!.improvements).toEqual(["error"]);
    expect(row!.improved).toBe(true);
  });
});

describe("formatting", () => {
  it("shows pass rates as percentages and their deltas in points", () => {
    expect(formatMeasure("pass_rate", 2 / 3)).toBe("66.7%");
    expect(formatDelta("pass_rate", -0.25)).toBe("−25 pp");
    expect(formatDelta("pass_rate", 0.5)).toBe("+50 pp");
    expect(formatMeasure("mean", 3.14159)).toBe("3.142");
    expect(formatDelta("mean", 0)).toBe("±0");
    expect(formatDelta("mean", null)).toBe("");
    expect(formatMeasure(null, null)).toBe("—");
  });
});
