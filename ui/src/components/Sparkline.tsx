import { formatMeasure, type Measure } from "../lib/compare";
import { sparkPoints } from "../lib/trend";

const WIDTH = 120;
const HEIGHT = 28;

/** A score across runs as a small line; each point's title names its run and value. */
export function Sparkline({
  values,
  labels,
  measure,
}: {
  values: readonly (number | null)[];
  labels: readonly string[];
  measure: Measure | null;
}) {
  const points = sparkPoints(values, WIDTH, HEIGHT, measure);
  return (
    <svg
      className="sparkline"
      width={WIDTH}
      height={HEIGHT}
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      role="img"
      aria-label={points.map((p) => formatMeasure(measure, p.value)).join(", ")}
    >
      {points.length > 1 && (
        <polyline points={points.map((p) => `${p.x},${p.y}`).join(" ")} fill="none" />
      )}
      {points.map((p) => (
        <circle key={p.index} cx={p.x} cy={p.y} r={2.5}>
          <title>{`${labels[p.index] ?? ""}: ${formatMeasure(measure, p.value)}`}</title>
        </circle>
      ))}
    </svg>
  );
}
