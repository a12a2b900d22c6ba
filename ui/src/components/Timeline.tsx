// The timeline's controls: zoom buttons, the critical-path toggle, the minimap, and the time
// axis (focusable: + / - zoom, arrows pan, 0 resets; the wheel zooms, dragging pans).
import { type PointerEvent, type RefObject, useEffect, useMemo, useRef } from "react";
import type { Span } from "../api/types";
import type { SpanNode } from "../lib/spanTree";
import {
  followView,
  formatOffset,
  minimapWindow,
  type TimeBounds,
  ticksIn,
  timeAt,
  viewAtMinimap,
} from "../lib/timeline";
import { type TimelineView, ZOOM_STEP } from "../lib/useTimelineView";
import "./timeline.css";

/** The share of the window one arrow key press pans by (Shift: half the window). */
const PAN_STEP = 0.1;

interface ControlsProps {
  timeline: TimelineView;
  rows: readonly SpanNode[];
  critical: ReadonlySet<string>;
  showCritical: boolean;
  onToggleCritical: () => void;
  /** Where the buttons and keys zoom around (the selected span, as an offset), if in view. */
  focusNs: number | null;
}

/** Zoom buttons, the critical-path toggle and the minimap, above the tree's header. */
export function TimelineControls({
  timeline,
  rows,
  critical,
  showCritical,
  onToggleCritical,
  focusNs,
}: ControlsProps) {
  const focus = focusOrCentre(timeline.window, focusNs);
  return (
    <div className="timeline-bar">
      <div className="tree-col timeline-buttons">
        <button
          type="button"
          className="secondary"
          aria-label="Zoom out"
          title="Zoom out (−)"
          disabled={!timeline.zoomed}
          onClick={() => timeline.zoom(1 / ZOOM_STEP, focus)}
        >
          −
        </button>
        <button
          type="button"
          className="secondary"
          aria-label="Zoom in"
          title="Zoom in (+)"
          disabled={timeline.atMaxZoom}
          onClick={() => timeline.zoom(ZOOM_STEP, focus)}
        >
          +
        </button>
        <button
          type="button"
          className="secondary"
          title="Show the whole trace (0)"
          disabled={!timeline.zoomed}
          onClick={timeline.reset}
        >
          Reset zoom
        </button>
        <button
          type="button"
          className="secondary"
          aria-pressed={showCritical}
          title="Mark the chain of spans that decides when the trace ends"
          onClick={onToggleCritical}
        >
          Critical path
        </button>
      </div>
      <div className="timeline-col">
        <Minimap timeline={timeline} rows={rows} critical={showCritical ? critical : null} />
      </div>
    </div>
  );
}

interface AxisProps {
  timeline: TimelineView;
  focusNs: number | null;
}

/** The time axis: ticks of the visible window, and the keyboard's and the wheel's handle. */
export function TimelineAxis({ timeline, focusNs }: AxisProps) {
  const { window: view, full } = timeline;
  const axis = useRef<HTMLDivElement>(null);
  const drag = useDragPan(timeline);
  useWheel(axis, (e, column) => {
    if (e.deltaX !== 0 && Math.abs(e.deltaX) > Math.abs(e.deltaY)) {
      timeline.pan((e.deltaX / column.width) * (view.endNs - view.startNs));
    } else {
      timeline.zoom(wheelFactor(e), timeAt(view, (e.clientX - column.left) / column.width));
    }
  });
  const width = view.endNs - view.startNs;
  const total = full.endNs;
  const shown = minimapWindow(view, full);
  const from = view.startNs;
  const scale = ticksIn(view, full, 4);
  const step = scale.length > 1 ? scale[1]!.offsetNs - scale[0]!.offsetNs : width;
  const label = (ns: number) => formatOffset(ns, step);
  return (
    <div
      ref={axis}
      className="timeline-col ticks timeline-axis"
      role="slider"
      tabIndex={0}
      aria-label="Timeline window"
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={Math.round(shown.left)}
      aria-valuetext={`${label(from)} to ${label(from + width)} of ${label(total)}`}
      aria-describedby="timeline-keys"
      data-testid="timeline-axis"
      data-view-start-ns={from}
      data-view-end-ns={from + width}
      onPointerDown={(e) => drag.start(e, e.currentTarget)}
      onPointerMove={drag.move}
      onPointerUp={drag.end}
      onPointerCancel={drag.end}
      onKeyDown={(e) => {
        const focus = focusOrCentre(view, focusNs);
        const panBy = (e.shiftKey ? 0.5 : PAN_STEP) * width;
        const actions: Record<string, () => void> = {
          "+": () => timeline.zoom(ZOOM_STEP, focus),
          "=": () => timeline.zoom(ZOOM_STEP, focus),
          "-": () => timeline.zoom(1 / ZOOM_STEP, focus),
          _: () => timeline.zoom(1 / ZOOM_STEP, focus),
          "0": timeline.reset,
          ArrowLeft: () => timeline.pan(-panBy),
          ArrowRight: () => timeline.pan(panBy),
          Home: () => timeline.pan(-total),
          End: () => timeline.pan(total),
        };
        const action = actions[e.key];
        if (!action || e.ctrlKey || e.metaKey || e.altKey) return;
        e.preventDefault();
        action();
      }}
    >
      <span id="timeline-keys" className="visually-hidden">
        Plus and minus zoom, left and right arrows pan, 0 shows the whole trace.
      </span>
      {scale
        // A label at the right edge would be cut off; the scale reads without it.
        .filter((t) => t.left < 85)
        .map((t) => (
          <span key={t.offsetNs} className="tick" style={{ left: `${t.left}%` }}>
            {t.label}
          </span>
        ))}
    </div>
  );
}

interface MinimapProps {
  timeline: TimelineView;
  rows: readonly SpanNode[];
  critical: ReadonlySet<string> | null;
}

/** The whole trace in miniature, one line per row, with the visible window; drag to move it. */
function Minimap({ timeline, rows, critical }: MinimapProps) {
  const { window: view, full, bounds } = timeline;
  const strip = useRef<HTMLDivElement>(null);
  const grab = useRef<{ pointerId: number; offset: number } | null>(null);
  const shown = minimapWindow(view, full);
  const paths = useMemo(() => minimapPaths(rows, bounds, critical), [rows, bounds, critical]);
  useWheel(strip, (e) => timeline.zoom(wheelFactor(e)));
  const fractionAt = (e: PointerEvent<HTMLDivElement>) => {
    const box = e.currentTarget.getBoundingClientRect();
    return box.width > 0 ? (e.clientX - box.left) / box.width : 0;
  };
  return (
    <div
      ref={strip}
      className="minimap"
      data-testid="timeline-minimap"
      aria-hidden="true"
      onPointerDown={(e) => {
        if (e.button !== 0) return;
        const at = fractionAt(e);
        const centre = (shown.left + shown.width / 2) / 100;
        const inside = at * 100 >= shown.left && at * 100 <= shown.left + shown.width;
        // Grabbing the window keeps the pointer where it took hold; elsewhere the window
        // jumps to centre on the pointer.
        grab.current = { pointerId: e.pointerId, offset: inside ? at - centre : 0 };
        if (!inside) timeline.show(viewAtMinimap(view, full, at));
        e.currentTarget.setPointerCapture(e.pointerId);
      }}
      onPointerMove={(e) => {
        if (grab.current?.pointerId !== e.pointerId) return;
        timeline.show(viewAtMinimap(view, full, fractionAt(e) - grab.current.offset));
      }}
      onPointerUp={() => (grab.current = null)}
      onPointerCancel={() => (grab.current = null)}
    >
      <svg viewBox={`0 0 1000 ${Math.max(rows.length, 1)}`} preserveAspectRatio="none">
        <path className="minimap-spans" d={paths.spans} />
        <path className="minimap-errors" d={paths.errors} />
        <path className="minimap-critical" d={paths.critical} />
      </svg>
      <div
        className={`minimap-window${timeline.zoomed ? " zoomed" : ""}`}
        data-testid="minimap-window"
        style={{ left: `${shown.left}%`, width: `${shown.width}%` }}
      />
    </div>
  );
}

/** One SVG path per colour (a single element each, so 10,000 spans stay cheap). */
function minimapPaths(
  rows: readonly SpanNode[],
  bounds: TimeBounds,
  critical: ReadonlySet<string> | null,
): { spans: string; errors: string; critical: string } {
  const total = bounds.endNs - bounds.startNs;
  const spans: string[] = [];
  const errors: string[] = [];
  const marked: string[] = [];
  rows.forEach((node, i) => {
    const { span } = node;
    const end = span.end_time_ns ?? bounds.endNs;
    const x1 = total > 0 ? ((span.start_time_ns - bounds.startNs) / total) * 1000 : 0;
    const x2 = total > 0 ? ((end - bounds.startNs) / total) * 1000 : 1000;
    // At least 2 units (of 1000) long, so an instant span still leaves a mark.
    const segment = `M${x1.toFixed(1)} ${i + 0.5}H${Math.max(x2, x1 + 2).toFixed(1)}`;
    if (critical?.has(span.span_id)) marked.push(segment);
    else if (span.status.code === "ERROR") errors.push(segment);
    else spans.push(segment);
  });
  return { spans: spans.join(""), errors: errors.join(""), critical: marked.join("") };
}

/**
 * Bring a newly selected span's bar into the window (from the tree, a deep link or a find):
 * once per selection, so zooming and panning afterwards stay the user's.
 */
export function useFollowSelection(timeline: TimelineView, span: Span | undefined): void {
  const followed = useRef<string | null>(null);
  useEffect(() => {
    if (!span || followed.current === span.span_id) return;
    followed.current = span.span_id;
    const origin = timeline.bounds.startNs;
    const start = span.start_time_ns - origin;
    // A running span's bar starts at its start: that is what has to be in view.
    const end = (span.end_time_ns ?? span.start_time_ns) - origin;
    const next = followView(timeline.window, timeline.full, start, end);
    if (next !== timeline.window) timeline.show(next);
  }, [span, timeline]);
}

function focusOrCentre(view: TimeBounds, focusNs: number | null): number {
  return focusNs != null && focusNs >= view.startNs && focusNs <= view.endNs
    ? focusNs
    : (view.startNs + view.endNs) / 2;
}

/** A wheel event's zoom factor: one notch (100 px) zooms about 1.4 times. */
export function wheelFactor(e: WheelEvent): number {
  const px = e.deltaY * (e.deltaMode === 1 ? 40 : e.deltaMode === 2 ? 800 : 1);
  return 2 ** Math.min(Math.max(-px / 200, -2), 2);
}

/**
 * A non-passive wheel listener (React's is passive, so it could not stop the page from
 * scrolling or the browser from zooming). `handle` returns false to leave the event alone.
 */
export function useWheel(
  target: RefObject<HTMLElement | null>,
  handle: (e: WheelEvent, column: DOMRect) => boolean | void,
  columnOf: (e: WheelEvent) => Element | null = (e) => e.currentTarget as Element,
): void {
  const latest = useRef({ handle, columnOf });
  useEffect(() => {
    latest.current = { handle, columnOf };
  });
  useEffect(() => {
    const element = target.current;
    if (!element) return;
    const listener = (e: WheelEvent) => {
      const column = latest.current.columnOf(e);
      if (!column) return;
      if (latest.current.handle(e, column.getBoundingClientRect()) === false) return;
      e.preventDefault();
    };
    element.addEventListener("wheel", listener, { passive: false });
    return () => element.removeEventListener("wheel", listener);
  }, [target]);
}

/**
 * Drag to pan: the window follows the pointer. A press that does not move (4 px) stays a
 * click; after a real drag, `wasDrag()` tells the click handler to select nothing.
 */
export function useDragPan(timeline: TimelineView) {
  const drag = useRef<{
    pointerId: number;
    x: number;
    widthPx: number;
    view: TimeBounds;
    moved: boolean;
  } | null>(null);
  const dragged = useRef(false);
  return {
    start(e: PointerEvent<HTMLElement>, column: Element) {
      if (e.button !== 0 || e.pointerType === "touch") return;
      const width = column.getBoundingClientRect().width;
      if (width <= 0) return;
      drag.current = {
        pointerId: e.pointerId,
        x: e.clientX,
        widthPx: width,
        view: timeline.window,
        moved: false,
      };
      dragged.current = false;
    },
    move(e: PointerEvent<HTMLElement>) {
      const d = drag.current;
      if (!d || d.pointerId !== e.pointerId) return;
      const dx = e.clientX - d.x;
      if (!d.moved) {
        if (Math.abs(dx) < 4) return;
        // Captured only once it is a drag, so that a plain click still lands on its row.
        d.moved = true;
        e.currentTarget.setPointerCapture(e.pointerId);
      }
      const ns = (-dx / d.widthPx) * (d.view.endNs - d.view.startNs);
      timeline.show({ startNs: d.view.startNs + ns, endNs: d.view.endNs + ns });
    },
    end() {
      if (drag.current?.moved) dragged.current = true;
      drag.current = null;
    },
    wasDrag() {
      const was = dragged.current;
      dragged.current = false;
      return was;
    },
  };
}
