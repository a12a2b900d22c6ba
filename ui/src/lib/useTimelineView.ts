// The timeline's visible window as React state: zoom, pan and reset, kept inside the trace.
import { useCallback, useMemo, useState } from "react";
import { clampView, isZoomed, MIN_WINDOW_NS, panView, type TimeBounds, zoomView } from "./timeline";

/** How much one +/- key press or button click zooms. */
export const ZOOM_STEP = 2;

export interface TimelineView {
  /** The whole trace, in epoch ns. */
  bounds: TimeBounds;
  /** The whole trace as offsets from its start: 0 to its duration. */
  full: TimeBounds;
  /**
   * The visible window as offsets from the trace's start. Epoch nanoseconds as JavaScript
   * numbers are only exact to a few hundred ns, so the window is kept in offsets, where a
   * microsecond-wide window stays exact.
   */
  window: TimeBounds;
  /** The visible window in epoch ns, for placing bars. */
  view: TimeBounds;
  zoomed: boolean;
  /** True at the narrowest window. */
  atMaxZoom: boolean;
  /** Zoom by `factor` (above 1 zooms in) around an offset (default: the window's centre). */
  zoom: (factor: number, focusOffsetNs?: number) => void;
  pan: (deltaNs: number) => void;
  /** Show this window (offsets), kept inside the trace. */
  show: (window: TimeBounds) => void;
  reset: () => void;
}

interface Chosen {
  /** The trace the window was chosen in (its start): another trace starts unzoomed. */
  originNs: number;
  window: TimeBounds;
}

/**
 * The window is the whole trace until the user zooms; a trace that grows while it runs keeps
 * the chosen window (clamped), and another trace starts at the whole trace again.
 */
export function useTimelineView(bounds: TimeBounds): TimelineView {
  const [chosen, setChosen] = useState<Chosen | null>(null);
  const full = useMemo(() => ({ startNs: 0, endNs: bounds.endNs - bounds.startNs }), [bounds]);
  const current = useCallback(
    (c: Chosen | null) =>
      c && c.originNs === bounds.startNs ? clampView(c.window, full) : { ...full },
    [bounds, full],
  );
  const window = useMemo(() => current(chosen), [current, chosen]);
  const update = useCallback(
    (next: (window: TimeBounds) => TimeBounds) =>
      setChosen((c) => ({ originNs: bounds.startNs, window: next(current(c)) })),
    [bounds, current],
  );
  return useMemo(
    () => ({
      bounds,
      full,
      window,
      view: { startNs: bounds.startNs + window.startNs, endNs: bounds.startNs + window.endNs },
      zoomed: isZoomed(window, full),
      atMaxZoom: window.endNs - window.startNs <= Math.min(MIN_WINDOW_NS, full.endNs),
      zoom: (factor, focus) =>
        update((w) => zoomView(w, full, factor, focus ?? (w.startNs + w.endNs) / 2)),
      pan: (deltaNs) => update((w) => panView(w, full, deltaNs)),
      show: (next) => update(() => clampView(next, full)),
      reset: () => setChosen(null),
    }),
    [bounds, full, window, update],
  );
}
