import { describe, expect, it, vi } from "vitest";
import { COLUMNS, loadColumns, nextSort, parseSort, tableColumns } from "./columns";

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
      "name",
      "status",
      "timestamp_ms",
      "trace_id",
    ]);
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
