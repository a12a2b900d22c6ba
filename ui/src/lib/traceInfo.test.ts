import { describe, expect, it } from "vitest";
import type { TraceInfo } from "../api/types";
import { TraceMeta } from "./keys";
import { traceIdFrom, traceTokens } from "./traceInfo";

function info(usage: string | null): TraceInfo {
  return {
    trace_id: "0".repeat(32),
    experiment_id: "1",
    request_time: 0,
    execution_duration: 1,
    state: "OK",
    name: "t",
    request_preview: null,
    response_preview: null,
    client_request_id: null,
    cost: null,
    metadata: usage === null ? {} : { [TraceMeta.tokenUsage]: usage },
    tags: {},
    assessments: [],
  };
}

describe("token counts", () => {
  it("read tokens in, out and the total from the trace's usage", () => {
    const trace = info('{"input_tokens": 12, "output_tokens": 30, "total_tokens": 42}');
    expect(traceTokens(trace, "input")).toBe(12);
    expect(traceTokens(trace, "output")).toBe(30);
    expect(traceTokens(trace, "total")).toBe(42);
    expect(traceTokens(trace)).toBe(42);
  });

  it("are null without usage, and for values the server does not count", () => {
    expect(traceTokens(info(null), "output")).toBeNull();
    expect(traceTokens(info("not json"), "input")).toBeNull();
    const odd = info('{"input_tokens": -3, "output_tokens": 7.5, "total_tokens": "9"}');
    expect(traceTokens(odd, "input")).toBeNull();
    expect(traceTokens(odd, "output")).toBeNull();
    expect(traceTokens(odd)).toBeNull();
  });
});

describe("traceIdFrom", () => {
  it("takes a pasted id, or the id in a trace page's address", () => {
    const id = "ab".repeat(16);
    expect(traceIdFrom(`  ${id}\n`)).toBe(id);
    expect(traceIdFrom(`http://localhost:5000/traces/${id}?span=0001`)).toBe(id);
    expect(traceIdFrom(`/traces/${id}/`)).toBe(id);
  });

  it("refuses what is not one id", () => {
    expect(traceIdFrom("")).toBeNull();
    expect(traceIdFrom("a b")).toBeNull();
    expect(traceIdFrom("a,b")).toBeNull();
    expect(traceIdFrom("http://localhost:5000/experiments/1/traces/compare?traces=a,b")).toBeNull();
    expect(traceIdFrom("http://localhost:5000/experiments/1/traces")).toBeNull();
  });
});
