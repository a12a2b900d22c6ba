import type { ReactNode } from "react";
import { Link } from "react-router-dom";
import type { Trace } from "../api/types";
import { COLUMNS, type ColumnId, parseSort } from "../lib/columns";
import { formatCount, formatDurationMs, formatShortTime, formatTime } from "../lib/format";
import { traceSession, traceTokens, traceUser } from "../lib/traceInfo";
import { StateBadge } from "./StateBadge";
import { TagList } from "./TagList";

interface Props {
  traces: Trace[];
  columns: readonly ColumnId[];
  sort: string;
  onSort: (field: string) => void;
  selected: ReadonlySet<string>;
  onSelect: (ids: Set<string>) => void;
}

export function TracesTable({ traces, columns, sort, onSort, selected, onSelect }: Props) {
  const { field, desc } = parseSort(sort);
  const shown = COLUMNS.filter((c) => columns.includes(c.id));
  const allSelected = traces.length > 0 && traces.every((t) => selected.has(t.info.trace_id));
  const toggle = (id: string) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    onSelect(next);
  };
  return (
    <div className="table-wrap">
      <table className="table traces-table" data-testid="traces-table">
        <thead>
          <tr>
            <th className="check">
              <input
                type="checkbox"
                aria-label="Select all"
                checked={allSelected}
                onChange={() =>
                  onSelect(allSelected ? new Set() : new Set(traces.map((t) => t.info.trace_id)))
                }
              />
            </th>
            {shown.map((c) => (
              <th
                key={c.id}
                className={c.id === "latency" || c.id === "tokens" ? "num" : undefined}
              >
                {c.sortField ? (
                  <button type="button" className="sort" onClick={() => onSort(c.sortField!)}>
                    {c.label}
                    {field === c.sortField ? (desc ? " ▼" : " ▲") : ""}
                  </button>
                ) : (
                  c.label
                )}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {traces.map((t) => (
            <tr key={t.info.trace_id} className={selected.has(t.info.trace_id) ? "selected" : ""}>
              <td className="check">
                <input
                  type="checkbox"
                  aria-label={`Select ${t.info.trace_id}`}
                  checked={selected.has(t.info.trace_id)}
                  onChange={() => toggle(t.info.trace_id)}
                />
              </td>
              {shown.map((c) => (
                <td
                  key={c.id}
                  className={c.id === "latency" || c.id === "tokens" ? "num" : `col-${c.id}`}
                >
                  {cell(t, c.id)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function cell(trace: Trace, column: ColumnId): ReactNode {
  const info = trace.info;
  switch (column) {
    case "id":
      return (
        <Link to={`/traces/${info.trace_id}`} className="mono">
          {info.trace_id.slice(0, 8)}…
        </Link>
      );
    case "name":
      return (
        <Link to={`/traces/${info.trace_id}`} className="strong">
          {info.name ?? "(unnamed)"}
        </Link>
      );
    case "request":
      return <span className="preview">{info.request_preview ?? ""}</span>;
    case "response":
      return <span className="preview">{info.response_preview ?? ""}</span>;
    case "state":
      return <StateBadge state={info.state} />;
    case "latency":
      return formatDurationMs(info.execution_duration);
    case "tokens":
      return formatCount(traceTokens(info));
    case "session":
      return <span className="mono">{traceSession(info) ?? ""}</span>;
    case "user":
      return traceUser(info) ?? "";
    case "tags":
      return <TagList tags={info.tags} />;
    case "time":
      return (
        <span title={formatTime(info.request_time)}>{formatShortTime(info.request_time)}</span>
      );
  }
}
