import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";
import { api } from "../api/client";
import type { EvaluationRun } from "../api/types";
import { ErrorBox } from "../components/ErrorBox";
import { ExperimentHeader } from "../components/ExperimentHeader";
import { Pager, usePageTokens } from "../components/Pager";
import { RunStatus } from "../components/RunStatus";
import { Sparkline } from "../components/Sparkline";
import { formatMeasure, measureOf, metricValue, scoreNames } from "../lib/compare";
import { formatCount, formatShortTime, formatTime } from "../lib/format";
import { scoreTrends } from "../lib/trend";

/** An experiment's evaluation runs: metrics per run, each score's trend, runs to compare. */
export function EvaluationRunsPage() {
  const { experimentId = "0" } = useParams();
  const navigate = useNavigate();
  const client = useQueryClient();
  const pages = usePageTokens();
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const runs = useQuery({
    queryKey: ["evaluation-runs", experimentId, pages.token],
    queryFn: () => api.listEvaluationRuns(experimentId, pages.token),
    placeholderData: keepPreviousData,
  });
  const list = useMemo(() => runs.data?.runs ?? [], [runs.data]);
  const names = useMemo(() => scoreNames(list), [list]);
  const trends = useMemo(() => scoreTrends(list), [list]);
  const remove = useMutation({
    mutationFn: async (ids: string[]) => {
      for (const id of ids) await api.deleteEvaluationRun(id);
    },
    onSuccess: () => {
      setSelected(new Set());
      void client.invalidateQueries({ queryKey: ["evaluation-runs", experimentId] });
    },
  });
  const toggle = (id: string) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setSelected(next);
  };
  const compare = () => {
    // The oldest selected run is the baseline the others are measured against.
    const chosen = list
      .filter((r) => selected.has(r.run_id))
      .sort((a, b) => a.created_ms - b.created_ms)
      .map((r) => r.run_id);
    navigate(`/experiments/${experimentId}/evaluations/compare?runs=${chosen.join(",")}`);
  };

  return (
    <div className="page">
      <ExperimentHeader experimentId={experimentId} />
      <ErrorBox error={runs.error ?? remove.error} />
      {trends.length > 0 && list.length > 1 && (
        <div className="trends" data-testid="score-trends">
          {trends.map((t) => (
            <div key={t.name} className="trend" data-score={t.name}>
              <span className="strong">{t.name}</span>
              <Sparkline values={t.values} labels={t.runs.map((r) => r.name)} measure={t.measure} />
              <span className="muted small">
                {formatMeasure(t.measure, t.values[t.values.length - 1] ?? null)}
              </span>
            </div>
          ))}
        </div>
      )}
      <div className="toolbar">
        <span className="muted">
          {selected.size > 0 ? `${selected.size} selected` : "Select two or more runs to compare"}
        </span>
        <button type="button" disabled={selected.size < 2} onClick={compare}>
          Compare
        </button>
        {selected.size > 0 && (
          <button
            type="button"
            className="danger"
            disabled={remove.isPending}
            onClick={() => {
              if (window.confirm(`Delete ${selected.size} evaluation run(s)?`)) {
                remove.mutate([...selected]);
              }
            }}
          >
            Delete
          </button>
        )}
      </div>
      {runs.isPending && <p className="muted">Loading…</p>}
      {runs.data && list.length === 0 && (
        <p className="empty">
          No evaluation runs yet: <span className="mono">spanscope.evaluate(...)</span> stores one
          per call (docs/evaluation.md).
        </p>
      )}
      {list.length > 0 && (
        <div className="table-wrap">
          <table className="table runs-table" data-testid="runs-table">
            <thead>
              <tr>
                <th className="check" />
                <th>Run</th>
                <th>Dataset</th>
                {names.map((n) => (
                  <th key={n} className="num">
                    {n}
                  </th>
                ))}
                <th className="num">Items</th>
                <th>Created</th>
              </tr>
            </thead>
            <tbody>
              {list.map((run) => (
                <tr
                  key={run.run_id}
                  data-run-id={run.run_id}
                  className={selected.has(run.run_id) ? "selected" : ""}
                >
                  <td className="check">
                    <input
                      type="checkbox"
                      aria-label={`Select ${run.name}`}
                      checked={selected.has(run.run_id)}
                      onChange={() => toggle(run.run_id)}
                    />
                  </td>
                  <td>
                    <span className="strong">{run.name || run.run_id}</span>{" "}
                    <RunStatus status={run.status} />
                  </td>
                  <td>
                    <DatasetCell experimentId={experimentId} run={run} />
                  </td>
                  {names.map((n) => (
                    <MetricCell key={n} run={run} name={n} runs={list} />
                  ))}
                  <td className="num">{formatCount(run.item_count)}</td>
                  <td title={formatTime(run.created_ms)}>{formatShortTime(run.created_ms)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager pages={pages} nextToken={runs.data?.next_page_token} stale={runs.isPlaceholderData} />
    </div>
  );
}

function MetricCell({
  run,
  name,
  runs,
}: {
  run: EvaluationRun;
  name: string;
  runs: readonly EvaluationRun[];
}) {
  const metrics = run.metrics[name];
  const measure = measureOf(name, runs);
  if (!metrics) return <td className="num muted">—</td>;
  const counts = Object.entries(metrics.value_counts);
  const text =
    measure != null
      ? formatMeasure(measure, metricValue(metrics, measure))
      : counts.map(([k, v]) => `${k}: ${v}`).join(", ") || "—";
  return (
    <td
      className="num"
      data-score={name}
      title={`${metrics.count} scored, ${metrics.errors} error(s)${
        measure === "pass_rate" ? "; pass rate" : measure === "mean" ? "; mean" : ""
      }`}
    >
      {text}
      {metrics.errors > 0 && <span className="score-errors"> ({metrics.errors} err)</span>}
    </td>
  );
}

export function DatasetCell({ experimentId, run }: { experimentId: string; run: EvaluationRun }) {
  if (!run.dataset_id) return <span className="muted">{run.dataset_name ?? "traces"}</span>;
  const version = run.dataset_version != null ? `?version=${run.dataset_version}` : "";
  return (
    <Link to={`/experiments/${experimentId}/datasets/${run.dataset_id}${version}`}>
      {run.dataset_name ?? run.dataset_id}
      {run.dataset_version != null ? ` v${run.dataset_version}` : ""}
    </Link>
  );
}
