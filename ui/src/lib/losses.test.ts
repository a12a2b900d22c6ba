import { describe, expect, it } from "vitest";
import { lossNotice } from "./losses";

const losses = (by_cause: Record<string, number>, clients = 1) => ({
  experiment_id: "1",
  since_ms: 0,
  by_cause,
  clients,
  traces: Object.entries(by_cause)
    .filter(([cause]) => cause !== "late_spans")
    .reduce((sum, [, n]) => sum + n, 0),
});

describe("lossNotice", () => {
  it("says nothing when no trace was lost", () => {
    expect(lossNotice(undefined)).toBeNull();
    expect(lossNotice(losses({}))).toBeNull();
    expect(lossNotice(losses({ late_spans: 3 }))).toBeNull();
  });

  it("names the causes, the largest first", () => {
    expect(lossNotice(losses({ evicted: 2, queue_full: 1200 }, 3))).toBe(
      "1,202 traces lost by 3 clients in the last 24 h: " +
        "export queue full 1,200, evicted from a full spool 2",
    );
    expect(lossNotice(losses({ export_error: 1 }))).toBe(
      "1 trace lost by 1 client in the last 24 h: refused by the destination 1",
    );
  });
});
