import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { useNavigate, useParams, useSearchParams } from "react-router-dom";
import { api } from "../api/client";
import { ErrorBox } from "../components/ErrorBox";
import { ExperimentHeader } from "../components/ExperimentHeader";
import { MetricsChart } from "../components/MetricsChart";
import { SearchBox } from "../components/SearchBox";
import {
  BUCKETS,
  chartLines,
  chartsFor,
  DASHBOARD_RANGES,
  defaultBucket,
  GROUP_BYS,
  pointFilter,
} from "../lib/dashboard";

/** Charts of an experiment's traces over time: counts, errors, latency, tokens (and cost). */
export function DashboardPage() {
  const { experimentId = "0" } = useParams();
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  const text = params.get("filter") ?? "";
  const range = Number(params.get("range") ?? 86_400_000) || 86_400_000;
  const bucket = params.get("bucket") ?? defaultBucket(range);
  const groupBy = params.get("group") ?? "";
  // Relative to now, rounded to the minute so the query key stays stable.
  const end = Math.floor(Date.now() / 60_000) * 60_000 + 60_000;
  const start = end - range;

  const update = (changes: Record<string, string>) => {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) {
      if (value) next.set(key, value);
      else next.delete(key);
    }
    setParams(next, { replace: true });
  };

  const metrics = useQuery({
    queryKey: ["metrics", experimentId, start, end, bucket, groupBy, text],
    queryFn: () =>
      api.getMetrics(experimentId, {
        start_ms: start,
        end_ms: end,
        bucket,
        group_by: groupBy || null,
        filter: text || null,
      }),
    placeholderData: keepPreviousData,
    retry: false,
  });
  const series = metrics.data;
  const charts = useMemo(
    () => (series ? chartsFor(series).map((c) => ({ spec: c, lines: chartLines(series, c) })) : []),
    [series],
  );
  const total = series
    ? series.groups.reduce(
        (sum, g) => sum + (g.values.trace_count ?? []).reduce<number>((a, b) => a + (b ?? 0), 0),
        0,
      )
    : 0;
  const tagKey = groupBy.startsWith("tags.") ? groupBy.slice(5) : "";

  const open = (bucketStart: number, group: string | null | undefined) => {
    if (!series) return;
    const filter = pointFilter(
      bucketStart,
      series.bucket_ms,
      group === undefined ? null : series.group_by,
      group ?? null,
      text,
    );
    navigate(`/experiments/${experimentId}/traces?${new URLSearchParams({ filter })}`);
  };

  return (
    <div className="page">
      <ExperimentHeader experimentId={experimentId} />
      <SearchBox
        value={text}
        onSubmit={(t) => update({ filter: t })}
        error={metrics.error}
        userOffset={0}
      />
      <div className="toolbar">
        <select
          aria-label="Time range"
          value={String(range)}
          onChange={(e) => update({ range: e.target.value, bucket: "" })}
        >
          {DASHBOARD_RANGES.map(([name, ms]) => (
            <option key={ms} value={String(ms)}>
              {name}
            </option>
          ))}
        </select>
        <select
          aria-label="Bucket"
          value={bucket}
          onChange={(e) => update({ bucket: e.target.value })}
        >
          {BUCKETS.map((b) => (
            <option key={b} value={b}>
              per {b === "5min" ? "5 minutes" : b}
            </option>
          ))}
        </select>
        <select
          aria-label="Group by"
          value={groupBy.startsWith("tags.") ? "tags." : groupBy}
          onChange={(e) =>
            update({ group: e.target.value === "tags." ? "tags.env" : e.target.value })
          }
        >
          {GROUP_BYS.map(([value, name]) => (
            <option key={value} value={value}>
              {name}
            </option>
          ))}
          <option value="tags.">Tag…</option>
        </select>
        {groupBy.startsWith("tags.") && (
          <input
            aria-label="Tag key"
            defaultValue={tagKey}
            onBlur={(e) => update({ group: e.target.value ? `tags.${e.target.value}` : "" })}
          />
        )}
        <span className="muted" data-testid="dashboard-total">
          {series ? `${total.toLocaleString()} traces` : ""}
          {series && series.omitted_groups > 0
            ? ` · ${series.omitted_groups} smaller groups not shown`
            : ""}
        </span>
      </div>
      <ErrorBox error={metrics.error} />
      <p className="muted">Click a point to list its traces.</p>
      <div className="dashboard-grid">
        {series &&
          charts.map(({ spec, lines }) => (
            <MetricsChart
              key={spec.id}
              id={spec.id}
              title={spec.title}
              unit={spec.unit}
              buckets={series.buckets}
              bucketMs={series.bucket_ms}
              lines={lines}
              onPick={open}
            />
          ))}
      </div>
    </div>
  );
}
