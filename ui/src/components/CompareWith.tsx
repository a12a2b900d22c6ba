import { useQuery } from "@tanstack/react-query";
import { type FormEvent, useId, useRef, useState } from "react";
import { Link, useNavigate } from "react-router-dom";
import { api } from "../api/client";
import type { TraceInfo } from "../api/types";
import { quote } from "../lib/filter";
import { formatTime, shortId } from "../lib/format";
import { traceIdFrom } from "../lib/traceInfo";
import { ErrorBox } from "./ErrorBox";
import { StateBadge } from "./StateBadge";
import "../traceCompare.css";

/** How many of the experiment's latest traces of the same name are offered. */
const RECENT = 10;

/**
 * "Compare with…": a dialog to paste another trace's id (or its address) or pick one of the
 * experiment's latest traces of the same name; the compare page opens with this trace as the
 * baseline. A modal <dialog>: Escape closes it, and focus goes back to the button.
 */
export function CompareWith({ info }: { info: TraceInfo }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const opener = useRef<HTMLButtonElement>(null);
  const [open, setOpen] = useState(false);
  const [text, setText] = useState("");
  const navigate = useNavigate();
  const titleId = useId();
  const experimentId = info.experiment_id ?? "0";
  const recent = useQuery({
    queryKey: ["compare-candidates", experimentId, info.name],
    queryFn: () =>
      api.searchTraces({
        experiment_ids: [experimentId],
        filter: info.name ? `name = ${quote(info.name)}` : null,
        order_by: ["timestamp_ms DESC"],
        max_results: RECENT + 1, // this trace may be among them
        include_spans: false,
        include_total: false,
      }),
    enabled: open,
    retry: false,
  });
  const candidates = (recent.data?.traces ?? [])
    .map((t) => t.info)
    .filter((other) => other.trace_id !== info.trace_id)
    .slice(0, RECENT);
  const href = (otherId: string) =>
    `/experiments/${encodeURIComponent(experimentId)}/traces/compare?traces=${info.trace_id},${otherId}`;
  const pasted = traceIdFrom(text);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (pasted) navigate(href(pasted));
  };
  return (
    <>
      <button
        ref={opener}
        type="button"
        className="secondary small"
        aria-haspopup="dialog"
        onClick={() => {
          setOpen(true);
          dialog.current?.showModal();
        }}
      >
        Compare with…
      </button>
      <dialog
        ref={dialog}
        className="compare-with"
        aria-labelledby={titleId}
        onClose={() => {
          setOpen(false);
          opener.current?.focus();
        }}
      >
        <h2 id={titleId}>Compare with another trace</h2>
        <form className="compare-with-paste" onSubmit={submit}>
          <label>
            Trace id
            <input
              className="mono"
              value={text}
              placeholder="Paste a trace id or its address"
              onChange={(e) => setText(e.target.value)}
            />
          </label>
          <button type="submit" disabled={!pasted || pasted === info.trace_id}>
            Compare
          </button>
        </form>
        <h3>Latest traces {info.name ? <>named “{info.name}”</> : "of this experiment"}</h3>
        <ErrorBox error={recent.error} />
        {recent.isPending ? (
          <p className="muted">Loading…</p>
        ) : candidates.length === 0 && !recent.error ? (
          <p className="muted">No other trace of this name.</p>
        ) : (
          <ul className="compare-with-list" data-testid="compare-candidates">
            {candidates.map((other) => (
              <li key={other.trace_id}>
                <Link to={href(other.trace_id)}>
                  {formatTime(other.request_time)}{" "}
                  <span className="mono">{shortId(other.trace_id, 12)}</span>
                </Link>{" "}
                <StateBadge state={other.state} />{" "}
                {other.request_preview && (
                  <span className="muted small compare-with-preview">{other.request_preview}</span>
                )}
              </li>
            ))}
          </ul>
        )}
        <div className="compare-with-actions">
          <button type="button" className="secondary" onClick={() => dialog.current?.close()}>
            Cancel
          </button>
        </div>
      </dialog>
    </>
  );
}
