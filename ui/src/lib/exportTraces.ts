// Downloads from the traces table: the selected traces as JSON (a list of what GET
// /api/v1/traces/{id} answers, the Python `Trace.to_dict` shape, so each element loads with
// `spanscope.Trace.from_dict`) and the table as CSV (RFC 4180).
import { api } from "../api/client";
import type { TraceInfo } from "../api/types";
import { validFeedback } from "./assessments";
import type { Column } from "./columns";
import { traceCost, traceSession, traceTokens, traceUser } from "./traceInfo";

/** One CSV field: quoted when it holds a comma, quote, CR or LF; quotes doubled. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Rows as CSV text: fields by commas, records ended by CRLF (RFC 4180). */
export function toCsv(rows: readonly (readonly string[])[]): string {
  return rows.map((row) => row.map(csvField).join(",") + "\r\n").join("");
}

// A CSV holds the values, not their display: numbers plain, times in ISO 8601, ids whole.
const HEADERS: Partial<Record<string, string>> = {
  latency: "Latency (ms)",
  cost: "Cost (USD)",
  time: "Time (UTC)",
};

export function csvHeader(column: Column): string {
  return column.feedback != null ? column.label : (HEADERS[column.id] ?? column.label);
}

export function csvCell(info: TraceInfo, column: Column): string {
  if (column.feedback != null) {
    return validFeedback(info, column.feedback)
      .map((a) => (typeof a.value === "string" ? a.value : JSON.stringify(a.value ?? null)))
      .join("; ");
  }
  switch (column.id) {
    case "id":
      return info.trace_id;
    case "name":
      return info.name ?? "";
    case "request":
      return info.request_preview ?? "";
    case "response":
      return info.response_preview ?? "";
    case "state":
      return info.state;
    case "latency":
      return num(info.execution_duration);
    case "tokensIn":
      return num(traceTokens(info, "input"));
    case "tokensOut":
      return num(traceTokens(info, "output"));
    case "tokens":
      return num(traceTokens(info));
    case "cost":
      return num(traceCost(info));
    case "session":
      return traceSession(info) ?? "";
    case "user":
      return traceUser(info) ?? "";
    case "tags":
      return Object.entries(info.tags)
        .map(([k, v]) => `${k}=${v}`)
        .join("; ");
    case "time":
      return info.request_time == null ? "" : new Date(info.request_time).toISOString();
    default:
      return "";
  }
}

function num(value: number | null | undefined): string {
  return value == null ? "" : String(value);
}

/** The table as CSV: a header of the column labels, then a record per trace. */
export function tracesCsv(infos: readonly TraceInfo[], columns: readonly Column[]): string {
  return toCsv([columns.map(csvHeader), ...infos.map((i) => columns.map((c) => csvCell(i, c)))]);
}

// How many traces are fetched at once for the JSON download.
const CONCURRENCY = 6;

/** The traces with their spans as a JSON list, in the order of the ids. Each is the server's
 * text as it is: parsing it here would round nanosecond times to a JS number's precision. */
export async function fetchTracesJson(ids: readonly string[]): Promise<string> {
  const texts: string[] = new Array<string>(ids.length);
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const index = next++;
      texts[index] = (await api.getTraceText(ids[index]!)).trim();
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, ids.length) }, worker));
  return `[\n${texts.join(",\n")}\n]\n`;
}

const ID_PAGE = 1000;

/** The infos of the selected traces in the table's order: those of the page when the selection
 * is within it, else every match of the filter that is selected (a page of rows at a time). */
export async function selectedInfos(
  experimentId: string,
  filter: string | null,
  sort: string,
  pageInfos: readonly TraceInfo[],
  selected: ReadonlySet<string>,
): Promise<TraceInfo[]> {
  const onPage = pageInfos.filter((i) => selected.has(i.trace_id));
  if (onPage.length === selected.size) return onPage;
  const found: TraceInfo[] = [];
  let token: string | null = null;
  do {
    const page = await api.searchTraces({
      experiment_ids: [experimentId],
      filter,
      order_by: [sort],
      max_results: ID_PAGE,
      page_token: token,
      include_spans: false,
    });
    found.push(...page.traces.map((t) => t.info).filter((i) => selected.has(i.trace_id)));
    token = page.next_page_token ?? null;
  } while (token && found.length < selected.size);
  return found;
}

/** Hands text to the browser as a file download. */
export function downloadText(filename: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  link.style.display = "none";
  document.body.append(link);
  link.click();
  link.remove();
  // The download has started by now; later the URL would only hold the text in memory.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A file name such as traces-<experiment>-20250101-120000.json. */
export function exportName(experimentId: string, extension: string, now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/\.\d+Z$/, "")
    .replace(/[-:]/g, "")
    .replace("T", "-");
  return `traces-${experimentId}-${stamp}.${extension}`;
}
