import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useRef, useState } from "react";
import { Link } from "react-router-dom";
import { api } from "../api/client";
import type { Dataset } from "../api/types";
import { ErrorBox } from "./ErrorBox";

const NEW = "__new__";

/** What adding traces to a dataset did: the dataset now, and its version before. */
export interface AddedToDataset {
  dataset: Dataset;
  previousVersion: number;
  traceCount: number;
}

/** Adds the selected traces to an existing dataset or a new one, as records from the traces. */
export function AddToDataset({
  experimentId,
  traceIds,
  onAdded,
}: {
  experimentId: string;
  traceIds: readonly string[];
  onAdded: (added: AddedToDataset) => void;
}) {
  const client = useQueryClient();
  const menu = useRef<HTMLDetailsElement>(null);
  const [open, setOpen] = useState(false);
  const [choice, setChoice] = useState("");
  const [name, setName] = useState("");
  const datasets = useQuery({
    queryKey: ["datasets", experimentId, null],
    queryFn: () => api.listDatasets(experimentId),
    enabled: open,
  });
  const list = datasets.data?.datasets ?? [];
  const target = choice || (list[0]?.dataset_id ?? NEW);
  const add = useMutation({
    mutationFn: async () => {
      const existing = list.find((d) => d.dataset_id === target);
      const dataset = existing ?? (await api.createDataset(name.trim(), experimentId));
      const updated = await api.addRecordsFromTraces(dataset.dataset_id, [...traceIds]);
      return { dataset: updated, previousVersion: dataset.version, traceCount: traceIds.length };
    },
    onSuccess: (added) => {
      setName("");
      setChoice("");
      if (menu.current) menu.current.open = false;
      void client.invalidateQueries({ queryKey: ["datasets"] });
      void client.invalidateQueries({ queryKey: ["dataset", added.dataset.dataset_id] });
      void client.invalidateQueries({ queryKey: ["dataset-versions", added.dataset.dataset_id] });
      void client.invalidateQueries({ queryKey: ["dataset-records", added.dataset.dataset_id] });
      onAdded(added);
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (target !== NEW || name.trim()) add.mutate();
  };
  return (
    <details
      className="dropdown add-to-dataset"
      ref={menu}
      onToggle={(e) => setOpen(e.currentTarget.open)}
    >
      <summary>Add to dataset</summary>
      <form className="dropdown-menu dataset-menu" onSubmit={submit}>
        <ErrorBox error={datasets.error} />
        <label>
          Dataset
          <select
            aria-label="Dataset to add to"
            value={target}
            onChange={(e) => setChoice(e.target.value)}
          >
            {list.map((d) => (
              <option key={d.dataset_id} value={d.dataset_id}>
                {d.name} (v{d.version}, {d.record_count} record{d.record_count === 1 ? "" : "s"})
              </option>
            ))}
            <option value={NEW}>New dataset…</option>
          </select>
        </label>
        {target === NEW && (
          <input
            aria-label="New dataset name"
            placeholder="new dataset name"
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
        )}
        <button
          type="submit"
          disabled={add.isPending || datasets.isPending || (target === NEW && !name.trim())}
        >
          Add {traceIds.length} trace{traceIds.length === 1 ? "" : "s"}
        </button>
        <ErrorBox error={add.error} />
      </form>
    </details>
  );
}

/** The outcome of an add: the dataset's new version, or that nothing changed. */
export function AddedNotice({
  experimentId,
  added,
  onClose,
}: {
  experimentId: string;
  added: AddedToDataset;
  onClose: () => void;
}) {
  const { dataset, previousVersion, traceCount } = added;
  const changed = dataset.version !== previousVersion;
  return (
    <p className="notice" role="status" data-testid="dataset-added">
      {changed ? `Added ${traceCount} trace${traceCount === 1 ? "" : "s"} to ` : "No change to "}
      <Link
        to={`/experiments/${dataset.experiment_id ?? experimentId}/datasets/${dataset.dataset_id}`}
      >
        {dataset.name}
      </Link>
      {changed
        ? `: version ${dataset.version}, ${dataset.record_count} record${dataset.record_count === 1 ? "" : "s"}.`
        : `: those traces are already in version ${dataset.version}.`}{" "}
      <button type="button" className="link" onClick={onClose}>
        Dismiss
      </button>
    </p>
  );
}
