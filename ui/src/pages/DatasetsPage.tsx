import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { Link, useNavigate, useParams, useSearchParams } from "react-router-dom";
import { api } from "../api/client";
import type { DatasetRecord, DatasetVersion } from "../api/types";
import { ErrorBox } from "../components/ErrorBox";
import { ExperimentHeader } from "../components/ExperimentHeader";
import { Pager, usePageTokens } from "../components/Pager";
import { TagList } from "../components/TagList";
import { formatCount, formatShortTime, formatTime, previewJson, shortId } from "../lib/format";

/** The experiment's datasets (or every dataset), and one dataset's records at a version. */
export function DatasetsPage() {
  const { experimentId = "0", datasetId } = useParams();
  return (
    <div className="page">
      <ExperimentHeader experimentId={experimentId} />
      {datasetId ? (
        <DatasetView experimentId={experimentId} datasetId={datasetId} />
      ) : (
        <DatasetList experimentId={experimentId} />
      )}
    </div>
  );
}

function DatasetList({ experimentId }: { experimentId: string }) {
  const [params, setParams] = useSearchParams();
  // Held here as well as in the address, so the checkbox shows its new state at once.
  const [all, setAll] = useState(params.get("all") === "1");
  const pages = usePageTokens();
  const client = useQueryClient();
  const datasets = useQuery({
    queryKey: ["datasets", all ? null : experimentId, pages.token],
    queryFn: () => api.listDatasets(all ? null : experimentId, pages.token),
    placeholderData: keepPreviousData,
  });
  const [name, setName] = useState("");
  const create = useMutation({
    mutationFn: () => api.createDataset(name.trim(), experimentId),
    onSuccess: () => {
      setName("");
      void client.invalidateQueries({ queryKey: ["datasets"] });
    },
  });
  const onCreate = (event: FormEvent) => {
    event.preventDefault();
    if (name.trim()) create.mutate();
  };
  return (
    <>
      <div className="toolbar">
        <label className="inline-form">
          <input
            type="checkbox"
            checked={all}
            onChange={(e) => {
              pages.reset();
              setAll(e.target.checked);
              setParams(e.target.checked ? { all: "1" } : {}, { replace: true });
            }}
          />
          Datasets of every experiment
        </label>
        <span className="spacer" />
        <form className="inline-form" onSubmit={onCreate}>
          <input
            aria-label="New dataset name"
            placeholder="new dataset name"
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
          <button type="submit" disabled={!name.trim() || create.isPending}>
            Create dataset
          </button>
        </form>
      </div>
      <ErrorBox error={datasets.error ?? create.error} />
      {datasets.isPending && <p className="muted">Loading…</p>}
      {datasets.data && datasets.data.datasets.length === 0 && (
        <p className="empty">
          No datasets yet. Select traces on the Traces tab and add them to a dataset, or create one
          with <span className="mono">spanscope.datasets.create_dataset(...)</span>.
        </p>
      )}
      {datasets.data && datasets.data.datasets.length > 0 && (
        <div className="table-wrap">
          <table className="table" data-testid="datasets-table">
            <thead>
              <tr>
                <th>Name</th>
                <th className="num">Version</th>
                <th className="num">Records</th>
                <th>Tags</th>
                <th>Updated</th>
              </tr>
            </thead>
            <tbody>
              {datasets.data.datasets.map((d) => (
                <tr key={d.dataset_id} data-dataset-id={d.dataset_id}>
                  <td>
                    <Link
                      className="strong"
                      to={`/experiments/${d.experiment_id ?? experimentId}/datasets/${d.dataset_id}`}
                    >
                      {d.name}
                    </Link>
                  </td>
                  <td className="num">v{d.version}</td>
                  <td className="num">{formatCount(d.record_count)}</td>
                  <td>
                    <TagList tags={d.tags} />
                  </td>
                  <td title={formatTime(d.updated_ms)}>{formatShortTime(d.updated_ms)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager
        pages={pages}
        nextToken={datasets.data?.next_page_token}
        stale={datasets.isPlaceholderData}
      />
    </>
  );
}

function DatasetView({ experimentId, datasetId }: { experimentId: string; datasetId: string }) {
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  const client = useQueryClient();
  const pages = usePageTokens();
  const versionParam = params.get("version");
  const version = versionParam == null ? null : Number(versionParam);
  const dataset = useQuery({
    queryKey: ["dataset", datasetId],
    queryFn: () => api.getDataset(datasetId),
  });
  const versions = useQuery({
    queryKey: ["dataset-versions", datasetId],
    queryFn: () => api.getDatasetVersions(datasetId),
  });
  const records = useQuery({
    queryKey: ["dataset-records", datasetId, version, pages.token],
    queryFn: () => api.getRecords(datasetId, version, pages.token),
    placeholderData: keepPreviousData,
  });
  const remove = useMutation({
    mutationFn: () => api.deleteDataset(datasetId),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ["datasets"] });
      navigate(`/experiments/${experimentId}/datasets`);
    },
  });
  const shownVersion = records.data?.version ?? version ?? dataset.data?.version;
  // Records are removed from the latest version only (which makes the next one).
  const latest = dataset.data != null && shownVersion === dataset.data.version;
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const removeRecords = useMutation({
    mutationFn: () => api.deleteRecords(datasetId, [...selected]),
    onSuccess: () => {
      setSelected(new Set());
      for (const key of ["dataset", "dataset-versions", "dataset-records"]) {
        void client.invalidateQueries({ queryKey: [key, datasetId] });
      }
      void client.invalidateQueries({ queryKey: ["datasets"] });
    },
  });
  const toggle = (id: string) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setSelected(next);
  };
  return (
    <div data-testid="dataset-view">
      <div className="breadcrumbs">
        <Link to={`/experiments/${experimentId}/datasets`}>Datasets</Link> /{" "}
        <span className="strong">{dataset.data?.name ?? datasetId}</span>
      </div>
      <ErrorBox
        error={
          dataset.error ?? versions.error ?? records.error ?? remove.error ?? removeRecords.error
        }
      />
      <div className="toolbar">
        <label className="inline-form">
          Version
          <select
            aria-label="Dataset version"
            value={shownVersion == null ? "" : String(shownVersion)}
            onChange={(e) => {
              pages.reset();
              setSelected(new Set());
              const newest = String(dataset.data?.version ?? "");
              setParams(e.target.value === newest ? {} : { version: e.target.value }, {
                replace: true,
              });
            }}
          >
            {(versions.data?.versions ?? []).map((v) => (
              <option key={v.version} value={String(v.version)}>
                {versionLabel(v, dataset.data?.version)}
              </option>
            ))}
          </select>
        </label>
        {records.data && (
          <span className="muted" data-testid="record-count">
            {formatCount(recordCount(versions.data?.versions, records.data.version))} record(s) in v
            {records.data.version}
          </span>
        )}
        <span className="spacer" />
        {latest && selected.size > 0 && (
          <button
            type="button"
            className="secondary"
            disabled={removeRecords.isPending}
            onClick={() => removeRecords.mutate()}
          >
            Remove {selected.size} record{selected.size === 1 ? "" : "s"}
          </button>
        )}
        <button
          type="button"
          className="danger"
          disabled={remove.isPending || !dataset.data}
          onClick={() => {
            if (window.confirm(`Delete dataset ${dataset.data?.name} and all its versions?`)) {
              remove.mutate();
            }
          }}
        >
          Delete dataset
        </button>
      </div>
      {records.data && records.data.records.length === 0 && (
        <p className="empty">No records in this version.</p>
      )}
      {records.data && records.data.records.length > 0 && (
        <div className="table-wrap">
          <table className="table records-table" data-testid="records-table">
            <thead>
              <tr>
                {latest && <th className="check" />}
                <th>Inputs</th>
                <th>Expectations</th>
                <th>Tags</th>
                <th>Source</th>
                <th className="num">Added in</th>
              </tr>
            </thead>
            <tbody>
              {records.data.records.map((r) => (
                <RecordRow
                  key={r.record_id}
                  record={r}
                  selected={latest ? selected.has(r.record_id) : null}
                  onToggle={() => toggle(r.record_id)}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager
        pages={pages}
        nextToken={records.data?.next_page_token}
        stale={records.isPlaceholderData}
      />
    </div>
  );
}

/** `selected` is null where records cannot be chosen (a past version). */
function RecordRow({
  record,
  selected,
  onToggle,
}: {
  record: DatasetRecord;
  selected: boolean | null;
  onToggle: () => void;
}) {
  const expectations = Object.keys(record.expectations).length > 0 ? record.expectations : null;
  return (
    <tr data-record-id={record.record_id} className={selected ? "selected" : ""}>
      {selected != null && (
        <td className="check">
          <input
            type="checkbox"
            aria-label={`Select record ${previewJson(record.inputs, 60)}`}
            checked={selected}
            onChange={onToggle}
          />
        </td>
      )}
      <td className="record-inputs">
        <span className="preview" title={JSON.stringify(record.inputs, null, 2)}>
          {previewJson(record.inputs)}
        </span>
      </td>
      <td>
        {expectations ? (
          <span className="preview" title={JSON.stringify(expectations, null, 2)}>
            {previewJson(expectations)}
          </span>
        ) : (
          <span className="muted">—</span>
        )}
      </td>
      <td>
        <TagList tags={record.tags} />
      </td>
      <td className="record-source">
        {record.source.type === "TRACE" && record.source.id ? (
          <Link to={`/traces/${record.source.id}`} className="mono" title="Open the source trace">
            trace {shortId(record.source.id)}
          </Link>
        ) : (
          <span className="muted">
            {record.source.type.toLowerCase()}
            {record.source.id ? ` ${record.source.id}` : ""}
          </span>
        )}
      </td>
      <td className="num">
        {record.created_version != null ? `v${record.created_version}` : ""}
        {record.updated_version != null && record.updated_version !== record.created_version
          ? ` (updated v${record.updated_version})`
          : ""}
      </td>
    </tr>
  );
}

function versionLabel(v: DatasetVersion, latest: number | undefined): string {
  const changes = [
    v.added ? `+${v.added}` : "",
    v.updated ? `~${v.updated}` : "",
    v.removed ? `−${v.removed}` : "",
  ]
    .filter(Boolean)
    .join(" ");
  return (
    `v${v.version}${v.version === latest ? " (latest)" : ""} · ${v.record_count} record(s)` +
    `${changes ? ` · ${changes}` : ""} · ${formatShortTime(v.created_ms)}`
  );
}

function recordCount(versions: DatasetVersion[] | undefined, version: number): number | null {
  return versions?.find((v) => v.version === version)?.record_count ?? null;
}
