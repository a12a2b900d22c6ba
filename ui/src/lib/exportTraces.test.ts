import { describe, expect, it, vi } from "vitest";
import type { TraceInfo } from "../api/types";
import { COLUMNS, feedbackColumn } from "./columns";
import { csvField, exportName, fetchTracesJson, toCsv, tracesCsv } from "./exportTraces";

/** A minimal RFC 4180 reader, to check that what is written reads back the same. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\r" && text[i + 1] === "\n") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
      i++;
    } else field += c;
  }
  expect(field).toBe("");
  expect(row).toEqual([]);
  return rows;
}

function info(fields: Partial<TraceInfo>): TraceInfo {
  return {
    trace_id: "t1",
    experiment_id: "0",
    client_request_id: null,
    request_time: Date.UTC(2025, 0, 2, 3, 4, 5),
    execution_duration: 1234,
    state: "OK",
    name: "agent",
    request_preview: null,
    response_preview: null,
    metadata: {},
    tags: {},
    cost: null,
    assessments: [],
    ...fields,
  };
}

describe("CSV", () => {
  it("quotes fields with commas, quotes, CR or LF and doubles quotes", () => {
    expect(csvField("plain")).toBe("plain");
    expect(csvField("")).toBe("");
    expect(csvField("a,b")).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("line\nbreak")).toBe('"line\nbreak"');
    expect(csvField("cr\rhere")).toBe('"cr\rhere"');
    expect(
      toCsv([
        ["a", "b"],
        ["1", "x,y"],
      ]),
    ).toBe('a,b\r\n1,"x,y"\r\n');
  });

  it("reads back every awkward value unchanged", () => {
    const values = ['"', '""', ",", "\r\n", 'a\n"b",c', " spaced ", "=1+1", "ünï ✓"];
    expect(parseCsv(toCsv([values, values.slice().reverse()]))).toEqual([
      values,
      values.slice().reverse(),
    ]);
  });

  it("writes the shown columns of the traces as values", () => {
    const columns = [
      ...COLUMNS.filter((c) =>
        ["id", "name", "request", "state", "latency", "tokens", "cost", "tags", "time"].includes(
          c.id,
        ),
      ),
      feedbackColumn("correct"),
    ];
    const row = info({
      name: 'say "hi", then go',
      request_preview: '{"question": "a,b\\nc"}',
      metadata: {
        "spanscope.trace.token_usage": '{"input_tokens": 3, "output_tokens": 4, "total_tokens": 7}',
      },
      cost: { input: 0.001, output: 0.0005, total: 0.0015 } as TraceInfo["cost"],
      tags: { env: "test", team: "a,b" },
      assessments: [
        {
          assessment_id: "a1",
          trace_id: "t1",
          name: "correct",
          kind: "feedback",
          value: true,
          valid: true,
          source: { source_type: "HUMAN", source_id: "me" },
        } as unknown as TraceInfo["assessments"][number],
      ],
    });
    const rows = parseCsv(tracesCsv([row], columns));
    expect(rows[0]).toEqual([
      "Trace ID",
      "Name",
      "Request",
      "State",
      "Latency (ms)",
      "Total tokens",
      "Cost (USD)",
      "Tags",
      "Time (UTC)",
      "correct",
    ]);
    expect(rows[1]).toEqual([
      "t1",
      'say "hi", then go',
      '{"question": "a,b\\nc"}',
      "OK",
      "1234",
      "7",
      "0.0015",
      "env=test; team=a,b",
      "2025-01-02T03:04:05.000Z",
      "true",
    ]);
  });

  it("names the file by experiment and time", () => {
    expect(exportName("7", "csv", new Date(Date.UTC(2025, 0, 2, 3, 4, 5)))).toBe(
      "traces-7-20250102-030405.csv",
    );
  });
});

describe("fetchTracesJson", () => {
  it("lists the server's texts in order, nanosecond times exact", async () => {
    const bodies: Record<string, string> = {
      a: '{"info": {"trace_id": "a"}, "data": {"spans": [{"start_time_ns": 1796598342940485106}]}}',
      b: '{"info": {"trace_id": "b"}, "data": {"spans": []}}\n',
    };
    const seen: string[] = [];
    vi.stubGlobal("fetch", async (path: string) => {
      seen.push(path);
      const id = path.split("/").pop()!;
      return new Response(bodies[id], { status: 200 });
    });
    try {
      const text = await fetchTracesJson(["b", "a"]);
      expect(seen.sort()).toEqual(["/api/v1/traces/a", "/api/v1/traces/b"]);
      expect(text).toContain("1796598342940485106");
      const list = JSON.parse(text) as { info: { trace_id: string } }[];
      expect(list.map((t) => t.info.trace_id)).toEqual(["b", "a"]);
    } finally {
      vi.unstubAllGlobals();
    }
  });
});
