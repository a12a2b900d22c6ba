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
export type TraceInfo = Required<Schemas["TraceInfoModel"]>;
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
