import { useQuery } from "@tanstack/react-query";
import { useEffect, useMemo, useState } from "react";
import { Link, useParams, useSearchParams } from "react-router-dom";
import { api } from "../api/client";
import { ErrorBox } from "../components/ErrorBox";
import { SpanDetail } from "../components/SpanDetail";
import { SpanFinder } from "../components/SpanFinder";
import { SpanTree } from "../components/SpanTree";
import { TraceSummary } from "../components/TraceSummary";
import { failingSpanId } from "../lib/failure";
import { shortId } from "../lib/format";
import { traceRefetchInterval } from "../lib/live";
import { ancestorIds, buildSpanTree, matchingSpans, visibleRows } from "../lib/spanTree";
import { traceBounds } from "../lib/timeline";
import { useTraceClock } from "../lib/useLive";
import { useTitle } from "../lib/useTitle";

/** The trace explorer: summary, span tree with its waterfall, and the selected span. */
export function TracePage() {
  const { traceId = "" } = useParams();
  const [params, setParams] = useSearchParams();
  const trace = useQuery({
    queryKey: ["trace", traceId],
    queryFn: () => api.getTrace(traceId),
    // A running trace is polled until it ends: its tree grows as spans arrive.
    refetchInterval: (query) => traceRefetchInterval(query.state.data),
  });
  const nowNs = useTraceClock(trace.data);
  useTitle(trace.data?.info.name ?? traceId);
  const spans = useMemo(() => trace.data?.data.spans ?? [], [trace.data]);
  const roots = useMemo(() => buildSpanTree(spans), [spans]);
  const bounds = useMemo(() => traceBounds(spans, nowNs), [spans, nowNs]);
  const [collapsed, setCollapsed] = useState<Set<string>>(new Set());
  const rows = useMemo(() => visibleRows(roots, collapsed), [roots, collapsed]);
  const [query, setQuery] = useState("");
  const matches = useMemo(() => matchingSpans(roots, query), [roots, query]);
  const matchSet = useMemo(() => new Set(matches), [matches]);
  // A failed trace opens on the span that failed (its exception shows at the top).
  const failing = useMemo(() => failingSpanId(roots), [roots]);
  const selectedId = params.get("span") ?? failing ?? roots[0]?.span.span_id ?? null;
  const selected = useMemo(
    () => spans.find((s) => s.span_id === selectedId) ?? null,
    [spans, selectedId],
  );

  // A deep link to a span inside collapsed parents opens them.
  useEffect(() => {
    if (!selectedId) return;
    const path = ancestorIds(spans, selectedId);
    if (path.some((id) => collapsed.has(id))) {
      setCollapsed((c) => new Set([...c].filter((id) => !path.includes(id))));
    }
  }, [spans, selectedId, collapsed]);

  const select = (spanId: string) => {
    const next = new URLSearchParams(params);
    next.set("span", spanId);
    setParams(next, { replace: true });
  };
  const toggle = (spanId: string) =>
    setCollapsed((c) => {
      const next = new Set(c);
      if (next.has(spanId)) next.delete(spanId);
      else next.add(spanId);
      return next;
    });

  if (trace.error) {
    return (
      <div className="page">
        <ErrorBox error={trace.error} />
      </div>
    );
  }
  if (!trace.data) return <p className="page muted">Loading trace…</p>;
  const experimentId = trace.data.info.experiment_id ?? "0";
  return (
    <div className="page trace-page">
      {params.get("embed") !== "1" && (
        <div className="breadcrumbs">
          <Link to="/experiments">Experiments</Link> /{" "}
          <Link to={`/experiments/${experimentId}/traces`}>Traces</Link> /{" "}
          <span className="mono">{shortId(traceId, 12)}</span>
        </div>
      )}
      <TraceSummary trace={trace.data} nowNs={nowNs} />
      <div className="explorer">
        <div className="tree-pane">
          <SpanFinder
            query={query}
            onQuery={setQuery}
            matches={matches}
            selectedId={selectedId}
            onSelect={select}
          />
          <SpanTree
            rows={rows}
            bounds={bounds}
            collapsed={collapsed}
            matches={matchSet}
            selectedId={selectedId}
            onSelect={select}
            onToggle={toggle}
            nowNs={nowNs}
          />
        </div>
        {selected ? (
          <SpanDetail span={selected} assessments={trace.data.info.assessments} nowNs={nowNs} />
        ) : (
          <p className="muted">No span selected.</p>
        )}
      </div>
    </div>
  );
}
