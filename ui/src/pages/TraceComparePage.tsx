import { useQueries } from "@tanstack/react-query";
import { useMemo } from "react";
import { Link, useParams, useSearchParams } from "react-router-dom";
import { api } from "../api/client";
import type { Span, Trace } from "../api/types";
import { ErrorBox } from "../components/ErrorBox";
import { ExperimentHeader } from "../components/ExperimentHeader";
import { SpanTypeIcon } from "../components/SpanTypeIcon";
import { formatDurationMs, formatTime, shortId } from "../lib/format";
import { type Change, changeCounts, type DiffRow, diffTraces, pathLabel } from "../lib/traceDiff";
import { MEASURES, spanMeasures, traceMeasures } from "../lib/traceMeasures";
import { useFollowing } from "../lib/useFollowing";
import { MeasureCells, traceLabel } from "../components/CompareMeasures";
import { SpanPair } from "../components/CompareSpanPair";
import "../traceCompare.css";

/** Rows beyond which the tree shows only the differences unless asked for all. */
const MANY_ROWS = 1000;
const MAX_TRACES = 10;

interface Subject {
  traceId: string;
  /** In span mode: the span whose subtree is compared. */
  spanId: string | null;
}

/** The address's traces (`traces=a,b`) or spans (`spans=trace:span,trace:span`). */
function subjects(params: URLSearchParams): Subject[] {
  const spans = params.get("spans");
  if (spans) {
    return spans
      .split(",")
      .map((s) => s.split(":"))
      .filter(([t, s]) => t && s)
      .map(([traceId, spanId]) => ({ traceId: traceId!, spanId: spanId! }));
  }
  return (params.get("traces") ?? "")
    .split(",")
    .filter((id) => id.length > 0)
    .map((traceId) => ({ traceId, spanId: null }));
}

/**
 * Two or more traces (or two spans' subtrees) side by side; the first is the baseline. Spans
 * are matched by path; every part of the view is in the address.
 */
export function TraceComparePage() {
  const { experimentId = "0" } = useParams();
  const [params, setParams] = useSearchParams();
  const list = useMemo(() => subjects(params).slice(0, MAX_TRACES), [params]);
  const spanMode = params.has("spans");
  const setParam = (changes: Record<string, string>) => {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) {
      if (value) next.set(key, value);
      else next.delete(key);
    }
    setParams(next, { replace: true });
  };

  const traces = useQueries({
    queries: list.map((s) => ({
      queryKey: ["trace", s.traceId],
      queryFn: () => api.getTrace(s.traceId),
    })),
    combine: (results) => ({
      data: results.every((r) => r.data) ? results.map((r) => r.data as Trace) : null,
      error: results.find((r) => r.error)?.error ?? null,
    }),
  });
  const data = traces.data;
  const rows = useMemo(
    () =>
      data
        ? diffTraces(
            data.map((t) => t.data.spans),
            spanMode ? list.map((s) => s.spanId) : null,
          )
        : [],
    [data, list, spanMode],
  );

  if (list.length < 2) {
    return (
      <div className="page">
        <ExperimentHeader experimentId={experimentId} />
        <p className="empty">
          Select two or more traces to compare on the{" "}
          <Link to={`/experiments/${experimentId}/traces`}>traces</Link> page.
        </p>
      </div>
    );
  }
  const vsParam = Number(params.get("vs") ?? "1");
  const vs = Number.isInteger(vsParam) && vsParam >= 1 && vsParam < list.length ? vsParam : 1;
  const onlyParam = params.get("only");
  const only = onlyParam === null ? rows.length > MANY_ROWS : onlyParam === "1";
  const firstChange = rows.find((r) => r.changes[vs] !== "same" && r.changes[vs] !== null);
  const selectedKey = params.get("span") ?? firstChange?.key ?? rows[0]?.key ?? null;
  const selected = rows.find((r) => r.key === selectedKey) ?? null;
  const names = list.map((_, i) => traceLabel(i));

  return (
    <div className="page trace-compare-page">
      <ExperimentHeader experimentId={experimentId} />
      <h1 className="compare-title">
        Compare {spanMode ? "spans" : "traces"}
        <span className="muted small"> · the first is the baseline</span>
      </h1>
      <ErrorBox error={traces.error} />
      {!traces.error && !data && <p className="muted">Loading traces…</p>}
      {data && (
        <>
          <Summary
            traces={data}
            subjects={list}
            rows={rows}
            spanMode={spanMode}
            onBaseline={(i) => {
              const order = [list[i]!, ...list.filter((_, j) => j !== i)];
              const ids = order.map((s) => (s.spanId ? `${s.traceId}:${s.spanId}` : s.traceId));
              setParam({ [spanMode ? "spans" : "traces"]: ids.join(","), vs: "", span: "" });
            }}
          />
          {/* Side by side for two traces; beyond that the tree's columns need the width. */}
          <div className={list.length > 2 ? "compare-body stacked" : "compare-body"}>
            <SpanDiffTree
              rows={rows}
              names={names}
              only={only}
              vs={vs}
              selectedKey={selectedKey}
              onOnly={(on) => setParam({ only: on ? "1" : "0" })}
              onSelect={(key, t) =>
                setParam({
                  span: key,
                  vs: t !== undefined && t !== vs ? String(t) : (params.get("vs") ?? ""),
                })
              }
            />
            {selected ? (
              <SpanPair
                row={selected}
                vs={vs}
                names={names}
                traces={data}
                onVs={(t) => setParam({ vs: String(t) })}
                experimentId={experimentId}
              />
            ) : (
              <p className="muted">No span selected.</p>
            )}
          </div>
        </>
      )}
    </div>
  );
}

function Summary({
  traces,
  subjects: list,
  rows,
  spanMode,
  onBaseline,
}: {
  traces: Trace[];
  subjects: Subject[];
  rows: DiffRow[];
  spanMode: boolean;
  onBaseline: (index: number) => void;
}) {
  const measures = useMemo(
    () =>
      spanMode
        ? (rows[0]?.spans.map((s) => (s ? spanMeasures(s) : null)) ?? [])
        : traces.map(traceMeasures),
    [traces, rows, spanMode],
  );
  const ids = list.map((s, i) => `${i}:${s.traceId}`);
  return (
    <div className="table-wrap">
      <table className="table compare-table" data-testid="compare-summary">
        <thead>
          <tr>
            <th scope="col">{spanMode ? "Span" : "Trace"}</th>
            {traces.map((t, i) => (
              <th key={ids[i]} scope="col" className="run-head" data-trace-id={t.info.trace_id}>
                <span className="strong">{traceLabel(i)}</span>{" "}
                <Link
                  to={`/traces/${t.info.trace_id}${list[i]!.spanId ? `?span=${list[i]!.spanId}` : ""}`}
                  title={t.info.trace_id}
                >
                  {t.info.name ?? shortId(t.info.trace_id, 12)}
                </Link>{" "}
                <span className={`badge state-${t.info.state.toLowerCase()}`}>{t.info.state}</span>
                <div className="muted small">
                  <span className="mono">{shortId(t.info.trace_id, 12)}</span> ·{" "}
                  {formatTime(t.info.request_time)}
                </div>
                {i > 0 && (
                  <button type="button" className="link small" onClick={() => onBaseline(i)}>
                    make baseline
                  </button>
                )}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {MEASURES.map(([measure, label]) => (
            <tr key={measure} data-measure={measure}>
              <th scope="row">{label}</th>
              <MeasureCells measure={measure} values={measures} ids={ids} />
            </tr>
          ))}
          <tr data-measure="spans">
            <th scope="row">Spans</th>
            {traces.map((_, i) => {
              const counts = changeCounts(rows, i);
              return (
                <td key={ids[i]} className="num" data-index={i} data-testid="change-counts">
                  {rows.filter((r) => r.spans[i]).length}
                  {i > 0 && (
                    <div className="small">
                      <ChangeCount change="changed" n={counts.changed} />
                      <ChangeCount change="added" n={counts.added} />
                      <ChangeCount change="missing" n={counts.missing} />
                      {counts.changed + counts.added + counts.missing === 0 && (
                        <span className="muted">identical</span>
                      )}
                    </div>
                  )}
                </td>
              );
            })}
          </tr>
        </tbody>
      </table>
    </div>
  );
}

function ChangeCount({ change, n }: { change: Change; n: number }) {
  if (n === 0) return null;
  return (
    <span className={`change-count change-${change}`} data-change={change}>
      {n} {change}{" "}
    </span>
  );
}

const CHANGE_MARK: Record<Change, string> = { same: "=", changed: "~", added: "+", missing: "−" };

function SpanDiffTree({
  rows,
  names,
  only,
  vs,
  selectedKey,
  onOnly,
  onSelect,
}: {
  rows: DiffRow[];
  names: string[];
  only: boolean;
  vs: number;
  selectedKey: string | null;
  onOnly: (on: boolean) => void;
  onSelect: (key: string, trace?: number) => void;
}) {
  const shown = useMemo(() => (only ? withAncestors(rows) : rows), [rows, only]);
  const [onlyShown, setOnlyShown] = useFollowing(only);
  return (
    <section className="span-diff" aria-label="Span tree diff">
      <div className="toolbar">
        <h2 className="section-title">Spans</h2>
        <label className="inline-form">
          <input
            type="checkbox"
            checked={onlyShown}
            onChange={(e) => {
              setOnlyShown(e.target.checked);
              onOnly(e.target.checked);
            }}
          />
          Differences only
        </label>
      </div>
      <div className="table-wrap">
        <table className="table span-diff-table" data-testid="span-diff">
          <thead>
            <tr>
              <th scope="col">Span (path)</th>
              {names.map((n, i) => (
                <th key={n} scope="col" className={i === vs ? "vs" : undefined}>
                  {n}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {shown.map((row) => {
              const span = row.spans.find((s) => s) ?? null;
              const selected = row.key === selectedKey;
              const differs = row.changes.some((c) => c !== null && c !== "same");
              return (
                <tr
                  key={row.key}
                  className={`${selected ? "selected" : ""}${differs ? " differs" : ""}`}
                  data-path={row.key}
                  data-testid="span-diff-row"
                >
                  <td className="span-cell">
                    <button
                      type="button"
                      className="link span-pick"
                      style={{ paddingLeft: `${row.depth * 16 + 4}px` }}
                      aria-pressed={selected}
                      title={pathLabel(row.key)}
                      onClick={() => onSelect(row.key)}
                    >
                      {span && <SpanTypeIcon type={span.span_type} />}{" "}
                      <span className="span-name">{row.name}</span>
                      {row.index > 0 && <span className="muted"> #{row.index + 1}</span>}
                    </button>
                  </td>
                  {row.spans.map((s, t) => (
                    <ChangeCell
                      key={t}
                      row={row}
                      t={t}
                      span={s}
                      onPick={() => onSelect(row.key, t > 0 ? t : undefined)}
                    />
                  ))}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {shown.length === 0 && <p className="empty">No differences.</p>}
    </section>
  );
}

function ChangeCell({
  row,
  t,
  span,
  onPick,
}: {
  row: DiffRow;
  t: number;
  span: Span | null;
  onPick: () => void;
}) {
  const change = row.changes[t] ?? null;
  const duration = span ? spanMeasures(span).durationMs : null;
  if (t === 0) {
    return (
      <td className="change-cell" data-index={t}>
        {span ? formatDurationMs(duration) : <span className="muted">—</span>}
      </td>
    );
  }
  return (
    <td className="change-cell" data-index={t} data-change={change ?? ""}>
      {change && (
        <button
          type="button"
          className={`change-badge change-${change}`}
          onClick={onPick}
          title={row.fields[t]!.length > 0 ? `differs in ${row.fields[t]!.join(", ")}` : change}
        >
          <span aria-hidden="true">{CHANGE_MARK[change]} </span>
          {change}
          {row.fields[t]!.length > 0 && `: ${row.fields[t]!.join(", ")}`}
        </button>
      )}
      {span && <span className="muted small"> {formatDurationMs(duration)}</span>}
    </td>
  );
}

/** The rows that differ somewhere, with their ancestors for context. */
function withAncestors(rows: readonly DiffRow[]): DiffRow[] {
  const keep = new Set<string>();
  for (const row of rows) {
    if (!row.changes.some((c) => c !== null && c !== "same")) continue;
    const segments = row.key.split("/");
    for (let i = 1; i <= segments.length; i++) keep.add(segments.slice(0, i).join("/"));
  }
  return rows.filter((r) => keep.has(r.key));
}
