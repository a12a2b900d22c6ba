import { useQuery } from "@tanstack/react-query";
import { Link, useParams, useSearchParams } from "react-router-dom";
import { api } from "../api/client";
import { ErrorBox } from "../components/ErrorBox";
import { ExperimentHeader } from "../components/ExperimentHeader";
import { Pager, usePageTokens } from "../components/Pager";
import { StateBadge } from "../components/StateBadge";
import { quote } from "../lib/filter";
import { formatDurationMs, formatTime } from "../lib/format";

/** Traces grouped by session id; a session reads as one conversation. */
export function SessionsPage() {
  const { experimentId = "0" } = useParams();
  const [params, setParams] = useSearchParams();
  const pages = usePageTokens();
  const pageToken = pages.token;
  const sessions = useQuery({
    queryKey: ["sessions", experimentId, pageToken],
    queryFn: () => api.searchSessions(experimentId, pageToken),
  });
  const chosen = params.get("session");
  return (
    <div className="page">
      <ExperimentHeader experimentId={experimentId} />
      <ErrorBox error={sessions.error} />
      <div className="sessions">
        <div className="session-list" data-testid="session-list">
          {sessions.data?.sessions.length === 0 && <p className="empty">No sessions yet.</p>}
          {sessions.data?.sessions.map((s) => (
            <button
              key={s.session_id}
              type="button"
              className={`session-item${s.session_id === chosen ? " selected" : ""}`}
              onClick={() => setParams({ session: s.session_id })}
            >
              <span className="mono strong">{s.session_id}</span>
              <span className="muted">
                {s.trace_count} turn{s.trace_count === 1 ? "" : "s"}
                {s.user_id ? ` · ${s.user_id}` : ""} · {formatTime(s.last_request_time)}
              </span>
            </button>
          ))}
          <Pager pages={pages} nextToken={sessions.data?.next_page_token} />
        </div>
        <div className="conversation">
          {chosen ? (
            <Conversation experimentId={experimentId} sessionId={chosen} />
          ) : (
            <p className="muted">Choose a session to read it as a conversation.</p>
          )}
        </div>
      </div>
    </div>
  );
}

function Conversation({ experimentId, sessionId }: { experimentId: string; sessionId: string }) {
  const traces = useQuery({
    queryKey: ["session-traces", experimentId, sessionId],
    queryFn: () =>
      api.searchTraces({
        experiment_ids: [experimentId],
        filter: `session_id = ${quote(sessionId)}`,
        order_by: ["timestamp_ms ASC"],
        max_results: 500,
        include_spans: false,
      }),
  });
  return (
    <div data-testid="conversation">
      <h2 className="mono">{sessionId}</h2>
      <ErrorBox error={traces.error} />
      {traces.data?.traces.map((t) => (
        <div key={t.info.trace_id} className="turn">
          <div className="turn-head">
            <Link to={`/traces/${t.info.trace_id}`}>{t.info.name ?? t.info.trace_id}</Link>
            <StateBadge state={t.info.state} />
            <span className="muted">
              {formatTime(t.info.request_time)} · {formatDurationMs(t.info.execution_duration)}
            </span>
          </div>
          <div className="message role-user">
            <div className="message-role">user</div>
            <div className="message-text">{t.info.request_preview ?? ""}</div>
          </div>
          <div className="message role-assistant">
            <div className="message-role">assistant</div>
            <div className="message-text">
              {t.info.response_preview ??
                (t.info.state === "ERROR" ? (
                  <span className="muted">(no reply: the run failed)</span>
                ) : (
                  ""
                ))}
            </div>
          </div>
        </div>
      ))}
      {traces.data?.next_page_token && (
        <p className="muted">Showing the first 500 turns of this session.</p>
      )}
    </div>
  );
}
