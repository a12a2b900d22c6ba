// Display formatting of durations, times and counts.

export function formatDurationNs(ns: number | null | undefined): string {
  if (ns == null) return "running";
  return formatDurationMs(ns / 1e6);
}

export function formatDurationMs(ms: number | null | undefined): string {
  if (ms == null) return "—";
  if (ms === 0) return "0 ms";
  if (ms < 1) return `${Math.round(ms * 1000)} µs`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function formatTime(ms: number | null | undefined): string {
  if (ms == null) return "—";
  const date = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, "0");
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
  );
}

/** "$0.0042", "$1.23": a cost in USD; "—" when unpriced (never shown as $0). */
export function formatCost(usd: number | null | undefined): string {
  if (usd == null) return "—";
  if (usd === 0) return "$0";
  if (usd < 0.01) return `$${usd.toPrecision(2)}`;
  return `$${usd.toFixed(2)}`;
}

export function formatCount(n: number | null | undefined): string {
  return n == null ? "—" : n.toLocaleString("en-US");
}

/** "Nov 26, 04:22:48": a table cell's time (the year only when it is not this year). */
export function formatShortTime(ms: number | null | undefined): string {
  if (ms == null) return "—";
  const date = new Date(ms);
  const sameYear = date.getFullYear() === new Date().getFullYear();
  return date.toLocaleString("en-US", {
    year: sameYear ? undefined : "numeric",
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hour12: false,
  });
}

/** A JSON value on one line, for a table cell: a lone string field shows as the string. */
export function previewJson(value: unknown, max = 160): string {
  let text: string;
  if (value == null) text = "";
  else if (typeof value === "string") text = value;
  else {
    const entries = typeof value === "object" && !Array.isArray(value) ? Object.values(value) : [];
    text =
      entries.length === 1 && typeof entries[0] === "string" ? entries[0] : JSON.stringify(value);
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** "120 traces", "1 trace", "10,000+ traces": a count of matches, capped when `capped`. */
export function formatTotal(count: number, capped: boolean, noun = "trace"): string {
  const plural = count === 1 && !capped ? noun : `${noun}s`;
  return `${count.toLocaleString("en-US")}${capped ? "+" : ""} ${plural}`;
}
