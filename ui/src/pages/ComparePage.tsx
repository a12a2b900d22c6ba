import { useQueries } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { Link, useParams, useSearchParams } from "react-router-dom";
import { api } from "../api/client";
import type { EvaluationItem, EvaluationRun } from "../api/types";
import { ErrorBox } from "../components/ErrorBox";
import { ExperimentHeader } from "../components/ExperimentHeader";
import { RunStatus } from "../components/RunStatus";
import { formatValue, valueClass } from "../lib/assessments";
import {
  type AggregateRow,
  type CompareCell,
  type CompareRow,
  compareAggregates,
  compareRows,
  formatDelta,
  formatMeasure,
  ROW_ERROR,
} from "../lib/compare";
import { formatShortTime, previewJson } from "../lib/format";
import { DatasetCell } from "./EvaluationRunsPage";

/** Two or more evaluation runs side by side; the first is the baseline. */
export function ComparePage() {
  const { experimentId = "0" } = useParams();
  const [params, setParams] = useSearchParams();
  const ids = useMemo(
    () => (params.get("runs") ?? "").split(",").filter((id) => id.length > 0),
    [params],
  );
  // Held here as well as in the address: a checkbox must show its new state at once, and a
  // navigation renders later (in a transition).
  const [onlyRegressions, setOnlyRegressions] = useState(params.get("regressions") === "1");
  const setParam = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  };

  const runs = useQueries({
    queries: ids.map((id) => ({
      queryKey: ["evaluation-run", id],
      queryFn: () => api.getEvaluationRun(id),
    })),
    combine: allOrNothing<EvaluationRun>,
  });
  const items = useQueries({
    queries: ids.map((id) => ({
      queryKey: ["evaluation-items", id],
      queryFn: () => api.getAllEvaluationItems(id),
    })),
    combine: allOrNothing<EvaluationItem[]>,
  });
  const error = runs.error ?? items.error;
  const aggregates = useMemo(() => (runs.data ? compareAggregates(runs.data) : []), [runs.data]);
  const rows = useMemo(() => (items.data ? compareRows(items.data) : []), [items.data]);
  const regressedCount = rows.filter((r) => r.regressed).length;
  const shown = onlyRegressions ? rows.filter((r) => r.regressed) : rows;

  if (ids.length < 2) {
    return (
      <div className="page">
        <ExperimentHeader experimentId={experimentId} />
        <p className="empty">
          Choose two or more runs to compare on the{" "}
          <Link to={`/experiments/${experimentId}/evaluations`}>evaluation runs</Link> page.
        </p>
      </div>
    );
  }
  return (
    <div className="page compare-page">
      <ExperimentHeader experimentId={experimentId} />
      <ErrorBox error={error} />
      {!error && (!runs.data || !items.data) && <p className="muted">Loading runs…</p>}
      {runs.data && (
        <>
          <div className="toolbar">
            <h2 className="compare-title">Comparing {runs.data.length} runs</h2>
            <label className="inline-form">
              Baseline
              <select
                aria-label="Baseline run"
                value={ids[0]}
                onChange={(e) =>
                  setParam(
                    "runs",
                    [e.target.value, ...ids.filter((i) => i !== e.target.value)].join(","),
                  )
                }
              >
                {runs.data.map((r) => (
                  <option key={r.run_id} value={r.run_id}>
                    {r.name || r.run_id}
                  </option>
                ))}
              </select>
            </label>
          </div>
          <Aggregates experimentId={experimentId} runs={runs.data} rows={aggregates} />
        </>
      )}
      {runs.data && items.data && (
        <>
          <div className="toolbar">
            <label className="inline-form">
              <input
                type="checkbox"
                checked={onlyRegressions}
                onChange={(e) => {
                  setOnlyRegressions(e.target.checked);
                  setParam("regressions", e.target.checked ? "1" : "");
                }}
              />
              Regressions only
            </label>
            <span className="muted" data-testid="regression-count">
              {regressedCount} of {rows.length} record{rows.length === 1 ? "" : "s"} regressed
            </span>
          </div>
          <Records runs={runs.data} rows={shown} />
          {shown.length === 0 && (
            <p className="empty">{onlyRegressions ? "No regressions." : "No rows."}</p>
          )}
        </>
      )}
    </div>
  );
}

/** The queries' data once every one has it; the first error otherwise. */
function allOrNothing<T>(results: { data?: T; error: Error | null }[]): {
  data: T[] | null;
  error: Error | null;
} {
  const error = results.find((r) => r.error)?.error ?? null;
  const ready = results.every((r) => r.data !== undefined);
  return { data: ready ? results.map((r) => r.data as T) : null, error };
}

function RunHead({
  experimentId,
  run,
  baseline,
}: {
  experimentId: string;
  run: EvaluationRun;
  baseline: boolean;
}) {
  return (
    <th className="run-head">
      <span className="strong">{run.name || run.run_id}</span> <RunStatus status={run.status} />
      {baseline && <span className="pill baseline">baseline</span>}
      <div className="muted small">
        <DatasetCell experimentId={experimentId} run={run} /> · {formatShortTime(run.created_ms)}
      </div>
    </th>
  );
}

function Aggregates({
  experimentId,
  runs,
  rows,
}: {
  experimentId: string;
  runs: EvaluationRun[];
  rows: AggregateRow[];
}) {
  return (
    <div className="table-wrap">
      <table className="table compare-table" data-testid="compare-aggregates">
        <thead>
          <tr>
            <th>Score</th>
            {runs.map((r, i) => (
              <RunHead key={r.run_id} experimentId={experimentId} run={r} baseline={i === 0} />
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.name} data-score={row.name}>
              <td>
                <span className="strong">{row.name}</span>
                <div className="muted small">
                  {row.measure === "pass_rate" ? "pass rate" : row.measure === "mean" ? "mean" : ""}
                </div>
              </td>
              {row.cells.map((cell, i) => (
                <td key={runs[i]!.run_id} className="num" data-run-id={runs[i]!.run_id}>
                  <span className="aggregate-value">{formatMeasure(row.measure, cell.value)}</span>
                  {cell.delta != null && (
                    <span className={`delta ${cell.change}`}>
                      {" "}
                      {formatDelta(row.measure, cell.delta)}
                    </span>
                  )}
                  <div className="muted small">
                    {cell.metrics ? `${cell.metrics.count} scored` : "not scored"}
                    {cell.errors > 0 || (cell.errorsDelta ?? 0) !== 0 ? (
                      <span className={`errors ${cell.errorsChange}`}>
                        {" "}
                        · {cell.errors} error{cell.errors === 1 ? "" : "s"}
                        {cell.errorsDelta
                          ? ` (${cell.errorsDelta > 0 ? "+" : "−"}${Math.abs(cell.errorsDelta)})`
                          : ""}
                      </span>
                    ) : null}
                  </div>
                </td>
              ))}
            </tr>
          ))}
          <tr>
            <td className="muted">Items</td>
            {runs.map((r) => (
              <td key={r.run_id} className="num">
                {r.item_count}
              </td>
            ))}
          </tr>
        </tbody>
      </table>
    </div>
  );
}

function Records({ runs, rows }: { runs: EvaluationRun[]; rows: CompareRow[] }) {
  return (
    <div className="table-wrap">
      <table className="table compare-table" data-testid="compare-rows">
        <thead>
          <tr>
            <th>Inputs</th>
            {runs.map((r, i) => (
              <th key={r.run_id}>
                {r.name || r.run_id}
                {i === 0 && <span className="muted"> (baseline)</span>}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr
              key={row.key}
              data-record-id={row.record_id}
              data-regressed={row.regressed ? "true" : "false"}
              className={row.regressed ? "regressed" : row.improved ? "improved" : ""}
            >
              <td className="record-inputs">
                <span className="preview" title={JSON.stringify(row.inputs)}>
                  {previewJson(row.inputs)}
                </span>
                {Object.keys(row.expectations).length > 0 && (
                  <div className="muted small" title={JSON.stringify(row.expectations)}>
                    expected: {previewJson(row.expectations, 100)}
                  </div>
                )}
              </td>
              {row.cells.map((cell, i) => (
                <RecordCell key={runs[i]!.run_id} run={runs[i]!} cell={cell} />
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function RecordCell({ run, cell }: { run: EvaluationRun; cell: CompareCell }) {
  const item = cell.item;
  if (!item) {
    return (
      <td className="run-cell muted" data-run-id={run.run_id}>
        not in this run
      </td>
    );
  }
  const regressed = new Set(cell.regressions);
  const improved = new Set(cell.improvements);
  const output = item.error != null ? `error: ${item.error}` : previewJson(item.outputs);
  return (
    <td
      className={`run-cell${regressed.size > 0 ? " regressed" : ""}`}
      data-run-id={run.run_id}
      data-regressions={cell.regressions.join(",")}
    >
      <div className={`run-output${regressed.has(ROW_ERROR) ? " regressed" : ""}`}>
        {item.trace_id ? (
          <Link to={`/traces/${item.trace_id}`} title="Open this row's trace">
            {output || "(no output)"}
          </Link>
        ) : (
          output || <span className="muted">(no output)</span>
        )}
      </div>
      <div className="run-scores">
        {Object.entries(item.scores).map(([name, score]) => {
          const change = regressed.has(name) ? "regressed" : improved.has(name) ? "improved" : "";
          const text = score.error != null ? `error` : formatValue(score.value, true);
          const title = score.error ?? score.rationale ?? "";
          return (
            <span
              key={name}
              className={`run-score ${change}`}
              data-score={name}
              title={title ? `${name}: ${title}` : name}
            >
              {name} <span className={`feedback-value ${valueClass(score.value)}`}>{text}</span>
              {change === "regressed" && " ↓"}
              {change === "improved" && " ↑"}
            </span>
          );
        })}
      </div>
    </td>
  );
}
