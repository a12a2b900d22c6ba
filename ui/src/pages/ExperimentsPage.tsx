import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { Link } from "react-router-dom";
import { api } from "../api/client";
import type { Experiment } from "../api/types";
import { ErrorBox } from "../components/ErrorBox";
import { formatCount, formatTime } from "../lib/format";
import { useTitle } from "../lib/useTitle";

export function ExperimentsPage() {
  useTitle("Experiments");
  const client = useQueryClient();
  const experiments = useQuery({ queryKey: ["experiments"], queryFn: api.listExperiments });
  const [name, setName] = useState("");
  const create = useMutation({
    mutationFn: (n: string) => api.createExperiment(n),
    onSuccess: () => {
      setName("");
      void client.invalidateQueries({ queryKey: ["experiments"] });
    },
  });
  const onCreate = (event: FormEvent) => {
    event.preventDefault();
    if (name.trim()) create.mutate(name.trim());
  };
  return (
    <div className="page">
      <div className="page-title">
        <h1>Experiments</h1>
        <form className="inline-form" onSubmit={onCreate}>
          <input
            aria-label="New experiment name"
            placeholder="New experiment name"
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
          <button type="submit" disabled={!name.trim() || create.isPending}>
            Create
          </button>
        </form>
      </div>
      <ErrorBox error={create.error} />
      <ErrorBox error={experiments.error} />
      {experiments.isPending && <p className="muted">Loading…</p>}
      {experiments.data && (
        <table className="table" data-testid="experiments-table">
          <thead>
            <tr>
              <th>Name</th>
              <th className="num">Traces</th>
              <th>Last activity</th>
              <th>Created</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {experiments.data.experiments.map((e) => (
              <ExperimentRow key={e.experiment_id} experiment={e} />
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function ExperimentRow({ experiment }: { experiment: Experiment }) {
  const client = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(experiment.name);
  const rename = useMutation({
    mutationFn: (n: string) => api.renameExperiment(experiment.experiment_id, n),
    onSuccess: () => {
      setEditing(false);
      void client.invalidateQueries({ queryKey: ["experiments"] });
      void client.invalidateQueries({ queryKey: ["experiment", experiment.experiment_id] });
    },
  });
  const onRename = (event: FormEvent) => {
    event.preventDefault();
    if (name.trim()) rename.mutate(name.trim());
  };
  return (
    <tr>
      <td>
        {editing ? (
          <form className="inline-form" onSubmit={onRename}>
            <input
              aria-label="Experiment name"
              value={name}
              autoFocus
              onChange={(e) => setName(e.target.value)}
            />
            <button type="submit" disabled={rename.isPending}>
              Save
            </button>
            <button type="button" className="secondary" onClick={() => setEditing(false)}>
              Cancel
            </button>
            <ErrorBox error={rename.error} />
          </form>
        ) : (
          <Link to={`/experiments/${experiment.experiment_id}/traces`} className="strong">
            {experiment.name}
          </Link>
        )}
      </td>
      <td className="num">{formatCount(experiment.trace_count ?? 0)}</td>
      <td>{formatTime(experiment.last_trace_time)}</td>
      <td>{formatTime(experiment.created_at)}</td>
      <td>
        <div className="row-actions">
          <Link to={`/experiments/${experiment.experiment_id}/sessions`}>Sessions</Link>
          {!editing && (
            <button type="button" className="link" onClick={() => setEditing(true)}>
              Rename
            </button>
          )}
        </div>
      </td>
    </tr>
  );
}
