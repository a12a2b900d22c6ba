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
  total_count?: number | null;
  total_count_capped?: boolean | null;
}
export type Session = Schemas["SessionModel"];
export type SessionPage = Schemas["SessionPage"];
export type SearchTraces = Omit<Schemas["SearchTraces"], "include_total"> & {
  include_total?: boolean;
};
export type SearchSpans = Schemas["SearchSpans"];
export type SpanPage = { spans: Span[]; next_page_token?: string | null };
export type DeleteTraces = Schemas["DeleteTraces"];
export type ClientLosses = Schemas["ClientLossesModel"];
export type MetricsSeries = Required<Omit<Schemas["MetricsModel"], "groups">> & {
  groups: Required<Schemas["MetricsGroupModel"]>[];
};
export type CreateAssessment = Schemas["CreateAssessment"];
export type UpdateAssessment = Schemas["UpdateAssessment"];
export type OverrideFeedback = Schemas["OverrideFeedback"];

/** One entry of GET /experiments/{id}/assessments/summary: a (name, kind) of valid ones. */
export type AssessmentSummaryEntry = Required<Schemas["AssessmentSummaryModel"]>;
export interface AssessmentSummary {
  assessments: AssessmentSummaryEntry[];
}

// Datasets and evaluation runs (docs/evaluation.md).

export type Dataset = Required<Schemas["DatasetModel"]>;
export interface DatasetPage {
  datasets: Dataset[];
  next_page_token?: string | null;
}
/** `source.type`: HUMAN, CODE, TRACE (`source.id`: the trace id) or DOCUMENT. */
export type DatasetRecord = Required<
  Omit<Schemas["DatasetRecordModel"], "record_id" | "source">
> & {
  record_id: string;
  source: Required<Schemas["RecordSourceModel"]>;
};
export interface DatasetRecordPage {
  records: DatasetRecord[];
  version: number;
  next_page_token?: string | null;
}
export type DatasetVersion = Required<Schemas["DatasetVersionModel"]>;
export type ScorerSpec = Required<Schemas["ScorerSpecModel"]>;
export type ScoreMetrics = Required<Schemas["ScoreMetricsModel"]>;
export type EvaluationRunStatus = Schemas["EvaluationRunModel"]["status"];
export type EvaluationRun = Required<Omit<Schemas["EvaluationRunModel"], "metrics" | "scorers">> & {
  metrics: Record<string, ScoreMetrics>;
  scorers: ScorerSpec[];
};
export interface EvaluationRunPage {
  runs: EvaluationRun[];
  next_page_token?: string | null;
}
export type Score = Required<Schemas["ScoreModel"]>;
/** One row of a run; `error` is what predict_fn raised on it. */
export type EvaluationItem = Required<Omit<Schemas["EvaluationItemModel"], "scores">> & {
  scores: Record<string, Score>;
};
export interface EvaluationItemPage {
  items: EvaluationItem[];
  next_page_token?: string | null;
}
