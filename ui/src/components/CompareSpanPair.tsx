import { Link } from "react-router-dom";
import type { Span, Trace } from "../api/types";
import { ValueDiff } from "./ValueDiff";
import { type DiffRow, pathLabel } from "../lib/traceDiff";
import { MEASURES, spanMeasures } from "../lib/traceMeasures";
import { MeasureCells } from "./CompareMeasures";

// One matched span of compared traces: measures, status and values diffed.
export function SpanPair({
  row,
  vs,
  names,
  traces,
  onVs,
  experimentId,
}: {
  row: DiffRow;
  vs: number;
  names: string[];
  traces: Trace[];
  onVs: (t: number) => void;
  experimentId: string;
}) {
  const base = row.spans[0] ?? null;
  const other = row.spans[vs] ?? null;
  const change = row.changes[vs] ?? null;
  const measures = [base ? spanMeasures(base) : null, other ? spanMeasures(other) : null];
  const pairIds = [`0:${traces[0]!.info.trace_id}`, `${vs}:${traces[vs]!.info.trace_id}`];
  const open = (span: Span | null) =>
    span ? (
      <Link to={`/traces/${span.trace_id}?span=${span.span_id}`}>open in trace</Link>
    ) : (
      <span className="muted">not in this trace</span>
    );
  return (
    <section className="span-pair" aria-label="Selected span" data-testid="span-pair">
      <div className="toolbar">
        <h2 className="section-title">
          {pathLabel(row.key)}{" "}
          {change && (
            <span className={`change-badge static change-${change}`} data-testid="pair-change">
              {change}
            </span>
          )}
        </h2>
        {names.length > 2 && (
          <label className="inline-form">
            Baseline vs
            <select value={vs} onChange={(e) => onVs(Number(e.target.value))}>
              {names.slice(1).map((n, i) => (
                <option key={n} value={i + 1}>
                  {n}
                </option>
              ))}
            </select>
          </label>
        )}
      </div>
      <table className="table compare-table pair-measures" data-testid="pair-measures">
        <thead>
          <tr>
            <th scope="col">Span</th>
            <th scope="col">
              {names[0]} · {open(base)}
            </th>
            <th scope="col">
              {names[vs]} · {open(other)}
            </th>
          </tr>
        </thead>
        <tbody>
          <tr>
            <th scope="row">Status</th>
            <td>{base ? <Status span={base} /> : "—"}</td>
            <td>{other ? <Status span={other} /> : "—"}</td>
          </tr>
          {MEASURES.filter(([m]) => measures.some((x) => x?.[m] != null)).map(
            ([measure, label]) => (
              <tr key={measure} data-measure={measure}>
                <th scope="row">{label}</th>
                <MeasureCells measure={measure} values={measures} ids={pairIds} />
              </tr>
            ),
          )}
        </tbody>
      </table>
      {base && other && row.spans.filter((s) => s).length >= 2 && (
        <p className="small">
          <Link
            to={`/experiments/${experimentId}/traces/compare?spans=${base.trace_id}:${base.span_id},${other.trace_id}:${other.span_id}`}
          >
            Compare these two spans alone
          </Link>
        </p>
      )}
      {(["inputs", "outputs", "attributes"] as const).map((field) => (
        <ValueDiff
          key={`${row.key}-${vs}-${field}`}
          label={field === "inputs" ? "Inputs" : field === "outputs" ? "Outputs" : "Attributes"}
          before={base ? base[field] : undefined}
          after={other ? other[field] : undefined}
          beforeLabel={names[0]!}
          afterLabel={names[vs]!}
        />
      ))}
    </section>
  );
}

function Status({ span }: { span: Span }) {
  return (
    <>
      <span className={`badge state-${span.status.code.toLowerCase()}`}>{span.status.code}</span>
      {span.status.message && <span className="small"> {span.status.message}</span>}
    </>
  );
}
