import { useMutation } from "@tanstack/react-query";
import type { TraceInfo } from "../api/types";
import type { Column } from "../lib/columns";
import {
  downloadText,
  exportName,
  fetchTracesJson,
  selectedInfos,
  tracesCsv,
} from "../lib/exportTraces";
import { ErrorBox } from "./ErrorBox";

/** The selection bar's downloads: the selected traces as JSON, their table rows as CSV. */
export function ExportActions({
  experimentId,
  filter,
  sort,
  pageInfos,
  columns,
  selected,
}: {
  experimentId: string;
  filter: string | null;
  sort: string;
  pageInfos: readonly TraceInfo[];
  columns: readonly Column[];
  selected: ReadonlySet<string>;
}) {
  const json = useMutation({
    mutationFn: async () => {
      const infos = await selectedInfos(experimentId, filter, sort, pageInfos, selected);
      const text = await fetchTracesJson(infos.map((i) => i.trace_id));
      downloadText(exportName(experimentId, "json"), text, "application/json");
    },
  });
  const csv = useMutation({
    mutationFn: async () => {
      const infos = await selectedInfos(experimentId, filter, sort, pageInfos, selected);
      downloadText(exportName(experimentId, "csv"), tracesCsv(infos, columns), "text/csv");
    },
  });
  return (
    <>
      <button
        type="button"
        className="secondary"
        disabled={json.isPending}
        onClick={() => json.mutate()}
        title="The selected traces with their spans, as JSON"
      >
        {json.isPending ? "Exporting…" : "Export JSON"}
      </button>
      <button
        type="button"
        className="secondary"
        disabled={csv.isPending}
        onClick={() => csv.mutate()}
        title="The selected rows with the shown columns, as CSV"
      >
        {csv.isPending ? "Exporting…" : "Export CSV"}
      </button>
      <ErrorBox error={json.error ?? csv.error} />
    </>
  );
}
