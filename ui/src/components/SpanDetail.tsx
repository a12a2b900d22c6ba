import { useMemo, useState } from "react";
import type { Assessment, Span } from "../api/types";
import { chatFromSpan } from "../lib/chat";
import { documentsFromSpan } from "../lib/documents";
import { Exception } from "../lib/keys";
import { AssessmentPanel } from "./AssessmentPanel";
import { ChatView } from "./ChatView";
import { DocumentsView } from "./DocumentsView";
import { EventsView } from "./EventsView";
import { JsonView } from "./JsonView";
import { SpanDuration } from "./SpanDuration";
import { SpanTypeIcon } from "./SpanTypeIcon";
import "../roundTwo.css";

type Tab = "chat" | "documents" | "io" | "attributes" | "events";

/** The selected span: its assessments; chat, documents, inputs / outputs, attributes, events. */
export function SpanDetail({
  span,
  assessments,
  nowNs = null,
}: {
  span: Span;
  /** Every assessment of the trace (the span's are shown). */
  assessments: readonly Assessment[];
  /** Now, while the trace runs: an open span shows its time so far. */
  nowNs?: number | null;
}) {
  const chat = useMemo(() => chatFromSpan(span), [span]);
  const documents = useMemo(() => documentsFromSpan(span), [span]);
  const tabs: [Tab, string][] = [];
  if (chat) tabs.push(["chat", "Chat"]);
  if (documents) tabs.push(["documents", `Documents (${documents.length})`]);
  tabs.push(["io", "Inputs / Outputs"]);
  tabs.push(["attributes", `Attributes (${Object.keys(span.attributes).length})`]);
  tabs.push(["events", `Events (${span.events.length})`]);
  const [chosen, setChosen] = useState<Tab | null>(null);
  const tab = tabs.some(([t]) => t === chosen) ? chosen! : tabs[0]![0];
  const exceptions = span.events.filter((e) => e.name === Exception.event);
  return (
    <div className="span-detail" data-testid="span-detail">
      <div className="span-detail-head">
        <SpanTypeIcon type={span.span_type} />
        <h2>{span.name}</h2>
        <span className="pill">{span.span_type}</span>
        <span className="pill">
          <SpanDuration span={span} nowNs={nowNs} />
        </span>
        <span className={`badge state-${span.status.code.toLowerCase()}`}>{span.status.code}</span>
      </div>
      {span.status.message && <div className="status-message">{span.status.message}</div>}
      {exceptions.length > 0 && tab !== "events" && (
        // What went wrong, without a click: the exception's type, message and stack trace.
        <div className="span-exceptions" data-testid="span-exceptions">
          <EventsView events={exceptions} startNs={span.start_time_ns} />
        </div>
      )}
      <AssessmentPanel
        key={span.span_id}
        traceId={span.trace_id}
        spanId={span.span_id}
        assessments={assessments}
      />
      <div className="tabs" role="tablist">
        {tabs.map(([id, label]) => (
          <button
            key={id}
            type="button"
            role="tab"
            aria-selected={id === tab}
            className={id === tab ? "active" : ""}
            onClick={() => setChosen(id)}
          >
            {label}
          </button>
        ))}
      </div>
      <div className="tab-body">
        {tab === "chat" && chat && <ChatView chat={chat} />}
        {tab === "documents" && documents && <DocumentsView documents={documents} />}
        {tab === "io" && (
          <>
            <JsonView value={span.inputs} label="Inputs" />
            <JsonView value={span.outputs} label="Outputs" />
          </>
        )}
        {tab === "attributes" && <JsonView value={span.attributes} label="Attributes" />}
        {tab === "events" && <EventsView events={span.events} startNs={span.start_time_ns} />}
      </div>
    </div>
  );
}
