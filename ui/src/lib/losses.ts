// What clients lost, as the experiment header says it: "12 traces lost by clients in the last
// 24 h: export queue full 10, evicted from a full spool 2".
import type { ClientLosses } from "../api/types";

// The causes the SDKs report (spanscope/entities/client_losses.py), in words.
const CAUSES: Record<string, string> = {
  queue_full: "export queue full",
  export_error: "refused by the destination",
  evicted: "evicted from a full spool",
  spool_error: "spool not writable",
};

/** The notice for `losses`, or null when clients lost no trace. */
export function lossNotice(losses: ClientLosses | undefined, hours = 24): string | null {
  if (!losses || losses.traces <= 0) return null;
  const causes = Object.entries(losses.by_cause)
    .filter(([cause, count]) => cause in CAUSES && count > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([cause, count]) => `${CAUSES[cause]} ${count.toLocaleString("en-US")}`);
  const noun = losses.traces === 1 ? "trace" : "traces";
  const clients = losses.clients === 1 ? "1 client" : `${losses.clients} clients`;
  return (
    `${losses.traces.toLocaleString("en-US")} ${noun} lost by ${clients} in the last ` +
    `${hours} h: ${causes.join(", ")}`
  );
}
