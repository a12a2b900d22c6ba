import { useVirtualizer } from "@tanstack/react-virtual";
import { useEffect, useMemo, useRef, useState } from "react";
import { criticalPath } from "../lib/criticalPath";
import type { SpanNode } from "../lib/spanTree";
import { isRunning } from "../lib/live";
import { barFor, type TimeBounds, timeAt } from "../lib/timeline";
import { useTimelineView } from "../lib/useTimelineView";
import { SpanDuration } from "./SpanDuration";
import { SpanTypeIcon, spanTypeColor } from "./SpanTypeIcon";
import {
  TimelineAxis,
  TimelineControls,
  useDragPan,
  useFollowSelection,
  useWheel,
  wheelFactor,
} from "./Timeline";

const ROW_HEIGHT = 28;

interface Props {
  rows: SpanNode[];
  bounds: TimeBounds;
  collapsed: ReadonlySet<string>;
  /** Spans found by name, marked in the tree. */
  matches: ReadonlySet<string>;
  selectedId: string | null;
  onSelect: (spanId: string) => void;
  onToggle: (spanId: string) => void;
  /** Now, while the trace runs: open spans show their time so far, their bars reach now. */
  nowNs?: number | null;
}

const NO_SPANS: ReadonlySet<string> = new Set();

/**
 * The span tree and its waterfall, one row per span in one scroll container (so they stay
 * aligned); only the rows in view are in the DOM, and only the bars inside the timeline's
 * window. Ctrl/⌘ + wheel over the bars zooms around the pointer, dragging them pans.
 */
export function SpanTree({
  rows,
  bounds,
  collapsed,
  matches,
  selectedId,
  onSelect,
  onToggle,
  nowNs = null,
}: Props) {
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const selectedIndex = useMemo(
    () => rows.findIndex((r) => r.span.span_id === selectedId),
    [rows, selectedId],
  );
  // Scroll to a newly selected span once it has a row (a deep link or a find may first have
  // to unfold its ancestors), but not on every fold elsewhere.
  const scrolledTo = useRef<string | null>(null);
  useEffect(() => {
    if (selectedIndex >= 0 && scrolledTo.current !== selectedId) {
      scrolledTo.current = selectedId;
      virtualizer.scrollToIndex(selectedIndex, { align: "auto" });
    }
  }, [selectedId, selectedIndex, virtualizer]);
  const selectedRendered = virtualizer
    .getVirtualItems()
    .some((item) => item.index === selectedIndex);
  const timeline = useTimelineView(bounds);
  const { view } = timeline;
  const [showCritical, setShowCritical] = useState(false);
  const critical = useMemo(
    () => (showCritical ? new Set(criticalPath(rows.filter((r) => r.depth === 0))) : NO_SPANS),
    [rows, showCritical],
  );
  const selectedSpan = rows[selectedIndex]?.span;
  useFollowSelection(timeline, selectedSpan);
  // The selected span's middle, as an offset from the trace's start: the keys zoom around it.
  const focusNs = selectedSpan
    ? selectedSpan.start_time_ns -
      bounds.startNs +
      ((selectedSpan.end_time_ns ?? selectedSpan.start_time_ns) - selectedSpan.start_time_ns) / 2
    : null;
  const drag = useDragPan(timeline);
  useWheel(
    scroller,
    (e, column) => {
      // A plain wheel scrolls the rows; with Ctrl or ⌘ (and a trackpad pinch) it zooms.
      if (!e.ctrlKey && !e.metaKey) return false;
      timeline.zoom(
        wheelFactor(e),
        timeAt(timeline.window, (e.clientX - column.left) / column.width),
      );
    },
    (e) => (e.target as Element).closest(".timeline-col"),
  );
  return (
    <div className={`span-tree${showCritical ? " critical-on" : ""}`} data-testid="span-tree">
      <TimelineControls
        timeline={timeline}
        rows={rows}
        critical={critical}
        showCritical={showCritical}
        onToggleCritical={() => setShowCritical((on) => !on)}
        focusNs={focusNs}
      />
      <div className="span-tree-head">
        <div className="tree-col">Spans ({rows.length.toLocaleString("en-US")} shown)</div>
        <TimelineAxis timeline={timeline} focusNs={focusNs} />
      </div>
      {/* One tab stop: the tree keeps focus and points at the selected row
          (aria-activedescendant), so the virtualized rows need no focus of their own; the
          fold buttons are for the mouse, the arrow keys fold from the keyboard. */}
      <div
        className="span-tree-body"
        ref={scroller}
        role="tree"
        aria-label="Spans"
        tabIndex={0}
        aria-activedescendant={
          selectedId && selectedRendered ? rowElementId(selectedId) : undefined
        }
        onPointerDown={(e) => {
          const column = (e.target as Element).closest(".timeline-col");
          if (column) drag.start(e, column);
        }}
        onPointerMove={drag.move}
        onPointerUp={drag.end}
        onPointerCancel={drag.end}
        onClick={(e) => {
          if (drag.wasDrag()) return;
          const row = (e.target as Element).closest<HTMLElement>("[data-span-id]");
          if (row?.dataset.spanId) onSelect(row.dataset.spanId);
        }}
        onKeyDown={(e) => {
          const target = keyTarget(e.key, rows, selectedIndex, collapsed);
          if (!target) return;
          e.preventDefault();
          if (target.toggle) onToggle(target.toggle);
          if (target.select) onSelect(target.select);
        }}
      >
        <div style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
          {virtualizer.getVirtualItems().map((item) => {
            const node = rows[item.index]!;
            const span = node.span;
            const bar = barFor(span, view);
            const isError = span.status.code === "ERROR";
            const onPath = critical.has(span.span_id);
            const running = isRunning(span, nowNs);
            return (
              <div
                key={span.span_id}
                id={rowElementId(span.span_id)}
                role="treeitem"
                aria-level={node.depth + 1}
                aria-selected={span.span_id === selectedId}
                aria-expanded={node.children.length > 0 ? !collapsed.has(span.span_id) : undefined}
                data-span-id={span.span_id}
                className={`span-row${span.span_id === selectedId ? " selected" : ""}${
                  matches.has(span.span_id) ? " match" : ""
                }${onPath ? " critical" : ""}`}
                data-critical={onPath || undefined}
                style={{ height: ROW_HEIGHT, transform: `translateY(${item.start}px)` }}
              >
                <div className="tree-col" style={{ paddingLeft: 6 + node.depth * 14 }}>
                  {node.children.length > 0 ? (
                    <button
                      type="button"
                      className="twisty"
                      tabIndex={-1}
                      aria-label={collapsed.has(span.span_id) ? "Expand" : "Collapse"}
                      onClick={(e) => {
                        e.stopPropagation();
                        onToggle(span.span_id);
                      }}
                    >
                      {collapsed.has(span.span_id) ? "▸" : "▾"}
                    </button>
                  ) : (
                    <span className="twisty" />
                  )}
                  <SpanTypeIcon type={span.span_type} />
                  <span className="span-name" title={span.name}>
                    {span.name}
                  </span>
                  {isError && (
                    <span className="error-dot" title={span.status.message || "error"}>
                      !
                    </span>
                  )}
                  {!isError && node.subtreeError && collapsed.has(span.span_id) && (
                    <span className="error-dot faint" title="a descendant failed">
                      !
                    </span>
                  )}
                  {onPath && <span className="visually-hidden">, on the critical path</span>}
                  <span className="span-duration">
                    <SpanDuration span={span} nowNs={nowNs} />
                  </span>
                </div>
                <div className="timeline-col">
                  {bar.visible && (
                    <div
                      className={`bar${isError ? " error" : ""}${running ? " open" : ""}`}
                      data-running={running || undefined}
                      style={{
                        left: `${bar.left}%`,
                        width: `${bar.width}%`,
                        // The colour alone: an open bar's stripes are a background image.
                        backgroundColor: isError ? undefined : spanTypeColor(span.span_type),
                      }}
                    />
                  )}
                </div>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}

function rowElementId(spanId: string): string {
  return `span-row-${spanId}`;
}

/** What a key does in the tree (the WAI-ARIA tree pattern): the span to select, or to fold. */
function keyTarget(
  key: string,
  rows: readonly SpanNode[],
  selectedIndex: number,
  collapsed: ReadonlySet<string>,
): { select?: string; toggle?: string } | null {
  const at = (index: number) => rows[index]?.span.span_id;
  const node = rows[selectedIndex];
  switch (key) {
    case "ArrowDown":
      return { select: at(Math.min(selectedIndex + 1, rows.length - 1)) };
    case "ArrowUp":
      return { select: at(Math.max(selectedIndex - 1, 0)) };
    case "Home":
      return { select: at(0) };
    case "End":
      return { select: at(rows.length - 1) };
  }
  if (!node) return null;
  const id = node.span.span_id;
  const folded = collapsed.has(id);
  if (key === "ArrowRight" && node.children.length > 0) {
    // Unfold, or step into an open span's first child.
    return folded ? { toggle: id } : { select: at(selectedIndex + 1) };
  }
  if (key === "ArrowLeft") {
    // Fold an open span; from a leaf or a folded span, go to the parent.
    if (node.children.length > 0 && !folded) return { toggle: id };
    const parent = node.span.parent_id;
    return parent && rows.some((r) => r.span.span_id === parent) ? { select: parent } : null;
  }
  return null;
}
