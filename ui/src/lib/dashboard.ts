// The dashboard's pure parts: time ranges, the charts it draws from a metrics series, and the
// traces filter behind a clicked point (docs/dashboard.md).
import type { MetricsSeries } from "../api/types";

export const DASHBOARD_RANGES: [string, number][] = [
  ["Last hour", 3_600_000],
  ["Last 24 hours", 86_400_000],
  ["Last 7 days", 7 * 86_400_000],
  ["Last 30 days", 30 * 86_400_000],
];
export const BUCKETS = ["minute", "5min", "hour", "day"] as const;
export const GROUP_BYS: [string, string][] = [
  ["", "No grouping"],
  ["model", "Model"],
  ["span_type", "Root span type"],
  ["user", "User"],
  ["session", "Session"],
];

/** The bucket that gives a readable number of points for a range. */
export function defaultBucket(rangeMs: number): string {
  if (rangeMs <= 3_600_000) return "minute";
  if (rangeMs <= 86_400_000) return "5min";
  if (rangeMs <= 7 * 86_400_000) return "hour";
  return "day";
}

export interface ChartSpec {
  id: string;
  title: string;
  /** The series' metrics drawn on this chart (one line per group and metric). */
  metrics: string[];
  unit: string;
}

export const CHARTS: ChartSpec[] = [
  { id: "traces", title: "Traces", metrics: ["trace_count"], unit: "" },
  { id: "errors", title: "Errors", metrics: ["error_count"], unit: "" },
  {
    id: "latency",
    title: "Latency p50 / p95",
    metrics: ["latency_p50", "latency_p95"],
    unit: "ms",
  },
  { id: "tokens", title: "Tokens in / out", metrics: ["input_tokens", "output_tokens"], unit: "" },
  // Shown once the server's series carries it (traces with a cost).
  { id: "cost", title: "Cost", metrics: ["cost"], unit: "USD" },
];

/** The charts the series has data for (cost only from a server that computes it). */
export function chartsFor(series: MetricsSeries): ChartSpec[] {
  return CHARTS.filter((c) => c.metrics.every((m) => series.metrics.includes(m)));
}

export interface Line {
  name: string;
  group: string | null;
  metric: string;
  /** [bucket start, value] pairs, a value null where the bucket has none. */
  points: [number, number | null][];
}

const METRIC_LABELS: Record<string, string> = {
  latency_p50: "p50",
  latency_p95: "p95",
  input_tokens: "in",
  output_tokens: "out",
};

/** One line per group and metric of the chart. */
export function chartLines(series: MetricsSeries, chart: ChartSpec): Line[] {
  const lines: Line[] = [];
  for (const group of series.groups) {
    for (const metric of chart.metrics) {
      const values = group.values[metric] ?? [];
      const parts = [
        series.group_by ? (group.key ?? "(none)") : null,
        chart.metrics.length > 1 ? (METRIC_LABELS[metric] ?? metric) : null,
      ].filter((p): p is string => p !== null);
      lines.push({
        name: parts.length ? parts.join(" · ") : chart.title,
        group: group.key ?? null,
        metric,
        points: series.buckets.map((start, i) => [start, values[i] ?? null]),
      });
    }
  }
  return lines;
}

function quoted(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** The filter-language condition of a group (null when there is none to write). Model and
 * span type are approximated by "some span has it": the language has no trace-level model. */
export function groupCondition(groupBy: string | null, key: string | null): string | null {
  if (!groupBy) return null;
  const field =
    groupBy === "user"
      ? "user_id"
      : groupBy === "session"
        ? "session_id"
        : groupBy.startsWith("tags.")
          ? groupBy
          : null;
  if (field) return key === null ? `${field} IS NULL` : `${field} = ${quoted(key)}`;
  if (key === null) return null;
  if (groupBy === "span_type") return `span.type = ${quoted(key)}`;
  if (groupBy === "model") {
    return (
      `(span.attributes.\`gen_ai.response.model\` = ${quoted(key)} ` +
      `OR span.attributes.\`gen_ai.request.model\` = ${quoted(key)})`
    );
  }
  return null;
}

/** The traces filter behind a point: its bucket's time range, its group, the user's filter. */
export function pointFilter(
  bucketStart: number,
  bucketMs: number,
  groupBy: string | null,
  key: string | null,
  userFilter: string,
): string {
  const parts = [`timestamp_ms >= ${bucketStart}`, `timestamp_ms < ${bucketStart + bucketMs}`];
  const group = groupCondition(groupBy, key);
  if (group) parts.push(group);
  if (userFilter.trim()) parts.push(`(${userFilter.trim()})`);
  return parts.join(" AND ");
}
