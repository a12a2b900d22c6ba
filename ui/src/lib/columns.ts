// The traces table's columns: which exist, which sort on the server, which are shown. Besides
// the fixed ones there is one per feedback name ("feedback:<name>").
import { THUMBS_NAME } from "./assessments";
import { assessmentField } from "./filter";

export type FixedColumnId =
  | "id"
  | "name"
  | "request"
  | "response"
  | "state"
  | "latency"
  | "tokensIn"
  | "tokensOut"
  | "tokens"
  | "cost"
  | "session"
  | "user"
  | "tags"
  | "time";
export type ColumnId = FixedColumnId | `feedback:${string}`;

export interface Column {
  id: ColumnId;
  label: string;
  /** The order_by field of the API, for sortable columns. */
  sortField?: string;
  /** The feedback name a feedback column shows. */
  feedback?: string;
}

export const COLUMNS: readonly Column[] = [
  { id: "id", label: "Trace ID", sortField: "trace_id" },
  { id: "name", label: "Name", sortField: "name" },
  { id: "request", label: "Request" },
  { id: "response", label: "Response" },
  { id: "state", label: "State", sortField: "status" },
  { id: "latency", label: "Latency", sortField: "execution_time_ms" },
  { id: "tokensIn", label: "Tokens in", sortField: "input_tokens" },
  { id: "tokensOut", label: "Tokens out", sortField: "output_tokens" },
  { id: "tokens", label: "Total tokens", sortField: "total_tokens" },
  { id: "cost", label: "Cost", sortField: "cost" },
  { id: "session", label: "Session", sortField: "session_id" },
  { id: "user", label: "User", sortField: "user_id" },
  { id: "tags", label: "Tags" },
  { id: "time", label: "Time", sortField: "timestamp_ms" },
];

export function feedbackColumn(name: string): Column {
  return {
    id: `feedback:${name}`,
    label: name,
    sortField: assessmentField(name),
    feedback: name,
  };
}

/** Every column the table can show: the fixed ones, with one per feedback name before Time. */
export function tableColumns(feedbackNames: readonly string[]): Column[] {
  const fixed = COLUMNS.filter((c) => c.id !== "time");
  return [
    ...fixed,
    ...feedbackNames.map(feedbackColumn),
    ...COLUMNS.filter((c) => c.id === "time"),
  ];
}

// The thumbs column shows by default wherever traces have thumbs; the total of tokens in and
// out is one click away in the column picker.
const HIDDEN_BY_DEFAULT = new Set<ColumnId>(["user", "tokens"]);
export const DEFAULT_COLUMNS: readonly ColumnId[] = [
  ...COLUMNS.map((c) => c.id).filter((id) => !HIDDEN_BY_DEFAULT.has(id)),
  `feedback:${THUMBS_NAME}` as const,
];

const STORAGE_KEY = "spanscope.traceColumns";

export function loadColumns(): ColumnId[] {
  try {
    const saved = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? "null") as unknown;
    if (Array.isArray(saved)) {
      const known = new Set<string>(COLUMNS.map((c) => c.id));
      return saved.filter(
        (id): id is ColumnId =>
          typeof id === "string" && (known.has(id) || id.startsWith("feedback:")),
      );
    }
  } catch {
    // A corrupt saved value: fall back to the defaults.
  }
  return [...DEFAULT_COLUMNS];
}

export function saveColumns(columns: readonly ColumnId[]): void {
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(columns));
  } catch {
    // Storage blocked (a notebook's cross-site iframe): the choice lasts for this page.
  }
}

/** "<field> DESC" <-> field and direction (a field may hold spaces: feedback.`my name`). */
export function parseSort(sort: string): { field: string; desc: boolean } {
  const match = /^(.*?)\s+(ASC|DESC)$/i.exec(sort.trim());
  if (!match) return { field: sort.trim() || "timestamp_ms", desc: true };
  return { field: match[1]!, desc: match[2]!.toUpperCase() === "DESC" };
}

export function nextSort(current: string, field: string): string {
  const { field: f, desc } = parseSort(current);
  if (f !== field) return `${field} DESC`;
  return `${field} ${desc ? "ASC" : "DESC"}`;
}
