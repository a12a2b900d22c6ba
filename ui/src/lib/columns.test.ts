import { describe, expect, it, vi } from "vitest";
import {
  COLUMNS,
  DEFAULT_COLUMNS,
  loadColumns,
  nextSort,
  parseSort,
  tableColumns,
} from "./columns";

describe("sorting", () => {
  it("parses an order_by clause", () => {
    expect(parseSort("execution_time_ms ASC")).toEqual({ field: "execution_time_ms", desc: false });
    expect(parseSort("name")).toEqual({ field: "name", desc: true });
    expect(parseSort("feedback.`my name` asc")).toEqual({
      field: "feedback.`my name`",
      desc: false,
    });
  });

  it("sorts a new column descending first, then flips", () => {
    expect(nextSort("timestamp_ms DESC", "name")).toBe("name DESC");
    expect(nextSort("name DESC", "name")).toBe("name ASC");
    expect(nextSort("name ASC", "name")).toBe("name DESC");
  });

  it("sorts only on fields the API can order by", () => {
    const fields = COLUMNS.flatMap((c) => (c.sortField ? [c.sortField] : []));
    expect(fields.sort()).toEqual([
      "cost",
      "execution_time_ms",
      "input_tokens",
      "name",
      "output_tokens",
      "session_id",
      "status",
      "timestamp_ms",
      "total_tokens",
      "trace_id",
      "user_id",
    ]);
  });
});

describe("token columns", () => {
  it("show tokens in and out by default, each sorting on the server, the total on request", () => {
    const byId = (id: string) => COLUMNS.find((c) => c.id === id);
    expect(byId("tokensIn")).toMatchObject({ label: "Tokens in", sortField: "input_tokens" });
    expect(byId("tokensOut")).toMatchObject({ label: "Tokens out", sortField: "output_tokens" });
    expect(byId("tokens")).toMatchObject({ label: "Total tokens", sortField: "total_tokens" });
    expect(DEFAULT_COLUMNS).toContain("tokensIn");
    expect(DEFAULT_COLUMNS).toContain("tokensOut");
    expect(DEFAULT_COLUMNS).not.toContain("tokens");
    const ids = COLUMNS.map((c) => c.id);
    expect(ids.slice(ids.indexOf("latency"), ids.indexOf("cost") + 1)).toEqual([
      "latency",
      "tokensIn",
      "tokensOut",
      "tokens",
      "cost",
    ]);
    expect(nextSort("timestamp_ms DESC", "output_tokens")).toBe("output_tokens DESC");
  });

  it("keep a saved choice of the total column", () => {
    const saved = JSON.stringify(["name", "tokens", "tokensOut"]);
    vi.stubGlobal("localStorage", { getItem: () => saved });
    try {
      expect(loadColumns()).toEqual(["name", "tokens", "tokensOut"]);
    } finally {
      vi.unstubAllGlobals();
    }
  });
});

describe("feedback columns", () => {
  it("come one per name before Time, sorting by the feedback", () => {
    const columns = tableColumns(["my name", "ok"]);
    expect(columns.map((c) => c.id).slice(-3)).toEqual(["feedback:my name", "feedback:ok", "time"]);
    expect(columns.find((c) => c.id === "feedback:my name")).toMatchObject({
      label: "my name",
      sortField: "feedback.`my name`",
      feedback: "my name",
    });
    expect(nextSort("timestamp_ms DESC", "feedback.`my name`")).toBe("feedback.`my name` DESC");
  });

  it("are remembered with the fixed ones; unknown ids are dropped", () => {
    const saved = JSON.stringify(["name", "feedback:ok", "bogus", 3]);
    vi.stubGlobal("localStorage", { getItem: () => saved });
    try {
      expect(loadColumns()).toEqual(["name", "feedback:ok"]);
    } finally {
      vi.unstubAllGlobals();
    }
  });
});
