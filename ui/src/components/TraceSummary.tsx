import type { ReactNode } from "react";
import type { Trace } from "../api/types";
import {
  EMPTY,
  formatCost,
  formatCount,
  formatDurationMs,
  formatDurationNs,
  formatTime,
} from "../lib/format";
import { TraceMeta } from "../lib/keys";
import { elapsedNs, formatElapsedNs, traceStartNs } from "../lib/live";
import { traceCost, traceSession, traceTokens, traceUser } from "../lib/traceInfo";
import { AssessmentPanel } from "./AssessmentPanel";
import { CompareWith } from "./CompareWith";
import { CopyButton } from "./CopyButton";
import { StateBadge } from "./StateBadge";
import { TagEditor } from "./TagEditor";
import "./live.css";

const SHOWN_ELSEWHERE = new Set<string>([TraceMeta.session, TraceMeta.user, TraceMeta.tokenUsage]);

export function TraceSummary({
  trace,
  nowNs = null,
}: {
  trace: Trace;
  /** Now, while the trace runs: its duration is the time so far. */
  nowNs?: number | null;
}) {
  const info = trace.info;
  const metadata = Object.entries(info.metadata).filter(([k]) => !SHOWN_ELSEWHERE.has(k));
  return (
    <section className="trace-summary" data-testid="trace-summary">
      <div className="summary-title">
        <h1>{info.name ?? "(unnamed trace)"}</h1>
        <StateBadge state={info.state} />
        <span className="mono muted">{info.trace_id}</span>
        <CopyButton text={info.trace_id} />
        <CompareWith info={info} />
      </div>
      <div className="facts">
        <Fact label="Started">{formatTime(info.request_time)}</Fact>
        <Fact label="Duration">
          {nowNs != null ? (
            <span className="running-duration" data-testid="trace-duration">
              In progress · {formatElapsedNs(elapsedNs(traceStartNs(trace), nowNs))}
            </span>
          ) : (
            <span data-testid="trace-duration">{traceDuration(trace)}</span>
          )}
        </Fact>
        <Fact label="Spans">{formatCount(trace.data.spans.length)}</Fact>
        <Fact label="Tokens">{formatCount(traceTokens(info))}</Fact>
        <Fact label="Cost">
          <span data-testid="trace-cost">{formatCost(traceCost(info))}</span>
        </Fact>
        <Fact label="Session">{traceSession(info) ?? EMPTY}</Fact>
        <Fact label="User">{traceUser(info) ?? EMPTY}</Fact>
      </div>
      {metadata.length > 0 && (
        <details className="metadata">
          <summary>Metadata ({metadata.length})</summary>
          <dl className="summary-grid">
            {metadata.map(([k, v]) => (
              <div key={k} className="contents">
                <dt className="mono">{k}</dt>
                <dd>{v}</dd>
              </div>
            ))}
          </dl>
        </details>
      )}
      <TagEditor traceId={info.trace_id} tags={info.tags} />
      <AssessmentPanel traceId={info.trace_id} spanId={null} assessments={info.assessments} />
    </section>
  );
}

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="fact">
      <span className="fact-label">{label}</span>
      <span>{children}</span>
    </div>
  );
}

/** The trace's duration; under a millisecond (stored as 0 ms) it is measured from its root
 * spans in nanoseconds, so a 93 µs run reads "93 µs", never "0 ms". */
function traceDuration(trace: Trace): string {
  const ms = trace.info.execution_duration;
  const roots = trace.data.spans.filter((s) => !s.parent_id);
  if (ms !== 0 || roots.length === 0 || roots.some((s) => s.end_time_ns == null)) {
    return formatDurationMs(ms);
  }
  const start = Math.min(...roots.map((s) => s.start_time_ns));
  const end = Math.max(...roots.map((s) => s.end_time_ns!));
  return formatDurationNs(end - start);
}
