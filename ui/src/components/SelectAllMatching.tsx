import { useMutation } from "@tanstack/react-query";
import { api } from "../api/client";
import { formatTotal } from "../lib/format";
import { ErrorBox } from "./ErrorBox";

// The most traces one bulk action takes (the server's limit of ids per delete).
export const MAX_SELECTED = 10_000;
const ID_PAGE = 1000;

/** Every trace id the filter matches (up to MAX_SELECTED), a page of ids at a time. */
export async function matchingTraceIds(
  experimentId: string,
  filter: string | null,
): Promise<string[]> {
  const ids: string[] = [];
  let token: string | null = null;
  do {
    const page = await api.searchTraces({
      experiment_ids: [experimentId],
      filter,
      max_results: Math.min(ID_PAGE, MAX_SELECTED - ids.length),
      page_token: token,
      include_spans: false,
    });
    ids.push(...page.traces.map((t) => t.info.trace_id));
    token = page.next_page_token ?? null;
  } while (token && ids.length < MAX_SELECTED);
  return ids;
}

/** Once the whole page is selected: offer every match of the filter, not only the page. */
export function SelectAllMatching({
  experimentId,
  filter,
  pageIds,
  total,
  selected,
  onSelect,
}: {
  experimentId: string;
  filter: string | null;
  pageIds: readonly string[];
  total: { count: number; capped: boolean } | null;
  selected: ReadonlySet<string>;
  onSelect: (ids: Set<string>) => void;
}) {
  const all = useMutation({
    mutationFn: () => matchingTraceIds(experimentId, filter),
    onSuccess: (ids) => onSelect(new Set(ids)),
  });
  const pageSelected = pageIds.length > 0 && pageIds.every((id) => selected.has(id));
  if (!total || !pageSelected || total.count <= pageIds.length) return null;
  const everything = selected.size >= Math.min(total.count, MAX_SELECTED) && !total.capped;
  const limit = total.capped || total.count > MAX_SELECTED;
  return (
    <div className="select-all-matching" data-testid="select-all-matching">
      {everything ? (
        <span>All {formatTotal(selected.size, false)} matching are selected.</span>
      ) : selected.size > pageIds.length ? (
        <span>{formatTotal(selected.size, false)} selected (the first matching).</span>
      ) : (
        <>
          <span>All {formatTotal(pageIds.length, false)} on this page are selected.</span>
          <button
            type="button"
            className="link"
            disabled={all.isPending}
            onClick={() => all.mutate()}
          >
            {limit
              ? `Select the first ${MAX_SELECTED.toLocaleString("en-US")} matching`
              : `Select all ${formatTotal(total.count, false)} matching`}
          </button>
        </>
      )}
      <button type="button" className="link" onClick={() => onSelect(new Set())}>
        Clear selection
      </button>
      <ErrorBox error={all.error} />
    </div>
  );
}
