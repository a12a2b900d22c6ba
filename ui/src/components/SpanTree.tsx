import { useVirtualizer } from "@tanstack/react-virtual";
import { useEffect, useMemo, useRef } from "react";
import type { SpanNode } from "../lib/spanTree";
import { formatDurationNs } from "../lib/format";
import { barFor, type TimeBounds, ticks } from "../lib/timeline";
import { SpanTypeIcon, spanTypeColor } from "./SpanTypeIcon";

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
}

/**
 * The span tree and its waterfall, one row per span in one scroll container (so they stay
 * aligned); only the rows in view are in the DOM.
 */
export function SpanTree({
  rows,
  bounds,
  collapsed,
  matches,
  selectedId,
  onSelect,
  onToggle,
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
  const scale = ticks(bounds);
  const total = bounds.endNs - bounds.startNs;
  return (
    <div className="span-tree" data-testid="span-tree">
      <div className="span-tree-head">
        <div className="tree-col">Spans ({rows.length.toLocaleString("en-US")} shown)</div>
        <div className="timeline-col ticks">
          {scale
            // A label at the right edge would be cut off; the scale reads without it.
            .filter((t) => total <= 0 || t / total < 0.9)
            .map((t) => (
              <span key={t} style={{ left: `${total > 0 ? (t / total) * 100 : 0}%` }}>
                {formatDurationNs(t)}
              </span>
            ))}
        </div>
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
        onClick={(e) => {
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
            const bar = barFor(span, bounds);
            const isError = span.status.code === "ERROR";
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
                }`}
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
                  <span className="span-duration">{formatDurationNs(bar.durationNs)}</span>
                </div>
                <div className="timeline-col">
                  <div
                    className={`bar${isError ? " error" : ""}`}
                    style={{
                      left: `${bar.left}%`,
                      width: `${bar.width}%`,
                      background: isError ? undefined : spanTypeColor(span.span_type),
                    }}
                  />
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
