import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, type ReactNode, useMemo, useState } from "react";
import { Link, useParams, useSearchParams } from "react-router-dom";
import { ApiError, api } from "../api/client";
import { AddedNotice, type AddedToDataset, AddToDataset } from "../components/AddToDataset";
import { useAssessmentSummary } from "../components/AssessmentSummary";
import { ColumnPicker } from "../components/ColumnPicker";
import { ErrorBox } from "../components/ErrorBox";
import { ExperimentHeader } from "../components/ExperimentHeader";
import { ExportActions } from "../components/ExportActions";
import { LiveToggle, NewTracesNotice } from "../components/LiveToggle";
import { PAGE_PARAMS, Pager, useUrlPages } from "../components/Pager";
import { SelectAllMatching } from "../components/SelectAllMatching";
import { SearchBox } from "../components/SearchBox";
import { TracesTable } from "../components/TracesTable";
import { feedbackNames, summarize } from "../lib/assessments";
import { type ColumnId, loadColumns, nextSort, saveColumns, tableColumns } from "../lib/columns";
import {
  addClause,
  combineFilter,
  feedbackFilterOptions,
  type QuickFilters,
  type StateFilter,
} from "../lib/filter";
import { LIVE_TABLE_INTERVAL_MS } from "../lib/live";
import { SPAN_TYPES } from "../lib/spanTypes";
import { useNewTraces } from "../lib/useLive";
import "../traceCompare.css";

const PAGE_SIZE = 50;
const TIME_RANGES: [string, number][] = [
  ["Any time", 0],
  ["Last hour", 3_600_000],
  ["Last 24 hours", 86_400_000],
  ["Last 7 days", 7 * 86_400_000],
  ["Last 30 days", 30 * 86_400_000],
];

export function TracesPage() {
  const { experimentId = "0" } = useParams();
  const [params, setParams] = useSearchParams();
  const text = params.get("filter") ?? "";
  const sort = params.get("sort") ?? "timestamp_ms DESC";
  const quick: QuickFilters = {
    state: (params.get("state") ?? "") as StateFilter,
    spanType: params.get("type") ?? "",
    sinceMs: Number(params.get("since") ?? 0) || 0,
  };
  // A time range is relative to now, rounded to the minute so the query key stays stable.
  const now = Math.floor(Date.now() / 60_000) * 60_000;
  const combined = combineFilter(text, quick, now);
  const pages = useUrlPages();
  const pageToken = pages.token;
  const live = params.get("live") === "1";
  const [columns, setColumns] = useState<ColumnId[]>(loadColumns);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [added, setAdded] = useState<AddedToDataset | null>(null);

  const update = (changes: Record<string, string>) => {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) {
      if (value) next.set(key, value);
      else next.delete(key);
    }
    for (const key of PAGE_PARAMS) next.delete(key); // a new filter or order starts at page 1
    setParams(next, { replace: true });
    setSelected(new Set());
  };

  const queryKey = ["traces", experimentId, combined.filter, sort, pageToken];
  const traces = useQuery({
    queryKey,
    queryFn: () =>
      api.searchTraces({
        experiment_ids: [experimentId],
        filter: combined.filter,
        order_by: [sort], // the server breaks ties by trace id, in the same direction
        max_results: PAGE_SIZE,
        page_token: pageToken,
        include_spans: false,
        include_total: true,
      }),
    placeholderData: keepPreviousData,
    retry: false,
    // Live: the page refreshes in place (stopped while the tab is hidden).
    refetchInterval: live ? LIVE_TABLE_INTERVAL_MS : false,
    refetchIntervalInBackground: false,
  });
  const summary = useAssessmentSummary(experimentId);
  const infos = useMemo(() => (traces.data?.traces ?? []).map((t) => t.info), [traces.data]);
  // The experiment's feedback names, or (from a server without the summary) those on screen.
  const entries = summary.data?.assessments ?? summarize(infos);
  const available = tableColumns(feedbackNames(infos, entries));
  const shownColumns = available.filter((c) => columns.includes(c.id));
  const total =
    traces.data?.total_count != null
      ? { count: traces.data.total_count, capped: traces.data.total_count_capped === true }
      : null;
  const pageIds = useMemo(() => infos.map((i) => i.trace_id), [infos]);
  const fresh = useNewTraces(
    live,
    // The search as chosen (a time range's query moves with the minute; its count goes on).
    JSON.stringify([experimentId, text, quick, sort, pageToken]),
    pageIds,
    total?.count ?? null,
    !!traces.data && !traces.isPlaceholderData,
  );
  const setLive = (on: boolean) => {
    const next = new URLSearchParams(params);
    if (on) next.set("live", "1");
    else next.delete("live");
    setParams(next, { replace: true });
  };
  const showNew = () => {
    fresh.acknowledge();
    if (pages.page > 1) {
      const first = new URLSearchParams(params);
      for (const key of PAGE_PARAMS) first.delete(key);
      setParams(first);
    }
    window.scrollTo({ top: 0 });
  };
  const narrow = (clause: string) => update({ filter: addClause(text, clause) });

  return (
    <div className="page">
      <ExperimentHeader experimentId={experimentId} />
      <SearchBox
        value={text}
        onSubmit={(t) => update({ filter: t })}
        error={traces.error}
        userOffset={combined.userOffset}
      />
      <div className="toolbar">
        <select
          aria-label="Filter by state"
          value={quick.state}
          onChange={(e) => update({ state: e.target.value })}
        >
          <option value="">All states</option>
          <option value="OK">OK</option>
          <option value="ERROR">Error</option>
          <option value="IN_PROGRESS">In progress</option>
        </select>
        <select
          aria-label="Filter by span type"
          value={quick.spanType}
          onChange={(e) => update({ type: e.target.value })}
        >
          <option value="">Any span type</option>
          {SPAN_TYPES.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
        <select
          aria-label="Time range"
          value={String(quick.sinceMs)}
          onChange={(e) => update({ since: e.target.value === "0" ? "" : e.target.value })}
        >
          {TIME_RANGES.map(([label, ms]) => (
            <option key={ms} value={String(ms)}>
              {label}
            </option>
          ))}
        </select>
        <FeedbackFilter entries={entries} onPick={narrow} />
        <LiveToggle on={live} onChange={setLive} />
        <ColumnPicker
          available={available}
          shown={columns}
          onChange={(c) => {
            setColumns(c);
            saveColumns(c);
          }}
        />
        <span className="spacer" />
        <BulkActions
          experimentId={experimentId}
          selected={selected}
          exports={
            <ExportActions
              experimentId={experimentId}
              filter={combined.filter}
              sort={sort}
              pageInfos={infos}
              columns={shownColumns}
              selected={selected}
            />
          }
          onDone={() => setSelected(new Set())}
          onAdded={(a) => {
            setAdded(a);
            setSelected(new Set());
          }}
        />
      </div>
      {added && (
        <AddedNotice experimentId={experimentId} added={added} onClose={() => setAdded(null)} />
      )}
      {!(traces.error instanceof ApiError && traces.error.code === "INVALID_FILTER") && (
        <ErrorBox error={traces.error} />
      )}
      {traces.isPending && <p className="muted">Loading…</p>}
      {live && <NewTracesNotice count={fresh.count} onShow={showNew} />}
      {traces.data && (
        <>
          <Pager
            pages={pages}
            nextToken={traces.data.next_page_token}
            total={total}
            stale={traces.isPlaceholderData}
            label="Pages (top)"
          />
          <SelectAllMatching
            experimentId={experimentId}
            filter={combined.filter}
            pageIds={pageIds}
            total={total}
            selected={selected}
            onSelect={setSelected}
          />
          <TracesTable
            traces={traces.data.traces}
            columns={shownColumns}
            sort={sort}
            onSort={(field) => update({ sort: nextSort(sort, field) })}
            selected={selected}
            onSelect={setSelected}
            onFilter={narrow}
            fresh={fresh.ids}
          />
          {traces.data.traces.length === 0 && <p className="empty">No traces match.</p>}
          <Pager
            pages={pages}
            nextToken={traces.data.next_page_token}
            total={total}
            stale={traces.isPlaceholderData}
            label="Pages (bottom)"
          />
        </>
      )}
    </div>
  );
}

/** A quick filter per feedback value: picking one adds its clause to the filter text. */
function FeedbackFilter({
  entries,
  onPick,
}: {
  entries: Parameters<typeof feedbackFilterOptions>[0];
  onPick: (clause: string) => void;
}) {
  const groups = feedbackFilterOptions(entries);
  if (groups.length === 0) return null;
  return (
    <select aria-label="Filter by feedback" value="" onChange={(e) => onPick(e.target.value)}>
      <option value="">Any feedback</option>
      {groups.map((g) => (
        <optgroup key={g.name} label={g.name}>
          {g.options.map((o) => (
            <option key={o.clause} value={o.clause}>
              {o.label}
            </option>
          ))}
        </optgroup>
      ))}
    </select>
  );
}

function BulkActions({
  experimentId,
  selected,
  exports,
  onDone,
  onAdded,
}: {
  experimentId: string;
  selected: ReadonlySet<string>;
  exports: ReactNode;
  onDone: () => void;
  onAdded: (added: AddedToDataset) => void;
}) {
  const client = useQueryClient();
  const [tag, setTag] = useState("");
  const refresh = () => {
    onDone();
    void client.invalidateQueries({ queryKey: ["traces", experimentId] });
    void client.invalidateQueries({ queryKey: ["experiments"] });
  };
  const remove = useMutation({
    mutationFn: () => api.deleteTraces({ experiment_id: experimentId, trace_ids: [...selected] }),
    onSuccess: refresh,
  });
  const addTag = useMutation({
    mutationFn: async (keyValue: string) => {
      const [key = "", ...rest] = keyValue.split("=");
      for (const id of selected) await api.setTag(id, key.trim(), rest.join("=").trim());
    },
    onSuccess: () => {
      setTag("");
      refresh();
    },
  });
  if (selected.size === 0) return null;
  const onTag = (event: FormEvent) => {
    event.preventDefault();
    if (tag.split("=")[0]?.trim()) addTag.mutate(tag);
  };
  return (
    <div className="bulk">
      <span className="muted">{selected.size} selected</span>
      {selected.size >= 2 && selected.size <= 10 && (
        <Link
          className="button-link"
          to={`/experiments/${experimentId}/traces/compare?traces=${[...selected].join(",")}`}
        >
          Compare
        </Link>
      )}
      <AddToDataset experimentId={experimentId} traceIds={[...selected]} onAdded={onAdded} />
      {exports}
      <form className="inline-form" onSubmit={onTag}>
        <input
          aria-label="Tag to add (key=value)"
          placeholder="key=value"
          value={tag}
          onChange={(e) => setTag(e.target.value)}
        />
        <button type="submit" className="secondary" disabled={addTag.isPending}>
          Add tag
        </button>
      </form>
      <button
        type="button"
        className="danger"
        disabled={remove.isPending}
        onClick={() => {
          if (window.confirm(`Delete ${selected.size} trace(s)? This cannot be undone.`)) {
            remove.mutate();
          }
        }}
      >
        Delete
      </button>
      <ErrorBox error={remove.error ?? addTag.error} />
    </div>
  );
}
