// The traces table's columns: which exist, which sort on the server, which are shown.

export type ColumnId =
  | "id"
  | "name"
  | "request"
  | "response"
  | "state"
  | "latency"
  | "tokens"
  | "session"
  | "user"
  | "tags"
  | "time";

export interface Column {
  id: ColumnId;
  label: string;
  /** The order_by field of the API, for sortable columns. */
  sortField?: string;
}

export const COLUMNS: readonly Column[] = [
  { id: "id", label: "Trace ID", sortField: "trace_id" },
  { id: "name", label: "Name", sortField: "name" },
  { id: "request", label: "Request" },
  { id: "response", label: "Response" },
  { id: "state", label: "State", sortField: "status" },
  { id: "latency", label: "Latency", sortField: "execution_time_ms" },
  { id: "tokens", label: "Tokens" },
  { id: "session", label: "Session" },
  { id: "user", label: "User" },
  { id: "tags", label: "Tags" },
  { id: "time", label: "Time", sortField: "timestamp_ms" },
];

export const DEFAULT_COLUMNS: readonly ColumnId[] = COLUMNS.map((c) => c.id).filter(
  (id) => id !== "user",
);

const STORAGE_KEY = "spanscope.traceColumns";

export function loadColumns(): ColumnId[] {
  try {
    const saved = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? "null") as unknown;
    if (Array.isArray(saved)) {
      const known = new Set<string>(COLUMNS.map((c) => c.id));
      return saved.filter((id): id is ColumnId => typeof id === "string" && known.has(id));
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

/** "<field> DESC" <-> field and direction. */
export function parseSort(sort: string): { field: string; desc: boolean } {
  const [field = "timestamp_ms", direction = "DESC"] = sort.split(" ");
  return { field, desc: direction.toUpperCase() === "DESC" };
}

export function nextSort(current: string, field: string): string {
  const { field: f, desc } = parseSort(current);
  if (f !== field) return `${field} DESC`;
  return `${field} ${desc ? "ASC" : "DESC"}`;
}
