import { describe, expect, it } from "vitest";
import { costFromAttributes } from "./chat";
import { formatCost } from "./format";
import { SpanKey } from "./keys";

describe("costs", () => {
  it("shows an unpriced call as a dash, never as $0", () => {
    expect(formatCost(null)).toBe("—");
    expect(formatCost(undefined)).toBe("—");
    expect(formatCost(0)).toBe("$0");
  });

  it("keeps two significant digits of small costs", () => {
    expect(formatCost(0.000435)).toBe("$0.00044");
    expect(formatCost(0.2)).toBe("$0.20");
    expect(formatCost(12.345)).toBe("$12.35");
  });

  it("reads a span's cost attribute", () => {
    const cost = { input: 0.1, output: 0.2, total: 0.3, currency: "USD" };
    expect(costFromAttributes({ [SpanKey.cost]: cost })).toBe(0.3);
    expect(costFromAttributes({ [SpanKey.cost]: JSON.stringify(cost) })).toBe(0.3);
    expect(costFromAttributes({})).toBeNull();
  });
});
