import { useQuery } from "@tanstack/react-query";
import { type FormEvent, useEffect, useRef, useState } from "react";
import { Link, useParams, useSearchParams } from "react-router-dom";
import { api } from "../api/client";
import type { Session, Trace } from "../api/types";
import { ErrorBox } from "../components/ErrorBox";
import { ExperimentHeader } from "../components/ExperimentHeader";
import { JsonView } from "../components/JsonView";
import { Pager, usePageTokens } from "../components/Pager";
import { StateBadge } from "../components/StateBadge";
import { quote } from "../lib/filter";
import { EMPTY, formatCount, formatDurationMs, formatTime, previewText } from "../lib/format";
import "../roundTwo.css";

/** Traces grouped by session id; a session reads as one conversation. */
export function SessionsPage() {
  const { experimentId = "0" } = useParams();
  const [params, setParams] = useSearchParams();
  const pages = usePageTokens();
  const pageToken = pages.token;
  const text = params.get("q") ?? "";
  const sessions = useQuery({
    queryKey: ["sessions", experimentId, pageToken, text],
    queryFn: () => api.searchSessions(experimentId, pageToken, text),
  });
  const chosen = params.get("session");
  const conversation = useRef<HTMLDivElement>(null);
  const choose = (sessionId: string) => {
    const next = new URLSearchParams(params);
    next.set("session", sessionId);
    setParams(next);
  };
  // The conversation pane is sticky; on a narrow screen (one column) it sits below the list,
  // so a choice scrolls it into view.
  useEffect(() => {
    if (chosen) conversation.current?.scrollIntoView({ block: "nearest" });
  }, [chosen]);
  const search = (value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set("q", value);
    else next.delete("q");
    setParams(next, { replace: true });
    pages.reset();
  };
  return (
    <div className="page">
      <ExperimentHeader experimentId={experimentId} />
      <ErrorBox error={sessions.error} />
      <div className="sessions">
        <div className="session-list" data-testid="session-list">
          <SessionSearch value={text} onSubmit={search} />
          {sessions.data?.sessions.length === 0 && (
            <p className="empty">{text ? "No session matches." : "No sessions yet."}</p>
          )}
          {sessions.data?.sessions.map((s) => (
            <SessionItem
              key={s.session_id}
              session={s}
              selected={s.session_id === chosen}
              onChoose={() => choose(s.session_id)}
            />
          ))}
          <Pager pages={pages} nextToken={sessions.data?.next_page_token} />
        </div>
        <div className="conversation" ref={conversation}>
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

function SessionSearch({ value, onSubmit }: { value: string; onSubmit: (v: string) => void }) {
  const [draft, setDraft] = useState(value);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onSubmit(draft.trim());
  };
  return (
    <form className="inline-form session-search" role="search" onSubmit={submit}>
      <input
        type="search"
        aria-label="Search sessions"
        placeholder="Search session ids"
        value={draft}
        onChange={(e) => setDraft(e.target.value)}
      />
      <button type="submit" className="secondary">
        Search
      </button>
    </form>
  );
}

function SessionItem({
  session: s,
  selected,
  onChoose,
}: {
  session: Session;
  selected: boolean;
  onChoose: () => void;
}) {
  const errors = s.error_count ?? 0;
  return (
    <button
      type="button"
      className={`session-item${selected ? " selected" : ""}`}
      aria-pressed={selected}
      onClick={onChoose}
    >
      <span className="mono strong">{s.session_id}</span>
      <span className="muted">
        {s.trace_count} turn{s.trace_count === 1 ? "" : "s"}
        {s.user_id ? ` · ${s.user_id}` : ""} · {formatTime(s.last_request_time)}
      </span>
      <span className="session-figures muted" data-testid="session-figures">
        <span title="Tokens of all turns">{formatCount(s.total_tokens ?? null)} tokens</span>
        <span title="Latency of all turns">{formatDurationMs(s.total_duration_ms ?? null)}</span>
        <span className={errors > 0 ? "session-errors" : undefined}>
          {errors} error{errors === 1 ? "" : "s"}
        </span>
      </span>
    </button>
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
        <Turn key={t.info.trace_id} trace={t} />
      ))}
      {traces.data?.next_page_token && (
        <p className="muted">Showing the first 500 turns of this session.</p>
      )}
    </div>
  );
}

/** One turn: its previews as text, and the root span's whole inputs and outputs on demand. */
function Turn({ trace: t }: { trace: Trace }) {
  const [open, setOpen] = useState(false);
  const full = useQuery({
    queryKey: ["trace", t.info.trace_id],
    queryFn: () => api.getTrace(t.info.trace_id),
    enabled: open,
  });
  const root = full.data?.data.spans.find((s) => !s.parent_id) ?? full.data?.data.spans[0];
  const request = previewText(t.info.request_preview);
  const response = previewText(t.info.response_preview);
  return (
    <div className="turn" data-testid="turn">
      <div className="turn-head">
        <Link to={`/traces/${t.info.trace_id}`}>{t.info.name ?? t.info.trace_id}</Link>
        <StateBadge state={t.info.state} />
        <span className="muted">
          {formatTime(t.info.request_time)} · {formatDurationMs(t.info.execution_duration)}
        </span>
        <button type="button" className="link" aria-expanded={open} onClick={() => setOpen(!open)}>
          {open ? "Show previews" : "Show full inputs and outputs"}
        </button>
      </div>
      {open ? (
        <div className="turn-full" data-testid="turn-full">
          <ErrorBox error={full.error} />
          {!full.data && !full.error && <p className="muted">Loading…</p>}
          {root && (
            <>
              <FullValue label="Inputs" value={root.inputs} />
              <FullValue label="Outputs" value={root.outputs} />
            </>
          )}
        </div>
      ) : (
        <>
          <div className="message role-user">
            <div className="message-role">user</div>
            <div className="message-text">{request ?? EMPTY}</div>
          </div>
          <div className="message role-assistant">
            <div className="message-role">assistant</div>
            <div className="message-text">
              {response ??
                (t.info.state === "ERROR" ? (
                  <span className="muted">(no reply: the run failed)</span>
                ) : (
                  EMPTY
                ))}
            </div>
          </div>
        </>
      )}
    </div>
  );
}

function FullValue({ label, value }: { label: string; value: unknown }) {
  if (typeof value === "string") {
    return (
      <div className="full-value">
        <div className="message-role">{label}</div>
        <div className="message-text">{value}</div>
      </div>
    );
  }
  return <JsonView value={value} label={label} />;
}
