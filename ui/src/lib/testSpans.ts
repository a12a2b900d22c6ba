// Span factories for the unit tests.
import type { Span } from "../api/types";

let counter = 0;

export function span(fields: Partial<Span> & { span_id?: string }): Span {
  counter += 1;
  return {
    trace_id: "0".repeat(32),
    span_id: fields.span_id ?? counter.toString(16).padStart(16, "0"),
    parent_id: null,
    name: `span-${counter}`,
    span_type: "UNKNOWN",
    start_time_ns: 0,
    end_time_ns: 0,
    status: { code: "OK", message: "" },
    inputs: null,
    outputs: null,
    attributes: {},
    events: [],
    ...fields,
  };
}
