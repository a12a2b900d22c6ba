// Live traces as React state: a clock for running spans, and the traces new since the user
// last looked at the table.
import { useEffect, useMemo, useState } from "react";
import type { Trace } from "../api/types";
import { CLOCK_TICK_MS, countNew, IN_PROGRESS, newTraceIds, type Seen, seenOf } from "./live";

/** Now in epoch ns, ticking while `active`; null while not (nothing is running). */
export function useNowNs(active: boolean, tickMs = CLOCK_TICK_MS): number | null {
  const [nowMs, setNowMs] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    const timer = window.setInterval(() => setNowMs(Date.now()), tickMs);
    return () => window.clearInterval(timer);
  }, [active, tickMs]);
  return active ? nowMs * 1e6 : null;
}

/** The clock of a trace that is still running; null once it has ended (its spans stand). */
export function useTraceClock(trace: Trace | undefined): number | null {
  return useNowNs(trace?.info.state === IN_PROGRESS);
}

export interface NewTraces {
  /** Traces on screen that were not when Live was turned on or the notice last clicked. */
  ids: ReadonlySet<string>;
  count: number;
  /** The user has seen them: the count starts again from what is on screen. */
  acknowledge: () => void;
}

const NONE: ReadonlySet<string> = new Set();

/**
 * What is new in the traces table while Live is on. `view` names the search (filter, order,
 * page): another one starts from what it shows. `ready` is false while the rows on screen
 * are another search's, standing in until this one's arrive.
 */
export function useNewTraces(
  live: boolean,
  view: string,
  ids: readonly string[],
  total: number | null,
  ready: boolean,
): NewTraces {
  const [seen, setSeen] = useState<{ view: string; seen: Seen } | null>(null);
  let current = seen;
  // Adjusted while rendering (React's pattern for state that follows props): an effect would
  // show one frame counting every row as new.
  if (!live) {
    current = null;
    if (seen !== null) setSeen(null);
  } else if (ready && seen?.view !== view) {
    current = { view, seen: seenOf(ids, total) };
    setSeen(current);
  }
  const fresh = useMemo(() => (current ? newTraceIds(current.seen, ids) : NONE), [current, ids]);
  return {
    ids: fresh,
    count: current ? countNew(current.seen, ids, total) : 0,
    acknowledge: () => setSeen({ view, seen: seenOf(ids, total) }),
  };
}
