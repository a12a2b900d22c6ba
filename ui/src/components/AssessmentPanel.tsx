import { useMutation } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { api } from "../api/client";
import type { Assessment } from "../api/types";
import {
  type AssessmentThread,
  assessmentThreads,
  formatAssessment,
  loadReviewer,
  ownThumbs,
  saveReviewer,
  THUMBS_NAME,
  valueClass,
} from "../lib/assessments";
import { formatShortTime, formatTime } from "../lib/format";
import { EditAssessmentForm, NewAssessmentForm, useRefreshAssessments } from "./AssessmentForms";
import { ErrorBox } from "./ErrorBox";

interface Props {
  traceId: string;
  /** The span judged; null for the trace itself. */
  spanId: string | null;
  /** Every assessment of the trace (the panel picks those of its trace or span). */
  assessments: readonly Assessment[];
}

/**
 * Feedback and expectations on a trace or a span: thumbs up / down with a comment (the boolean
 * feedback THUMBS_NAME, from a HUMAN source named by "your name", kept in this browser), a form
 * for any named feedback or expectation, and the list with each one's overridden history.
 */
export function AssessmentPanel({ traceId, spanId, assessments }: Props) {
  const threads = useMemo(() => assessmentThreads(assessments, spanId), [assessments, spanId]);
  const [reviewer, setReviewer] = useState(loadReviewer);
  const target = spanId ? "span" : "trace";
  return (
    <section
      className="assessments"
      data-testid="assessments"
      data-target={target}
      aria-label={`Assessments of the ${target}`}
    >
      <Thumbs
        traceId={traceId}
        spanId={spanId}
        assessments={assessments}
        reviewer={reviewer}
        target={target}
      />
      {threads.length > 0 && (
        <ul className="assessment-list">
          {threads.map((t) => (
            <ThreadItem key={t.current.assessment_id} thread={t} reviewer={reviewer} />
          ))}
        </ul>
      )}
      <details className="add-assessment">
        <summary>Add feedback or expectation</summary>
        <NewAssessmentForm traceId={traceId} spanId={spanId} reviewer={reviewer} />
        <label className="reviewer">
          Your name{" "}
          <input
            aria-label="Your name"
            value={reviewer}
            onChange={(e) => setReviewer(e.target.value)}
            onBlur={() => {
              saveReviewer(reviewer);
              setReviewer(loadReviewer());
            }}
          />
        </label>
      </details>
    </section>
  );
}

/** Thumbs up / down with an optional comment; a second click by the same person overrides the first. */
function Thumbs({
  traceId,
  spanId,
  assessments,
  reviewer,
  target,
}: {
  traceId: string;
  spanId: string | null;
  assessments: readonly Assessment[];
  reviewer: string;
  target: string;
}) {
  const refresh = useRefreshAssessments(traceId);
  const [comment, setComment] = useState("");
  const mine = ownThumbs(assessments, spanId, reviewer);
  const give = useMutation({
    mutationFn: (value: boolean) => {
      const body = {
        value,
        rationale: comment.trim() || null,
        source: { source_type: "HUMAN" as const, source_id: reviewer },
      };
      return mine?.assessment_id
        ? api.overrideFeedback(traceId, mine.assessment_id, body)
        : api.createAssessment(traceId, {
            ...body,
            name: THUMBS_NAME,
            kind: "feedback",
            span_id: spanId,
          });
    },
    onSuccess: () => {
      setComment("");
      refresh();
    },
  });
  return (
    <div className="thumbs inline-form">
      <span className="fact-label">Rate this {target}</span>
      <button
        type="button"
        className={`secondary small thumb${mine?.value === true ? " chosen" : ""}`}
        aria-label="Thumbs up"
        aria-pressed={mine?.value === true}
        title={`${THUMBS_NAME} = true, as ${reviewer}`}
        disabled={give.isPending}
        onClick={() => give.mutate(true)}
      >
        <ThumbIcon />
      </button>
      <button
        type="button"
        className={`secondary small thumb${mine?.value === false ? " chosen" : ""}`}
        aria-label="Thumbs down"
        aria-pressed={mine?.value === false}
        title={`${THUMBS_NAME} = false, as ${reviewer}`}
        disabled={give.isPending}
        onClick={() => give.mutate(false)}
      >
        <ThumbIcon down />
      </button>
      <input
        aria-label="Comment"
        className="thumbs-comment"
        placeholder="Comment (optional)"
        value={comment}
        onChange={(e) => setComment(e.target.value)}
      />
      <ErrorBox error={give.error} />
    </div>
  );
}

// Drawn, not an emoji: emoji fonts are missing on many Linux desktops and in headless browsers.
function ThumbIcon({ down = false }: { down?: boolean }) {
  return (
    <svg
      viewBox="0 0 16 16"
      width="15"
      height="15"
      aria-hidden="true"
      style={down ? { transform: "rotate(180deg)" } : undefined}
    >
      <path
        fill="currentColor"
        d="M1.5 7h3v7.5h-3zM6 14.5V7l3-5.5c1.2 0 2 .8 1.8 2L10.3 6H14c.9 0 1.5.8 1.3 1.7l-1.2 5.6c-.2.7-.8 1.2-1.5 1.2z"
      />
    </svg>
  );
}

function ThreadItem({ thread, reviewer }: { thread: AssessmentThread; reviewer: string }) {
  const { current, history } = thread;
  const [editing, setEditing] = useState(false);
  const refresh = useRefreshAssessments(current.trace_id);
  const remove = useMutation({
    mutationFn: () => api.deleteAssessment(current.trace_id, current.assessment_id!),
    onSuccess: refresh,
  });
  return (
    <li
      className={`assessment${current.valid ? "" : " overridden"}`}
      data-testid="assessment"
      data-name={current.name}
    >
      <AssessmentLine assessment={current} />
      <span className="row-actions">
        <button type="button" className="link small" onClick={() => setEditing((e) => !e)}>
          {current.kind === "feedback" ? "Override" : "Edit"}
        </button>
        <button
          type="button"
          className="link small"
          aria-label={`Delete ${current.name}`}
          disabled={remove.isPending}
          onClick={() => remove.mutate()}
        >
          Delete
        </button>
      </span>
      {editing && (
        <EditAssessmentForm
          assessment={current}
          reviewer={reviewer}
          onDone={() => setEditing(false)}
        />
      )}
      {history.length > 0 && (
        <details className="assessment-history">
          <summary>
            {history.length} earlier {history.length === 1 ? "value" : "values"}
          </summary>
          <ul>
            {history.map((old) => (
              <li key={old.assessment_id} className="assessment overridden">
                <AssessmentLine assessment={old} />
              </li>
            ))}
          </ul>
        </details>
      )}
      <ErrorBox error={remove.error} />
    </li>
  );
}

function AssessmentLine({ assessment: a }: { assessment: Assessment }) {
  const value = formatAssessment(a);
  return (
    <span className="assessment-line">
      <span className="strong assessment-name">{a.name}</span>
      {a.kind === "expectation" && <span className="pill">expectation</span>}
      {a.valid ? (
        <span className={`assessment-value ${valueClass(a.value)}`}>{value}</span>
      ) : (
        <s className="assessment-value">{value}</s>
      )}
      {a.rationale && <span className="rationale">“{a.rationale}”</span>}
      <span className="muted small" title={formatTime(a.create_time_ms)}>
        {a.source.source_type.toLowerCase().replace("_", " ")} · {a.source.source_id} ·{" "}
        {formatShortTime(a.create_time_ms)}
      </span>
    </span>
  );
}
