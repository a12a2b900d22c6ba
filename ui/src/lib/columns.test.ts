import { describe, expect, it } from "vitest";
import { COLUMNS, nextSort, parseSort } from "./columns";

describe("sorting", () => {
  it("parses an order_by clause", () => {
    expect(parseSort("execution_time_ms ASC")).toEqual({ field: "execution_time_ms", desc: false });
    expect(parseSort("name")).toEqual({ field: "name", desc: true });
  });

  it("sorts a new column descending first, then flips", () => {
    expect(nextSort("timestamp_ms DESC", "name")).toBe("name DESC");
    expect(nextSort("name DESC", "name")).toBe("name ASC");
    expect(nextSort("name ASC", "name")).toBe("name DESC");
  });

  it("sorts only on fields the API can order by", () => {
    const fields = COLUMNS.flatMap((c) => (c.sortField ? [c.sortField] : []));
    expect(fields.sort()).toEqual([
      "execution_time_ms",
      "name",
      "status",
      "timestamp_ms",
      "trace_id",
    ]);
  });
});
