import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { api } from "../api/client";
import type { Assessment } from "../api/types";
import {
  editorFor,
  FEEDBACK_TYPES,
  type FeedbackType,
  type Parsed,
  parseExpectationValue,
  parseFeedbackValue,
} from "../lib/assessments";
import { ErrorBox } from "./ErrorBox";

/** After a change: the trace, the tables showing it and the experiment's summary reload. */
export function useRefreshAssessments(traceId: string): () => void {
  const client = useQueryClient();
  return () => {
    void client.invalidateQueries({ queryKey: ["trace", traceId] });
    void client.invalidateQueries({ queryKey: ["traces"] });
    void client.invalidateQueries({ queryKey: ["assessment-summary"] });
  };
}

const human = (reviewer: string) => ({ source_type: "HUMAN" as const, source_id: reviewer });

/** A named feedback (yes / no, number, category, text) or an expectation (JSON). */
export function NewAssessmentForm({
  traceId,
  spanId,
  reviewer,
}: {
  traceId: string;
  spanId: string | null;
  reviewer: string;
}) {
  const refresh = useRefreshAssessments(traceId);
  const [kind, setKind] = useState<"feedback" | "expectation">("feedback");
  const [name, setName] = useState("");
  const [type, setType] = useState<FeedbackType>("yes-no");
  const [raw, setRaw] = useState("yes");
  const [rationale, setRationale] = useState("");
  const [invalid, setInvalid] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: (value: unknown) =>
      api.createAssessment(traceId, {
        name: name.trim(),
        kind,
        value,
        rationale: rationale.trim() || null,
        source: human(reviewer),
        span_id: spanId,
      }),
    onSuccess: () => {
      setName("");
      setRationale("");
      setRaw(kind === "feedback" && type === "yes-no" ? "yes" : "");
      refresh();
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const parsed: Parsed =
      kind === "feedback" ? parseFeedbackValue(type, raw) : parseExpectationValue(raw);
    setInvalid(parsed.ok ? null : parsed.error);
    if (parsed.ok && name.trim()) create.mutate(parsed.value);
  };
  return (
    <form className="assessment-form" onSubmit={submit} data-testid="new-assessment">
      <div className="inline-form">
        <select
          aria-label="Assessment kind"
          value={kind}
          onChange={(e) => {
            setKind(e.target.value as "feedback" | "expectation");
            setRaw(e.target.value === "feedback" && type === "yes-no" ? "yes" : "");
          }}
        >
          <option value="feedback">Feedback</option>
          <option value="expectation">Expectation</option>
        </select>
        <input
          aria-label="Assessment name"
          placeholder={
            kind === "feedback" ? "name, e.g. correctness" : "name, e.g. expected_answer"
          }
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
        {kind === "feedback" && (
          <TypeSelect
            type={type}
            onChange={(t) => {
              setType(t);
              setRaw(t === "yes-no" ? "yes" : "");
            }}
          />
        )}
      </div>
      {kind === "feedback" ? (
        <ValueInput type={type} raw={raw} onChange={setRaw} />
      ) : (
        <textarea
          aria-label="Expected value (JSON)"
          placeholder={'JSON, e.g. "Paris" or {"facts": ["..."]}'}
          value={raw}
          onChange={(e) => setRaw(e.target.value)}
        />
      )}
      <input
        aria-label="Rationale"
        placeholder="Rationale (optional)"
        value={rationale}
        onChange={(e) => setRationale(e.target.value)}
      />
      <button type="submit" className="secondary small" disabled={!name.trim() || create.isPending}>
        Add {kind}
      </button>
      {invalid && (
        <div className="error-box" role="alert">
          {invalid}
        </div>
      )}
      <ErrorBox error={create.error} />
    </form>
  );
}

/**
 * Change an assessment: a feedback is overridden (the old one stays as history, and the new
 * one is this reviewer's); an expectation is updated in place.
 */
export function EditAssessmentForm({
  assessment,
  reviewer,
  onDone,
}: {
  assessment: Assessment;
  reviewer: string;
  onDone: () => void;
}) {
  const refresh = useRefreshAssessments(assessment.trace_id);
  const feedback = assessment.kind === "feedback";
  const start = editorFor(assessment.value);
  const [type, setType] = useState<FeedbackType>(start.type);
  const [raw, setRaw] = useState(
    feedback ? start.raw : JSON.stringify(assessment.value ?? null, null, 2),
  );
  const [rationale, setRationale] = useState(assessment.rationale ?? "");
  const [invalid, setInvalid] = useState<string | null>(null);
  const save = useMutation({
    mutationFn: (value: unknown) => {
      const id = assessment.assessment_id!;
      const why = rationale.trim() || null;
      return feedback
        ? api.overrideFeedback(assessment.trace_id, id, {
            value,
            rationale: why,
            source: human(reviewer),
          })
        : api.updateAssessment(assessment.trace_id, id, { value, rationale: why });
    },
    onSuccess: () => {
      refresh();
      onDone();
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const parsed = feedback ? parseFeedbackValue(type, raw) : parseExpectationValue(raw);
    setInvalid(parsed.ok ? null : parsed.error);
    if (parsed.ok) save.mutate(parsed.value);
  };
  return (
    <form className="assessment-form" onSubmit={submit} data-testid="edit-assessment">
      {feedback ? (
        <div className="inline-form">
          <TypeSelect
            type={type}
            onChange={(t) => {
              setType(t);
              setRaw(t === "yes-no" ? "yes" : "");
            }}
          />
          <ValueInput type={type} raw={raw} onChange={setRaw} />
        </div>
      ) : (
        <textarea
          aria-label="Expected value (JSON)"
          value={raw}
          onChange={(e) => setRaw(e.target.value)}
        />
      )}
      <input
        aria-label="Rationale"
        placeholder="Rationale (optional)"
        value={rationale}
        onChange={(e) => setRationale(e.target.value)}
      />
      <div className="inline-form">
        <button type="submit" className="small" disabled={save.isPending}>
          {feedback ? "Override" : "Save"}
        </button>
        <button type="button" className="secondary small" onClick={onDone}>
          Cancel
        </button>
      </div>
      {invalid && (
        <div className="error-box" role="alert">
          {invalid}
        </div>
      )}
      <ErrorBox error={save.error} />
    </form>
  );
}

function TypeSelect({
  type,
  onChange,
}: {
  type: FeedbackType;
  onChange: (type: FeedbackType) => void;
}) {
  return (
    <select
      aria-label="Feedback type"
      value={type}
      onChange={(e) => onChange(e.target.value as FeedbackType)}
    >
      {FEEDBACK_TYPES.map(([t, label]) => (
        <option key={t} value={t}>
          {label}
        </option>
      ))}
    </select>
  );
}

function ValueInput({
  type,
  raw,
  onChange,
}: {
  type: FeedbackType;
  raw: string;
  onChange: (raw: string) => void;
}) {
  switch (type) {
    case "yes-no":
      return (
        <select aria-label="Value" value={raw} onChange={(e) => onChange(e.target.value)}>
          <option value="yes">✓ yes</option>
          <option value="no">✗ no</option>
        </select>
      );
    case "number":
      return (
        <input
          aria-label="Value"
          type="number"
          step="any"
          placeholder="e.g. 4"
          value={raw}
          onChange={(e) => onChange(e.target.value)}
        />
      );
    case "category":
      return (
        <input
          aria-label="Value"
          placeholder="e.g. off_topic"
          value={raw}
          onChange={(e) => onChange(e.target.value)}
        />
      );
    case "text":
      return (
        <textarea
          aria-label="Value"
          placeholder="Text"
          value={raw}
          onChange={(e) => onChange(e.target.value)}
        />
      );
  }
}
