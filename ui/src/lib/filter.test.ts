import { describe, expect, it } from "vitest";
import {
  addClause,
  assessmentField,
  combineFilter,
  feedbackClause,
  feedbackFilterOptions,
  errorHeadline,
  locateError,
  NO_QUICK_FILTERS,
  quickFilterClauses,
  quote,
} from "./filter";

describe("quick filters", () => {
  it("compile to the filter language", () => {
    const clauses = quickFilterClauses(
      { state: "ERROR", spanType: "TOOL", sinceMs: 3_600_000 },
      10_000_000,
    );
    expect(clauses).toEqual(["status = 'ERROR'", "span.type = 'TOOL'", "timestamp_ms >= 6400000"]);
  });

  it("quote strings with the quote doubled", () => {
    expect(quote("it's")).toBe("'it''s'");
  });

  it("combine with the user's text, remembering where it starts", () => {
    expect(combineFilter("", NO_QUICK_FILTERS, 0)).toEqual({ filter: null, userOffset: 0 });
    expect(combineFilter("name = 'a'", NO_QUICK_FILTERS, 0)).toEqual({
      filter: "name = 'a'",
      userOffset: 0,
    });
    expect(
      combineFilter("name = 'a' OR name = 'b'", { ...NO_QUICK_FILTERS, state: "OK" }, 0),
    ).toEqual({ filter: "(name = 'a' OR name = 'b') AND status = 'OK'", userOffset: 1 });
  });
});

describe("locateError", () => {
  it("maps a server position back into the user's text", () => {
    const text = "stauts = 'OK'";
    expect(locateError(text, 0, 0)).toEqual({
      before: "",
      at: "s",
      after: "tauts = 'OK'",
      column: 0,
    });
    // The same error when quick filters wrapped the text in parentheses.
    expect(locateError(text, 8, 1)?.column).toBe(7);
  });

  it("marks the end of the text for an error there", () => {
    expect(locateError("status =", 8, 0)).toEqual({
      before: "status =",
      at: " ",
      after: "",
      column: 8,
    });
  });

  it("is null outside the user's text", () => {
    expect(locateError("a", null, 0)).toBeNull();
    expect(locateError("a", 40, 1)).toBeNull();
  });

  it("keeps the server's first line without its position, and what is accepted", () => {
    expect(errorHeadline("invalid filter: x (at position 0)\n  x\n  ^")).toBe("invalid filter: x");
    expect(
      errorHeadline("invalid filter: bad (at position 3)\n  a b\n    ^\naccepted fields: a, b"),
    ).toBe("invalid filter: bad\naccepted fields: a, b");
  });
});

describe("feedback filters", () => {
  it("name a feedback, with backticks when the name is no identifier", () => {
    expect(assessmentField("user_satisfaction")).toBe("feedback.user_satisfaction");
    expect(assessmentField("my name")).toBe("feedback.`my name`");
    expect(assessmentField("a`b", "expectation")).toBe("expectation.`a``b`");
  });

  it("compare with literals of each type; lists have none", () => {
    expect(feedbackClause("ok", false)).toBe("feedback.ok = false");
    expect(feedbackClause("score", 4.5)).toBe("feedback.score = 4.5");
    expect(feedbackClause("topic", "it's")).toBe("feedback.topic = 'it''s'");
    expect(feedbackClause("tags", ["a"])).toBeNull();
  });

  it("AND a clause onto the text once, keeping an OR together", () => {
    expect(addClause("  ", "feedback.ok = true")).toBe("feedback.ok = true");
    expect(addClause("status = 'OK'", "feedback.ok = true")).toBe(
      "status = 'OK' AND feedback.ok = true",
    );
    expect(addClause("status = 'OK' AND feedback.ok = true", "feedback.ok = true")).toBe(
      "status = 'OK' AND feedback.ok = true",
    );
    expect(addClause("a = 1 or b = 2", "feedback.ok = true")).toBe(
      "(a = 1 or b = 2) AND feedback.ok = true",
    );
  });

  it("offer yes / no for booleans, each string value, and presence", () => {
    const groups = feedbackFilterOptions([
      { name: "ok", kind: "feedback", value_type: "boolean", values: {} },
      { name: "my topic", kind: "feedback", value_type: "string", values: { b: 1, a: 2 } },
      { name: "truth", kind: "expectation", value_type: "string", values: { x: 1 } },
    ]);
    expect(groups.map((g) => g.name)).toEqual(["ok", "my topic"]);
    expect(groups[0]!.options.map((o) => o.clause)).toEqual([
      "feedback.ok = true",
      "feedback.ok = false",
      "feedback.ok IS NOT NULL",
      "feedback.ok IS NULL",
    ]);
    expect(groups[1]!.options.map((o) => o.clause).slice(0, 2)).toEqual([
      "feedback.`my topic` = 'a'",
      "feedback.`my topic` = 'b'",
    ]);
  });
});
