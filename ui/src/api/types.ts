// Names for the generated OpenAPI types (schema.ts is generated; do not edit it).
// The server writes every field of what it returns (`to_dict()`), so response types are the
// schema's with defaults made required.
import type { components } from "./schema";

type Schemas = components["schemas"];
export type Experiment = Schemas["ExperimentModel"];
export type ExperimentPage = Schemas["ExperimentPage"];
export type SpanStatus = Required<Schemas["SpanStatusModel"]>;
export type SpanEvent = Required<Schemas["SpanEventModel"]>;
export type Span = Required<Omit<Schemas["SpanModel"], "status" | "events">> & {
  status: SpanStatus;
  events: SpanEvent[];
};
export type AssessmentSource = Required<Schemas["AssessmentSourceModel"]>;
export type Assessment = Required<Omit<Schemas["AssessmentModel"], "source">> & {
  source: AssessmentSource;
};
export type TraceInfo = Required<Omit<Schemas["TraceInfoModel"], "assessments">> & {
  assessments: Assessment[];
};
export interface Trace {
  info: TraceInfo;
  data: { spans: Span[] };
}
export interface TracePage {
  traces: Trace[];
  next_page_token?: string | null;
}
export type Session = Schemas["SessionModel"];
export type SessionPage = Schemas["SessionPage"];
export type SearchTraces = Schemas["SearchTraces"];
export type DeleteTraces = Schemas["DeleteTraces"];
export type ClientLosses = Schemas["ClientLossesModel"];
export type CreateAssessment = Schemas["CreateAssessment"];
export type UpdateAssessment = Schemas["UpdateAssessment"];
export type OverrideFeedback = Schemas["OverrideFeedback"];

/** One entry of GET /experiments/{id}/assessments/summary: a (name, kind) of valid ones. */
export type AssessmentSummaryEntry = Required<Schemas["AssessmentSummaryModel"]>;
export interface AssessmentSummary {
  assessments: AssessmentSummaryEntry[];
}

// Datasets and evaluation runs: the entities' to_dict() JSON (docs/evaluation.md).

export interface Dataset {
  dataset_id: string;
  name: string;
  experiment_id: string | null;
  tags: Record<string, string>;
  /** The latest version (0 while empty). */
  version: number;
  record_count: number;
  created_ms: number;
  updated_ms: number;
}
export interface DatasetPage {
  datasets: Dataset[];
  next_page_token?: string | null;
}
export interface DatasetRecord {
  record_id: string;
  inputs: Record<string, unknown>;
  expectations: Record<string, unknown>;
  tags: Record<string, string>;
  /** HUMAN, CODE, TRACE (id: the trace id) or DOCUMENT. */
  source: { type: string; id: string | null };
  created_version: number | null;
  updated_version: number | null;
}
export interface DatasetRecordPage {
  records: DatasetRecord[];
  version: number;
  next_page_token?: string | null;
}
export interface DatasetVersion {
  version: number;
  created_ms: number;
  record_count: number;
  added: number;
  updated: number;
  removed: number;
}
export interface ScorerSpec {
  name: string;
  kind: string;
  model: string | null;
}
export interface ScoreMetrics {
  count: number;
  errors: number;
  mean: number | null;
  pass_rate: number | null;
  value_counts: Record<string, number>;
}
export type EvaluationRunStatus = "RUNNING" | "FINISHED" | "INTERRUPTED" | "FAILED";
export interface EvaluationRun {
  run_id: string;
  experiment_id: string;
  name: string;
  status: EvaluationRunStatus;
  dataset_id: string | null;
  dataset_name: string | null;
  dataset_version: number | null;
  scorers: ScorerSpec[];
  metrics: Record<string, ScoreMetrics>;
  item_count: number;
  tags: Record<string, string>;
  created_ms: number;
  finished_ms: number | null;
}
export interface EvaluationRunPage {
  runs: EvaluationRun[];
  next_page_token?: string | null;
}
export interface Score {
  value: unknown;
  rationale: string | null;
  error: string | null;
  assessment_id: string | null;
}
export interface EvaluationItem {
  position: number;
  record_id: string;
  inputs: unknown;
  outputs: unknown;
  expectations: Record<string, unknown>;
  trace_id: string | null;
  scores: Record<string, Score>;
  /** The error predict_fn raised on this row. */
  error: string | null;
}
export interface EvaluationItemPage {
  items: EvaluationItem[];
  next_page_token?: string | null;
}
