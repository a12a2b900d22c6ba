import { LineChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent } from "echarts/components";
import * as echarts from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";
import { useEffect, useRef } from "react";
import type { Line } from "../lib/dashboard";
import { cssColor, useDocumentTheme } from "../lib/theme";

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

/**
 * The chart's colours from the theme's variables: a canvas cannot use CSS, so they are read
 * where the chart is and given to ECharts (again whenever the theme changes).
 */
function themeColors(element: Element) {
  const color = (name: string, fallback: string) => cssColor(element, name, fallback);
  return {
    text: color("--text", "#1f2933"),
    label: color("--muted", "#5f6673"),
    axis: color("--muted", "#5f6673"),
    grid: color("--border", "#e2e5ea"),
    panel: color("--panel", "#ffffff"),
    series: [1, 2, 3, 4, 5, 6].map((n) => color(`--chart-${n}`, "#4f46e5")),
  };
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
  const theme = useDocumentTheme();

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
    if (!chart.current || !element.current) return;
    const colors = themeColors(element.current);
    const axisLabel = { color: colors.label };
    const axisLine = { lineStyle: { color: colors.axis } };
    chart.current.setOption(
      {
        animation: false,
        title: { show: false },
        color: colors.series,
        textStyle: { color: colors.text },
        grid: GRID,
        // Drawn on the canvas: an HTML tooltip would need inline styles, which the CSP refuses.
        tooltip: {
          trigger: "axis",
          renderMode: "richText",
          backgroundColor: colors.panel,
          borderColor: colors.grid,
          textStyle: { color: colors.text },
          axisPointer: { lineStyle: { color: colors.label } },
        },
        legend: {
          type: "scroll",
          top: 4,
          textStyle: { color: colors.text },
          inactiveColor: colors.grid,
          pageTextStyle: { color: colors.text },
          pageIconColor: colors.text,
          pageIconInactiveColor: colors.grid,
        },
        xAxis: {
          type: "category",
          boundaryGap: true,
          data: buckets.map((b) => label(b, bucketMs)),
          axisLabel,
          axisLine,
          axisTick: axisLine,
        },
        yAxis: {
          type: "value",
          minInterval: unit ? 0 : 1,
          axisLabel,
          axisLine,
          splitLine: { lineStyle: { color: colors.grid } },
        },
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
    // What the canvas was given, for tests that check its contrast.
    element.current.dataset.labelColor = colors.label;
  }, [buckets, bucketMs, lines, unit, theme]);

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
