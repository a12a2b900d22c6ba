// Display formatting of durations, times and counts.

export function formatDurationNs(ns: number | null | undefined): string {
  if (ns == null) return "running";
  if (ns < 1e6) return `${Math.round(ns / 1000)} µs`;
  return formatDurationMs(ns / 1e6);
}

export function formatDurationMs(ms: number | null | undefined): string {
  if (ms == null) return "—";
  // Trace durations are whole milliseconds: 0 is a sub-millisecond run, not an instant.
  if (ms === 0) return "< 1 ms";
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

/** A table cell's time: the same "2024-01-05 09:03:07" as everywhere (one date format). */
export function formatShortTime(ms: number | null | undefined): string {
  return formatTime(ms);
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

/** "—": how every empty value shows. */
export const EMPTY = "—";

// A Python object's default repr (`<openai.OpenAI object at 0x7f...>`): noise in a preview.
const OBJECT_REPR = /<[\w.]+ object at 0x[0-9a-fA-F]+>/g;
const LONE_REPR = /^<[\w.]+ object at 0x[0-9a-fA-F]+>$/;
// The last user message of chat messages cut off mid-JSON (a preview is 300 characters).
const CUT_USER_CONTENT = /"role"\s*:\s*"user"\s*,\s*"content"\s*:\s*"((?:[^"\\]|\\.)*)/g;
const CUT_LONE_STRING = /^\{\s*"[^"\\]*"\s*:\s*"((?:[^"\\]|\\.)*)/;

/**
 * A trace's request or response preview as readable text: chat messages show the last user
 * message, an object with one string field shows the string, a JSON string shows unquoted,
 * and Python object reprs are left out. Previews cut at their limit are no longer JSON; the
 * same readings are tried on the cut text. Null for an empty preview.
 */
export function previewText(raw: string | null | undefined): string | null {
  if (raw == null || raw.trim() === "") return null;
  let text: string;
  try {
    text = readable(withoutReprs(JSON.parse(raw) as unknown));
  } catch {
    text = readableCut(raw);
  }
  text = text.replace(OBJECT_REPR, "").trim();
  return text === "" ? null : text;
}

function withoutReprs(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.filter((v) => !isRepr(v)).map(withoutReprs);
  }
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => !isRepr(v))
        .map(([k, v]) => [k, withoutReprs(v)]),
    );
  }
  return value;
}

function isRepr(value: unknown): boolean {
  return typeof value === "string" && LONE_REPR.test(value);
}

function readable(value: unknown): string {
  if (value == null) return "";
  if (typeof value === "string") return value;
  if (typeof value !== "object") return String(value);
  const messages = chatMessages(value);
  if (messages) {
    const user = [...messages].reverse().find((m) => m.role === "user") ?? messages.at(-1);
    const content = user ? messageText(user.content) : null;
    if (content) return content;
  }
  if (!Array.isArray(value)) {
    const values = Object.values(value);
    if (values.length === 1) {
      const only = values[0];
      if (typeof only === "string") return only;
      if (only !== null && typeof only === "object" && chatMessages(only)) return readable(only);
    }
  }
  return JSON.stringify(value);
}

interface Message {
  role: unknown;
  content: unknown;
}

function chatMessages(value: object): Message[] | null {
  const list = Array.isArray(value) ? value : (value as { messages?: unknown }).messages;
  if (!Array.isArray(list) || list.length === 0) return null;
  const ok = list.every((m) => m !== null && typeof m === "object" && "role" in m);
  return ok ? (list as Message[]) : null;
}

function messageText(content: unknown): string | null {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    const parts = content
      .map((p) =>
        typeof p === "string"
          ? p
          : p !== null && typeof p === "object"
            ? ((p as { text?: unknown; content?: unknown }).text ??
              (p as { content?: unknown }).content)
            : null,
      )
      .filter((t): t is string => typeof t === "string");
    return parts.length > 0 ? parts.join(" ") : null;
  }
  return null;
}

function readableCut(raw: string): string {
  const users = [...raw.matchAll(CUT_USER_CONTENT)];
  const last = users.at(-1);
  if (last) return `${unescapeJson(last[1]!)}…`;
  const lone = CUT_LONE_STRING.exec(raw);
  if (lone) return `${unescapeJson(lone[1]!)}…`;
  return raw;
}

function unescapeJson(text: string): string {
  try {
    return JSON.parse(`"${text.replace(/\\$/, "")}"`) as string;
  } catch {
    return text;
  }
}

/** A trace id shortened for display: its last `digits` characters. Ids start with the
 * trace's time (the first 12 digits are milliseconds), so traces of the same minute share
 * their first digits; the end is random. */
export function shortId(id: string, digits = 8): string {
  return `…${id.slice(-digits)}`;
}
