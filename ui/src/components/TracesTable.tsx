import type { ReactNode } from "react";
import { Link } from "react-router-dom";
import type { Trace } from "../api/types";
import { formatAssessment, validFeedback, valueClass } from "../lib/assessments";
import { type Column, parseSort } from "../lib/columns";
import { feedbackClause } from "../lib/filter";
import { IN_PROGRESS } from "../lib/live";
import {
  EMPTY,
  formatCost,
  formatCount,
  formatDurationMs,
  formatShortTime,
  formatTime,
  previewText,
  shortId,
} from "../lib/format";
import { traceCost, traceSession, traceTokens, traceUser } from "../lib/traceInfo";
import { StateBadge } from "./StateBadge";
import { TagList } from "./TagList";
import "../roundTwo.css";
import "./live.css";

interface Props {
  traces: Trace[];
  /** The columns shown, in order. */
  columns: readonly Column[];
  sort: string;
  onSort: (field: string) => void;
  selected: ReadonlySet<string>;
  onSelect: (ids: Set<string>) => void;
  /** Narrow the search by a clause (a feedback value clicked). */
  onFilter: (clause: string) => void;
  /** Traces new since the user last looked (Live): their rows flash. */
  fresh?: ReadonlySet<string>;
}

// Right-aligned columns.
const NUMERIC = new Set<string>(["latency", "tokensIn", "tokensOut", "tokens", "cost"]);
// Set widths (the table's layout is fixed), so columns keep their place whatever a filter shows.
const WIDTHS: Record<string, string> = {
  id: "90px",
  name: "150px",
  request: "180px",
  response: "180px",
  state: "100px",
  latency: "80px",
  tokensIn: "85px",
  tokensOut: "90px",
  tokens: "95px",
  cost: "70px",
  session: "110px",
  user: "100px",
  tags: "120px",
  time: "160px",
};
const FEEDBACK_WIDTH = "100px";

export function TracesTable({
  traces,
  columns,
  sort,
  onSort,
  selected,
  onSelect,
  onFilter,
  fresh,
}: Props) {
  const { field, desc } = parseSort(sort);
  const shown = columns;
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
        <colgroup>
          <col style={{ width: "40px" }} />
          {shown.map((c) => (
            <col key={c.id} style={{ width: WIDTHS[c.id] ?? FEEDBACK_WIDTH }} />
          ))}
        </colgroup>
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
                className={NUMERIC.has(c.id) ? "num" : undefined}
                aria-sort={
                  !c.sortField
                    ? undefined
                    : field === c.sortField
                      ? desc
                        ? "descending"
                        : "ascending"
                      : "none"
                }
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
            <tr
              key={t.info.trace_id}
              className={rowClass(selected.has(t.info.trace_id), !!fresh?.has(t.info.trace_id))}
            >
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
                  className={
                    NUMERIC.has(c.id) ? "num" : c.feedback != null ? "col-feedback" : `col-${c.id}`
                  }
                  data-column={c.id}
                  data-feedback={c.feedback}
                >
                  {c.feedback != null ? (
                    <FeedbackCell trace={t} name={c.feedback} onFilter={onFilter} />
                  ) : (
                    cell(t, c.id)
                  )}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function rowClass(selected: boolean, fresh: boolean): string {
  return [selected && "selected", fresh && "fresh"].filter(Boolean).join(" ");
}

/** The valid values of one feedback name; clicking one filters the table by it. */
function FeedbackCell({
  trace,
  name,
  onFilter,
}: {
  trace: Trace;
  name: string;
  onFilter: (clause: string) => void;
}) {
  const values = validFeedback(trace.info, name);
  return (
    <span className="feedback-values">
      {values.map((a) => {
        const clause = feedbackClause(name, a.value);
        const text = formatAssessment(a, true);
        const title = `${name}: ${formatAssessment(a)} (${a.source.source_id})${a.rationale ? `: ${a.rationale}` : ""}`;
        return clause ? (
          <button
            key={a.assessment_id}
            type="button"
            className={`link feedback-value ${valueClass(a.value)}`}
            title={`${title}. Click to filter by it.`}
            onClick={() => onFilter(clause)}
          >
            {text}
          </button>
        ) : (
          <span key={a.assessment_id} className="feedback-value" title={title}>
            {text}
          </span>
        );
      })}
    </span>
  );
}

function cell(trace: Trace, column: Column["id"]): ReactNode {
  const info = trace.info;
  switch (column) {
    case "id":
      return (
        <Link to={`/traces/${info.trace_id}`} className="mono">
          {shortId(info.trace_id)}
        </Link>
      );
    case "name":
      return (
        <Link to={`/traces/${info.trace_id}`} className="strong">
          {info.name ?? "(unnamed)"}
        </Link>
      );
    case "request":
      return <Preview raw={info.request_preview} />;
    case "response":
      return <Preview raw={info.response_preview} />;
    case "state":
      return <StateBadge state={info.state} />;
    case "latency":
      return info.state === IN_PROGRESS && info.execution_duration == null ? (
        <span className="running-duration">running</span>
      ) : (
        formatDurationMs(info.execution_duration)
      );
    case "tokensIn":
      return formatCount(traceTokens(info, "input"));
    case "tokensOut":
      return formatCount(traceTokens(info, "output"));
    case "tokens":
      return formatCount(traceTokens(info));
    case "cost":
      return formatCost(traceCost(info));
    case "session":
      return <span className="mono">{traceSession(info) ?? EMPTY}</span>;
    case "user":
      return traceUser(info) ?? EMPTY;
    case "tags":
      return Object.keys(info.tags).length > 0 ? <TagList tags={info.tags} /> : EMPTY;
    case "time":
      return (
        <span title={formatTime(info.request_time)}>{formatShortTime(info.request_time)}</span>
      );
    default:
      return null; // feedback columns: FeedbackCell
  }
}

/** A request or response preview as readable text (lib/format.ts previewText). */
function Preview({ raw }: { raw: string | null | undefined }) {
  const text = previewText(raw);
  if (text === null) return <span className="muted">{EMPTY}</span>;
  return (
    <span className="preview" title={text}>
      {text}
    </span>
  );
}
