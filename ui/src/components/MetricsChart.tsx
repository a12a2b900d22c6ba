import { LineChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent } from "echarts/components";
import * as echarts from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";
import { useEffect, useRef } from "react";
import type { Line } from "../lib/dashboard";

echarts.use([LineChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

// Fixed plot margins: a click's bucket is found from its x position within them.
export const GRID = { left: 56, right: 16, top: 36, bottom: 28 };

interface Props {
  id: string;
  title: string;
  unit: string;
  buckets: number[];
  bucketMs: number;
  lines: Line[];
  /** A click in a bucket's column: the bucket, and the group when a line's point was hit. */
  onPick: (bucketStart: number, group: string | null | undefined) => void;
}

function label(ms: number, bucketMs: number): string {
  const date = new Date(ms);
  if (bucketMs >= 86_400_000) return date.toISOString().slice(0, 10);
  return date.toISOString().slice(5, 16).replace("T", " ");
}

/** One chart of the dashboard: a line per group (and metric) over the buckets. */
export function MetricsChart({ id, title, unit, buckets, bucketMs, lines, onPick }: Props) {
  const element = useRef<HTMLDivElement>(null);
  const pick = useRef(onPick);
  pick.current = onPick;
  const chart = useRef<echarts.ECharts | null>(null);

  useEffect(() => {
    if (!element.current) return;
    const instance = echarts.init(element.current);
    chart.current = instance;
    let hit = false;
    instance.on("click", (params) => {
      hit = true;
      const line = lines[params.seriesIndex ?? -1];
      const start = buckets[params.dataIndex];
      if (start !== undefined) pick.current(start, line ? line.group : undefined);
    });
    instance.getZr().on("click", (event) => {
      if (hit) {
        hit = false;
        return;
      }
      const width = instance.getWidth() - GRID.left - GRID.right;
      const index = Math.floor(((event.offsetX - GRID.left) / width) * buckets.length);
      const start = buckets[index];
      if (start !== undefined) pick.current(start, undefined);
    });
    const resize = () => instance.resize();
    window.addEventListener("resize", resize);
    return () => {
      window.removeEventListener("resize", resize);
      instance.dispose();
      chart.current = null;
    };
  }, [buckets, lines]);

  useEffect(() => {
    chart.current?.setOption(
      {
        animation: false,
        title: { show: false },
        grid: GRID,
        // Drawn on the canvas: an HTML tooltip would need inline styles, which the CSP refuses.
        tooltip: { trigger: "axis", renderMode: "richText" },
        legend: { type: "scroll", top: 4 },
        xAxis: {
          type: "category",
          boundaryGap: true,
          data: buckets.map((b) => label(b, bucketMs)),
        },
        yAxis: { type: "value", minInterval: unit ? 0 : 1 },
        series: lines.map((line) => ({
          type: "line",
          name: line.name,
          data: line.points.map(([, value]) => value),
          connectNulls: false,
          showSymbol: true,
          symbolSize: 6,
        })),
      },
      true,
    );
  }, [buckets, bucketMs, lines, unit]);

  return (
    <section className="metrics-chart" data-testid={`chart-${id}`}>
      <h3>
        {title}
        {unit ? ` (${unit})` : ""}
      </h3>
      <div
        ref={element}
        className="metrics-canvas"
        data-buckets={JSON.stringify(buckets)}
        data-series={JSON.stringify(lines.map((l) => l.name))}
      />
    </section>
  );
}
