import { formatCost, formatCount, formatDurationMs } from "../lib/format";
import { delta, type Measure, type Measures } from "../lib/traceMeasures";

// The measures of compared traces and spans, with their change from the baseline.
export function traceLabel(i: number): string {
  return i === 0 ? "#1 (baseline)" : `#${i + 1}`;
}

export function formatMeasure(measure: Measure, value: number | null): string {
  if (measure === "cost") return formatCost(value);
  if (measure === "durationMs") return value == null ? "—" : formatDurationMs(value);
  return formatCount(value);
}

export function Delta({
  measure,
  base,
  value,
}: {
  measure: Measure;
  base: number | null;
  value: number | null;
}) {
  const d = delta(base, value);
  if (d == null) return null;
  let text: string;
  if (d === 0) text = "±0";
  else {
    const sign = d > 0 ? "+" : "−";
    const size = Math.abs(d);
    const shown =
      measure === "cost"
        ? formatCost(size)
        : measure === "durationMs"
          ? formatDurationMs(size)
          : formatCount(size);
    const pct = base ? ` (${sign}${Math.round((size / Math.abs(base)) * 100)}%)` : "";
    text = `${sign}${shown}${pct}`;
  }
  // More time, tokens or money is worse.
  const change = d > 0 ? "regressed" : d < 0 ? "improved" : "";
  return (
    <span className={`delta ${change}`} data-delta={d}>
      {" "}
      {text}
    </span>
  );
}

export function MeasureCells({
  measure,
  values,
  ids,
}: {
  measure: Measure;
  values: (Measures | null)[];
  ids: string[];
}) {
  const base = values[0]?.[measure] ?? null;
  return (
    <>
      {values.map((m, i) => (
        <td key={ids[i]} className="num" data-measure={measure} data-index={i}>
          {m ? formatMeasure(measure, m[measure]) : "—"}
          {i > 0 && m && <Delta measure={measure} base={base} value={m[measure]} />}
        </td>
      ))}
    </>
  );
}
