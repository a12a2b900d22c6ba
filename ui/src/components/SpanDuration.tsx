import type { Span } from "../api/types";
import { formatDurationNs } from "../lib/format";
import { formatRunning, isRunning } from "../lib/live";
import "./live.css";

/**
 * A span's duration; while its trace runs (`nowNs` given) an open span's time so far,
 * "running · 12.3 s", moving with the clock.
 */
export function SpanDuration({ span, nowNs }: { span: Span; nowNs: number | null }) {
  if (nowNs != null && isRunning(span, nowNs)) {
    return (
      <span className="running-duration" data-testid="running-duration">
        {formatRunning(span, nowNs)}
      </span>
    );
  }
  const end = span.end_time_ns;
  return <>{formatDurationNs(end == null ? null : end - span.start_time_ns)}</>;
}
