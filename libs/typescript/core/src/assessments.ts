/**
 * Feedback and expectations on traces, as the Python SDK's `log_feedback` / `log_expectation`:
 * checked here (a clear error before anything is sent), then stored by the server of the
 * tracking URI. Each call flushes the spans ended so far first, so a trace that ended moments
 * ago can be judged at once.
 */
import { currentConfig, flushTraces } from "./runtime.js";
import { callServer } from "./server-api.js";
import type { JsonValue } from "./serialize.js";

/** Who made an assessment. */
export type AssessmentSourceType = "HUMAN" | "LLM_JUDGE" | "CODE";

/** Who made an assessment: a type and an id (a user name, a judge's model, a function). */
export interface AssessmentSource {
  sourceType: AssessmentSourceType;
  /** Default "default". */
  sourceId?: string;
}

/** Why a judge produced no value. */
export interface AssessmentErrorInfo {
  errorCode: string;
  errorMessage?: string;
  stackTrace?: string;
}

/** What a feedback may say. */
export type FeedbackValue = boolean | number | string | string[];

export interface ExpectationOptions {
  /** Default HUMAN for an expectation, CODE for a feedback; a bare type has the id "default". */
  source?: AssessmentSource | AssessmentSourceType;
  /** Attach to one span of the trace (16 hex characters) instead of the whole trace. */
  spanId?: string;
  metadata?: Record<string, string>;
}

export interface FeedbackOptions extends ExpectationOptions {
  rationale?: string;
  /** The judge failed: an Error (its name, message and stack), a message, or the parts. */
  error?: Error | string | AssessmentErrorInfo;
}

/** A stored assessment, as the server answers it (the REST API's field names). */
export interface Assessment {
  assessment_id: string;
  trace_id: string;
  span_id: string | null;
  name: string;
  kind: "feedback" | "expectation";
  value: JsonValue;
  rationale: string | null;
  source: { source_type: AssessmentSourceType; source_id: string };
  metadata: Record<string, string>;
  error: { error_code: string; error_message: string | null; stack_trace: string | null } | null;
  create_time_ms: number;
  update_time_ms: number;
  /** The id of the feedback this one replaced, if any. */
  overrides: string | null;
  /** False once another feedback overrides this one. */
  valid: boolean;
}

const SOURCE_TYPES: readonly string[] = ["HUMAN", "LLM_JUDGE", "CODE"];
const MAX_NAME = 250;
const MAX_TEXT = 100_000;
const MAX_DEPTH = 32;

/**
 * Judge a trace (or one of its spans, with `spanId`): a boolean, a finite number, a string or
 * an array of strings; or `null` with `options.error` when the judge failed. The source
 * defaults to CODE. Resolves to the stored feedback, with its id.
 */
export async function logFeedback(
  traceId: string,
  name: string,
  value: FeedbackValue | null | undefined,
  options: FeedbackOptions = {},
): Promise<Assessment> {
  const caller = "spanscope.logFeedback";
  const error = options.error === undefined ? undefined : errorBody(caller, options.error);
  checkFeedbackValue(caller, value, error !== undefined);
  const rationale = options.rationale;
  if (rationale !== undefined && rationale !== null) {
    if (typeof rationale !== "string") fail(caller, `rationale is a string, got ${kindOf(rationale)}`);
    if (rationale.length > MAX_TEXT) fail(caller, `rationale is at most ${MAX_TEXT} characters`);
  }
  const body = {
    ...common(caller, traceId, name, options, "CODE"),
    kind: "feedback",
    value: value ?? null,
    rationale: rationale ?? null,
    error: error ?? null,
  };
  return post(caller, traceId, body);
}

/** State the ground truth for a trace (or one of its spans): any JSON value. The source defaults to HUMAN. */
export async function logExpectation(
  traceId: string,
  name: string,
  value: JsonValue,
  options: ExpectationOptions = {},
): Promise<Assessment> {
  const caller = "spanscope.logExpectation";
  if (value === undefined || value === null) fail(caller, "an expectation needs a value (any JSON value)");
  checkJson(caller, value, 0);
  return post(caller, traceId, { ...common(caller, traceId, name, options, "HUMAN"), kind: "expectation", value });
}

/** One assessment of a trace, by id. */
export async function getAssessment(traceId: string, assessmentId: string): Promise<Assessment> {
  const caller = "spanscope.getAssessment";
  const path = `${assessmentsPath(caller, traceId)}/${encodeURIComponent(checkId(caller, assessmentId))}`;
  await flushTraces();
  return (await callServer(currentConfig(), caller, "GET", path)) as Assessment;
}

/** Delete an assessment (the feedback it overrode, if any, becomes valid again). */
export async function deleteAssessment(traceId: string, assessmentId: string): Promise<void> {
  const caller = "spanscope.deleteAssessment";
  const path = `${assessmentsPath(caller, traceId)}/${encodeURIComponent(checkId(caller, assessmentId))}`;
  await flushTraces();
  await callServer(currentConfig(), caller, "DELETE", path);
}

async function post(caller: string, traceId: string, body: Record<string, unknown>): Promise<Assessment> {
  const path = assessmentsPath(caller, traceId);
  await flushTraces();
  return (await callServer(currentConfig(), caller, "POST", path, body)) as Assessment;
}

/** The fields both kinds share, checked. */
function common(caller: string, traceId: string, name: string, options: ExpectationOptions, defaultSource: AssessmentSourceType) {
  if (options === null || typeof options !== "object") fail(caller, `options is an object, got ${kindOf(options)}`);
  if (typeof name !== "string" || !name.trim()) fail(caller, `an assessment needs a non-empty name, got ${JSON.stringify(name) ?? kindOf(name)}`);
  if (name.length > MAX_NAME) fail(caller, `an assessment name is at most ${MAX_NAME} characters`);
  return {
    name,
    source: sourceBody(caller, options.source, defaultSource),
    span_id: options.spanId === undefined || options.spanId === null ? null : hexId(caller, "spanId", options.spanId, 16),
    metadata: metadataBody(caller, options.metadata),
  };
}

function assessmentsPath(caller: string, traceId: string): string {
  return `/api/v1/traces/${hexId(caller, "traceId", traceId, 32)}/assessments`;
}

function hexId(caller: string, what: string, given: unknown, length: number): string {
  const id = typeof given === "string" ? given.toLowerCase() : "";
  if (id.length !== length || !/^[0-9a-f]+$/.test(id)) {
    fail(caller, `${what} is ${length} hex characters, got ${JSON.stringify(given) ?? kindOf(given)}`);
  }
  return id;
}

function checkId(caller: string, given: unknown): string {
  if (typeof given !== "string" || !given) fail(caller, `assessmentId is a non-empty string, got ${kindOf(given)}`);
  return given;
}

function sourceBody(caller: string, given: ExpectationOptions["source"], fallback: AssessmentSourceType) {
  const source: Partial<AssessmentSource> = given === undefined || given === null ? { sourceType: fallback } : typeof given === "string" ? { sourceType: given } : given;
  if (typeof source !== "object") fail(caller, `source is "HUMAN", "LLM_JUDGE", "CODE" or { sourceType, sourceId }, got ${kindOf(given)}`);
  const type = typeof source.sourceType === "string" ? source.sourceType.toUpperCase() : "";
  if (!SOURCE_TYPES.includes(type)) {
    fail(caller, `source type is one of HUMAN, LLM_JUDGE, CODE, got ${JSON.stringify(source.sourceType) ?? kindOf(source.sourceType)}`);
  }
  const id = source.sourceId ?? "default";
  if (typeof id !== "string" || !id.trim() || id.length > MAX_NAME) {
    fail(caller, `sourceId is a non-empty string of at most ${MAX_NAME} characters, got ${JSON.stringify(id) ?? kindOf(id)}`);
  }
  return { source_type: type, source_id: id };
}

function metadataBody(caller: string, given: unknown): Record<string, string> {
  if (given === undefined || given === null) return {};
  if (typeof given !== "object" || Array.isArray(given)) fail(caller, `metadata maps strings to strings, got ${kindOf(given)}`);
  for (const [key, value] of Object.entries(given)) {
    if (typeof value !== "string") fail(caller, `metadata maps strings to strings; ${JSON.stringify(key)} is ${kindOf(value)}`);
  }
  return { ...(given as Record<string, string>) };
}

function errorBody(caller: string, given: unknown) {
  if (typeof given === "string") return { error_code: "ASSESSMENT_ERROR", error_message: given, stack_trace: null };
  if (given instanceof Error) {
    // A subclass that keeps Error's name is still told apart by its class.
    const code = given.name && given.name !== "Error" ? given.name : given.constructor.name || "Error";
    return { error_code: code, error_message: given.message, stack_trace: given.stack ?? null };
  }
  const parts = given as Partial<AssessmentErrorInfo> | null;
  if (parts === null || typeof parts !== "object" || typeof parts.errorCode !== "string" || !parts.errorCode) {
    fail(caller, `error is an Error, a message or { errorCode, errorMessage, stackTrace }, got ${kindOf(given)}`);
  }
  return { error_code: parts.errorCode, error_message: parts.errorMessage ?? null, stack_trace: parts.stackTrace ?? null };
}

function checkFeedbackValue(caller: string, value: unknown, hasError: boolean): void {
  if (value === undefined || value === null) {
    if (!hasError) fail(caller, "a feedback needs a value (boolean, number, string or array of strings) or an error");
    return;
  }
  if (typeof value === "boolean" || typeof value === "string") return;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) fail(caller, `a feedback number must be finite, got ${value}`);
    return;
  }
  if (Array.isArray(value) && value.every((item) => typeof item === "string")) return;
  fail(caller, `a feedback value is a boolean, a number, a string or an array of strings, got ${kindOf(value)}`);
}

function checkJson(caller: string, value: unknown, depth: number): void {
  if (depth > MAX_DEPTH) fail(caller, `an expectation's value is nested too deeply (at most ${MAX_DEPTH} levels)`);
  if (value === null || typeof value === "boolean" || typeof value === "string") return;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) fail(caller, `an expectation's value holds a number that is not finite: ${value}`);
    return;
  }
  if (Array.isArray(value)) {
    for (const item of value) checkJson(caller, item, depth + 1);
    return;
  }
  const proto: unknown = typeof value === "object" ? Object.getPrototypeOf(value) : undefined;
  if (proto === Object.prototype || (typeof value === "object" && proto === null)) {
    for (const item of Object.values(value as object)) checkJson(caller, item, depth + 1);
    return;
  }
  // Dates, Maps, class instances, undefined...: JSON.stringify would change or drop them.
  fail(caller, `an expectation's value must be JSON (null, booleans, numbers, strings, arrays, plain objects), got ${kindOf(value)}`);
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") {
    const name = (Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null)?.constructor?.name;
    return name && name !== "Object" ? `a ${name}` : "an object";
  }
  return typeof value;
}

function fail(caller: string, message: string): never {
  throw new TypeError(`${caller}: ${message}`);
}
