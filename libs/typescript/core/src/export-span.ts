/**
 * The OTLP form of a finished span: what the Python SDK's OTLP export writes, so the server
 * stores both alike. Type, inputs and outputs go in the reserved attributes as JSON text; every
 * other attribute and event attribute as a native OTLP value (structured ones as key-value
 * lists); the root span carries the trace's session and user as `session.id` / `user.id`, and
 * its other metadata in `spanscope.trace.metadata`.
 */
import type { Attributes } from "@opentelemetry/api";
import type { ReadableSpan, TimedEvent } from "@opentelemetry/sdk-trace-base";
import { SpanAttributeKey, TraceAttributeKey } from "./constants.js";
import { dumps, toJson } from "./serialize.js";
import type { LiveSpan } from "./span.js";

const typeJson = new Map<string, string>();

/**
 * The span to export. The SDK span has ended and only spanscope's processor sees it, so it is
 * completed in place (no copy: this runs once per span, on the caller's thread).
 */
export function exportable(span: ReadableSpan, live: LiveSpan, isRoot: boolean): ReadableSpan {
  const attributes = span.attributes as Record<string, unknown>;
  let type = typeJson.get(live.spanType);
  if (type === undefined) typeJson.set(live.spanType, (type = dumps(live.spanType)));
  attributes[SpanAttributeKey.SPAN_TYPE] = type;
  if (live.inputs !== undefined) attributes[SpanAttributeKey.INPUTS] = dumps(live.inputs);
  if (live.outputs !== undefined) attributes[SpanAttributeKey.OUTPUTS] = dumps(live.outputs);
  for (const key in live.attributes) attributes[key] = toJson(live.attributes[key]) ?? null;
  if (isRoot) {
    const { sessionId, userId, metadata } = live.trace;
    for (const _ in metadata) {
      attributes[SpanAttributeKey.TRACE_METADATA] = { ...metadata };
      break;
    }
    if (sessionId !== undefined) attributes[TraceAttributeKey.SESSION_ID] = sessionId;
    if (userId !== undefined) attributes[TraceAttributeKey.USER_ID] = userId;
  }
  const writable = span as { -readonly [K in keyof ReadableSpan]: ReadableSpan[K] };
  if (live.events.length > 0) {
    writable.events = live.events.map((event): TimedEvent => ({
      name: event.name,
      time: event.time,
      // The OTLP encoder writes objects as key-value lists (OTel's attribute type is narrower).
      attributes: toJson(event.attributes) as unknown as Attributes,
      droppedAttributesCount: 0,
    }));
  }
  if (live.name !== span.name) writable.name = live.name; // renamed by a span processor
  return span;
}
