import { describe, expect, it } from "vitest";
import type { MetricsSeries } from "../api/types";
import {
  CHARTS,
  chartLines,
  chartsFor,
  defaultBucket,
  groupCondition,
  pointFilter,
} from "./dashboard";

const series: MetricsSeries = {
  experiment_id: "1",
  start_ms: 0,
  end_ms: 7_200_000,
  bucket: "hour",
  bucket_ms: 3_600_000,
  group_by: "model",
  metrics: ["trace_count", "error_count", "latency_p50", "latency_p95"],
  buckets: [0, 3_600_000],
  groups: [
    {
      key: "gpt-4o",
      values: {
        trace_count: [2, 0],
        error_count: [1, 0],
        latency_p50: [5, null],
        latency_p95: [9, null],
      },
    },
    {
      key: null,
      values: {
        trace_count: [0, 1],
        error_count: [0, 0],
        latency_p50: [null, 3],
        latency_p95: [null, 3],
      },
    },
  ],
  omitted_groups: 0,
};

describe("dashboard", () => {
  it("draws the charts the series has metrics for", () => {
    expect(chartsFor(series).map((c) => c.id)).toEqual(["traces", "errors", "latency"]);
  });

  it("makes a line per group and metric", () => {
    const latency = CHARTS.find((c) => c.id === "latency")!;
    const lines = chartLines(series, latency);
    expect(lines.map((l) => l.name)).toEqual([
      "gpt-4o · p50",
      "gpt-4o · p95",
      "(none) · p50",
      "(none) · p95",
    ]);
    expect(lines[0]?.points).toEqual([
      [0, 5],
      [3_600_000, null],
    ]);
  });

  it("filters the traces behind a point", () => {
    expect(pointFilter(0, 60_000, "user", "o'neil", "status = 'ERROR'")).toBe(
      "timestamp_ms >= 0 AND timestamp_ms < 60000 AND user_id = 'o''neil' AND (status = 'ERROR')",
    );
    expect(pointFilter(0, 60_000, null, null, "")).toBe(
      "timestamp_ms >= 0 AND timestamp_ms < 60000",
    );
    expect(groupCondition("tags.env", null)).toBe("tags.env IS NULL");
    expect(groupCondition("model", "m")).toContain("gen_ai.request.model");
    expect(groupCondition("model", null)).toBeNull();
  });

  it("picks a bucket by range", () => {
    expect(defaultBucket(3_600_000)).toBe("minute");
    expect(defaultBucket(30 * 86_400_000)).toBe("day");
  });
});
