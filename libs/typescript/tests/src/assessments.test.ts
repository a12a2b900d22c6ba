/**
 * Feedback and expectations logged from TypeScript on a trace traced from TypeScript, against a
 * real `spanscope server`, read back by the Python SDK (`spanscope.get_trace`): the same
 * assessments, kinds, sources and spans Python's own `log_feedback` would have stored.
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import {
  SpanscopeApiError,
  deleteAssessment,
  getAssessment,
  getLastActiveTraceId,
  init,
  logExpectation,
  logFeedback,
  trace,
  withSpan,
} from "@spanscope/tracing";
import { runPython, startServer, type Running } from "@spanscope/test-support";

// Every assessment of the trace as Python's entities hold them, the overridden ones included.
const READ_BACK = `
import json, sys
import spanscope
spanscope.set_tracking_uri(sys.argv[1])
info = spanscope.get_trace(sys.argv[2]).info
print(json.dumps([
    {
        "class": type(a).__name__,
        "name": a.name,
        "value": a.value,
        "rationale": a.rationale,
        "source": [a.source.source_type.value, a.source.source_id],
        "span_id": a.span_id,
        "metadata": a.metadata,
        "error": None if a.error is None else [a.error.error_code, a.error.error_message],
        "assessment_id": a.assessment_id,
        "valid": a.valid,
    }
    for a in sorted(info.assessments, key=lambda a: a.create_time_ms or 0)
]))
`;

let server: Running;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => server?.stop());

let lookupSpanId = "";
const answer = trace(
  async function answer(question: string) {
    return withSpan(
      (span) => {
        lookupSpanId = span.spanId;
        return `capital: ${question}`;
      },
      { name: "lookup", spanType: "RETRIEVER" },
    );
  },
  { spanType: "AGENT" },
);

test("feedback and expectations from TypeScript are read back by Python as they were sent", async () => {
  // A long export interval: only the flush logFeedback does first gets the trace there in time.
  init({ trackingUri: server.url, experimentName: "ts-assessments", exportIntervalMs: 60_000 });
  await answer("France");
  const traceId = getLastActiveTraceId() as string;

  const correct = await logFeedback(traceId, "correct", true, {
    rationale: "matches the atlas",
    source: { sourceType: "HUMAN", sourceId: "ann@example.com" },
    metadata: { reviewer_team: "geo" },
  });
  expect(correct).toMatchObject({ trace_id: traceId, kind: "feedback", name: "correct", value: true, valid: true });
  expect(correct.assessment_id).toMatch(/^a-[0-9a-f]{32}$/);
  const expected = await logExpectation(traceId, "expected_answer", { answer: "Paris", sources: ["atlas", null] });
  const relevance = await logFeedback(traceId, "relevance", 0.75, { spanId: lookupSpanId, source: "LLM_JUDGE" });
  await logFeedback(traceId, "tone", ["formal", "brief"]);
  await logFeedback(traceId, "judged", null, { error: new RangeError("the judge timed out") });
  const temporary = await logFeedback(traceId, "temporary", "x");
  await deleteAssessment(traceId, temporary.assessment_id);
  expect(await getAssessment(traceId, relevance.assessment_id)).toEqual(relevance);

  const stored = (await runPython(READ_BACK, [server.url, traceId])) as Record<string, unknown>[];
  expect(stored).toEqual([
    {
      class: "Feedback",
      name: "correct",
      value: true,
      rationale: "matches the atlas",
      source: ["HUMAN", "ann@example.com"],
      span_id: null,
      metadata: { reviewer_team: "geo" },
      error: null,
      assessment_id: correct.assessment_id,
      valid: true,
    },
    {
      class: "Expectation",
      name: "expected_answer",
      value: { answer: "Paris", sources: ["atlas", null] },
      rationale: null,
      source: ["HUMAN", "default"],
      span_id: null,
      metadata: {},
      error: null,
      assessment_id: expected.assessment_id,
      valid: true,
    },
    expect.objectContaining({ class: "Feedback", name: "relevance", value: 0.75, source: ["LLM_JUDGE", "default"], span_id: lookupSpanId }),
    expect.objectContaining({ class: "Feedback", name: "tone", value: ["formal", "brief"], source: ["CODE", "default"], span_id: null }),
    expect.objectContaining({ class: "Feedback", name: "judged", value: null, error: ["RangeError", "the judge timed out"] }),
  ]);
});

test("an unknown trace: the server's 404, as a SpanscopeApiError", async () => {
  init({ trackingUri: server.url });
  const error = await logFeedback("0".repeat(32), "correct", true).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(SpanscopeApiError);
  expect(error).toMatchObject({ status: 404, code: "NOT_FOUND" });
});
