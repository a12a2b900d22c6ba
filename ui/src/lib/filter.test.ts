import { describe, expect, it } from "vitest";
import {
  combineFilter,
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
