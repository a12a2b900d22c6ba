/** @spanscope/tracing: trace JavaScript and TypeScript applications into a spanscope server. */
export { init, flushTraces, getLastActiveTraceId, addSpanProcessor, clearSpanProcessors, getTracer, isEnabled } from "./runtime.js";
export type { SpanProcessorFn } from "./runtime.js";
export type { InitOptions } from "./config.js";
export { trace, traceMethod, withSpan, startSpan, getCurrentActiveSpan, updateCurrentTrace } from "./trace.js";
export type { TraceOptions, SpanOptions, TraceUpdate } from "./trace.js";
export { LiveSpan } from "./span.js";
export type { EndOptions, StatusCode, SpanEventRecord, TraceFields } from "./span.js";
export { SpanAttributeKey, SpanType, ExceptionEventKey, Env } from "./constants.js";
export { getStats } from "./safety.js";
export type { TracingStats } from "./safety.js";
export type { SpanExporterLike, TraceTags } from "./exporter.js";
export { toJson, dumps } from "./serialize.js";
export { logFeedback, logExpectation, getAssessment, deleteAssessment } from "./assessments.js";
export type {
  Assessment,
  AssessmentErrorInfo,
  AssessmentSource,
  AssessmentSourceType,
  ExpectationOptions,
  FeedbackOptions,
  FeedbackValue,
} from "./assessments.js";
export { SpanscopeApiError } from "./server-api.js";
export type { JsonValue } from "./serialize.js";
// Integration plumbing (used by @spanscope/openai, @spanscope/anthropic and new integrations).
export { LLMCall, startLlmSpan, usageAttributes } from "./llm.js";
export type { Usage, LLMSpanOptions } from "./llm.js";
export {
  contentParts,
  isObject,
  normalizeMessage,
  normalizeMessages,
  normalizeToolDefinition,
  parseJson,
  textPart,
  toolCallPart,
  toolResponsePart,
} from "./chat.js";
export type { ChatMessage, Part } from "./chat.js";
export { traceAsyncIterator, traceSdkStream } from "./streaming.js";
export type { Finish } from "./streaming.js";
export { wrapMethod, callObserved, tracedMethod, HelperScope } from "./integration.js";
// For integrations built on a library's own hooks, which open and end spans from callbacks:
// run the library's work with such a span current, and record without ever throwing.
export { runWithSpan } from "./context.js";
export { guarded } from "./safety.js";
export type { ResultHandlers, ApiSpec } from "./integration.js";
