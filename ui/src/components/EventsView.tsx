import type { SpanEvent } from "../api/types";
import { Exception } from "../lib/keys";
import { JsonView } from "./JsonView";

/** Span events; exceptions show their type, message and full stack trace. */
export function EventsView({ events, startNs }: { events: SpanEvent[]; startNs: number }) {
  if (events.length === 0) return <p className="muted">No events.</p>;
  return (
    <div className="events">
      {events.map((event, i) => {
        const offsetMs = (event.timestamp_ns - startNs) / 1e6;
        const attrs = event.attributes ?? {};
        if (event.name === Exception.event) {
          return (
            <div key={i} className="event exception" data-testid="exception">
              <div className="event-head">
                <span className="badge state-error">exception</span>
                <span className="strong">{String(attrs[Exception.type] ?? "")}</span>
                <span className="muted">+{offsetMs.toFixed(1)} ms</span>
              </div>
              <div className="exception-message">{String(attrs[Exception.message] ?? "")}</div>
              {attrs[Exception.stacktrace] != null && (
                <pre className="stacktrace" data-testid="stacktrace">
                  {String(attrs[Exception.stacktrace])}
                </pre>
              )}
            </div>
          );
        }
        return (
          <div key={i} className="event">
            <div className="event-head">
              <span className="strong">{event.name}</span>
              <span className="muted">+{offsetMs.toFixed(1)} ms</span>
            </div>
            {Object.keys(attrs).length > 0 && <JsonView value={attrs} />}
          </div>
        );
      })}
    </div>
  );
}
