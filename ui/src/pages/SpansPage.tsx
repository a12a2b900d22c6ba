import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useParams, useSearchParams } from "react-router-dom";
import { api } from "../api/client";
import type { Span } from "../api/types";
import { ErrorBox } from "../components/ErrorBox";
import { ExperimentHeader } from "../components/ExperimentHeader";
import { Pager, usePageTokens } from "../components/Pager";
import { SearchBox } from "../components/SearchBox";
import { SpanTypeIcon } from "../components/SpanTypeIcon";
import { formatDurationNs, formatTime, shortId } from "../lib/format";
import "../traceCompare.css";

const SORTS: [string, string][] = [
  ["start_time_ms DESC", "Newest"],
  ["duration_ms DESC", "Slowest"],
  ["name ASC", "Name"],
];

function model(span: Span): string {
  const attributes = span.attributes as Record<string, unknown>;
  for (const key of ["gen_ai.response.model", "gen_ai.request.model"]) {
    if (typeof attributes[key] === "string") return attributes[key] as string;
  }
  return "";
}

/** Spans across traces, found with a span filter (type = 'TOOL' AND status = 'ERROR'). */
export function SpansPage() {
  const { experimentId = "0" } = useParams();
  const [params, setParams] = useSearchParams();
  const text = params.get("filter") ?? "";
  const sort = params.get("sort") ?? "start_time_ms DESC";
  // Two chosen spans (`trace:span`, in the order chosen) can be compared.
  const [chosen, setChosen] = useState<string[]>([]);
  const choose = (id: string) =>
    setChosen((c) => (c.includes(id) ? c.filter((x) => x !== id) : [...c, id]));
  const pages = usePageTokens();
  const pageToken = pages.token;
  const update = (changes: Record<string, string>) => {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) {
      if (value) next.set(key, value);
      else next.delete(key);
    }
    pages.reset();
    setParams(next);
  };
  const spans = useQuery({
    queryKey: ["spans", experimentId, text, sort, pageToken],
    queryFn: () =>
      api.searchSpans({
        experiment_ids: [experimentId],
        filter: text || null,
        order_by: [sort],
        max_results: 50,
        page_token: pageToken,
      }),
  });
  return (
    <div className="page">
      <ExperimentHeader experimentId={experimentId} />
      <SearchBox
        value={text}
        onSubmit={(t) => update({ filter: t })}
        error={spans.error}
        userOffset={0}
        placeholder="Filter spans, e.g. type = 'TOOL' AND status = 'ERROR'  ·  duration_ms > 2000  ·  trace.tags.env = 'prod'"
      />
      <div className="toolbar">
        <label>
          Sort{" "}
          <select aria-label="Sort" value={sort} onChange={(e) => update({ sort: e.target.value })}>
            {SORTS.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
        {chosen.length > 0 && <span className="muted">{chosen.length} selected</span>}
        {chosen.length === 2 && (
          <Link
            className="button-link"
            to={`/experiments/${experimentId}/traces/compare?spans=${chosen.join(",")}`}
          >
            Compare
          </Link>
        )}
      </div>
      {!(spans.error && text) && <ErrorBox error={spans.error} />}
      <table className="traces-table" data-testid="spans-table">
        <thead>
          <tr>
            <th>Name</th>
            <th>Type</th>
            <th>Status</th>
            <th>Duration</th>
            <th>Model</th>
            <th>Started</th>
            <th>Trace</th>
            <th>Compare</th>
          </tr>
        </thead>
        <tbody>
          {spans.data?.spans.map((s) => (
            <tr key={`${s.trace_id}/${s.span_id}`} data-testid="span-row">
              <td>
                <Link to={`/traces/${s.trace_id}?span=${s.span_id}`}>{s.name}</Link>
              </td>
              <td>
                <SpanTypeIcon type={s.span_type} /> {s.span_type}
              </td>
              <td className={s.status.code === "ERROR" ? "error" : undefined}>{s.status.code}</td>
              <td>
                {s.end_time_ns == null ? "—" : formatDurationNs(s.end_time_ns - s.start_time_ns)}
              </td>
              <td className="mono">{model(s)}</td>
              <td>{formatTime(s.start_time_ns / 1e6)}</td>
              <td>
                <Link className="mono" to={`/traces/${s.trace_id}`}>
                  {shortId(s.trace_id, 12)}
                </Link>
              </td>
              <td className="check">
                <input
                  type="checkbox"
                  aria-label={`Select span ${s.name} (${s.span_id})`}
                  checked={chosen.includes(`${s.trace_id}:${s.span_id}`)}
                  onChange={() => choose(`${s.trace_id}:${s.span_id}`)}
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {spans.data?.spans.length === 0 && <p className="empty">No spans match.</p>}
      <Pager pages={pages} nextToken={spans.data?.next_page_token} />
    </div>
  );
}
