import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useRef, useState } from "react";
import { Link, useSearchParams } from "react-router-dom";
import { ApiError, api } from "../api/client";
import type { Experiment } from "../api/types";
import { ErrorBox } from "../components/ErrorBox";
import { formatCount, formatTime } from "../lib/format";
import { useTitle } from "../lib/useTitle";

// The default experiment (id "0") always exists: the server refuses to delete it.
const DEFAULT_EXPERIMENT_ID = "0";

/** A 409 on create or rename says the name is taken; say it in words. */
function nameError(error: unknown, name: string): unknown {
  if (error instanceof ApiError && error.status === 409) {
    return new Error(`An experiment named “${name}” already exists. Choose another name.`);
  }
  return error;
}

export function ExperimentsPage() {
  useTitle("Experiments");
  const client = useQueryClient();
  const [params, setParams] = useSearchParams();
  const search = params.get("q") ?? "";
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
  const onSearch = (text: string) => {
    const next = new URLSearchParams(params);
    if (text) next.set("q", text);
    else next.delete("q");
    setParams(next, { replace: true });
  };
  const needle = search.trim().toLowerCase();
  const shown = (experiments.data?.experiments ?? []).filter(
    (e) => !needle || e.name.toLowerCase().includes(needle),
  );
  return (
    <div className="page">
      <div className="page-title">
        <h1>Experiments</h1>
        <form className="inline-form" onSubmit={onCreate}>
          <input
            aria-label="New experiment name"
            placeholder="New experiment name"
            value={name}
            onChange={(e) => {
              setName(e.target.value);
              if (create.error) create.reset();
            }}
          />
          <button type="submit" disabled={!name.trim() || create.isPending}>
            Create
          </button>
        </form>
      </div>
      <ErrorBox error={nameError(create.error, create.variables ?? name)} />
      <ErrorBox error={experiments.error} />
      {experiments.isPending && <p className="muted">Loading…</p>}
      {experiments.data && (
        <>
          <div className="toolbar">
            <input
              type="search"
              className="experiment-search"
              aria-label="Search experiments"
              placeholder="Search experiments by name"
              value={search}
              onChange={(e) => onSearch(e.target.value)}
            />
            <span className="muted" role="status">
              {needle
                ? `${shown.length} of ${experiments.data.experiments.length} experiments`
                : `${experiments.data.experiments.length} experiments`}
            </span>
          </div>
          <table className="table" data-testid="experiments-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col" className="num">
                  Traces
                </th>
                <th scope="col">Last activity</th>
                <th scope="col">Created</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {shown.map((e) => (
                <ExperimentRow key={e.experiment_id} experiment={e} />
              ))}
            </tbody>
          </table>
          {shown.length === 0 && (
            <p className="muted" data-testid="no-experiments">
              No experiment matches “{search}”.
            </p>
          )}
        </>
      )}
    </div>
  );
}

function ExperimentRow({ experiment }: { experiment: Experiment }) {
  const client = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [name, setName] = useState(experiment.name);
  const input = useRef<HTMLInputElement>(null);
  const renameButton = useRef<HTMLButtonElement>(null);
  const wasEditing = useRef(false);
  // Focus follows the rename: into the box when it opens, back to Rename when it closes.
  useEffect(() => {
    if (editing) input.current?.select();
    else if (wasEditing.current) renameButton.current?.focus();
    wasEditing.current = editing;
  }, [editing]);
  const rename = useMutation({
    mutationFn: (n: string) => api.renameExperiment(experiment.experiment_id, n),
    onSuccess: () => {
      setEditing(false);
      void client.invalidateQueries({ queryKey: ["experiments"] });
      void client.invalidateQueries({ queryKey: ["experiment", experiment.experiment_id] });
    },
  });
  const remove = useMutation({
    mutationFn: () => api.deleteExperiment(experiment.experiment_id),
    onSuccess: () => {
      client.removeQueries({ queryKey: ["experiment", experiment.experiment_id] });
      void client.invalidateQueries({ queryKey: ["experiments"] });
    },
  });
  const cancelRename = () => {
    setName(experiment.name);
    rename.reset();
    setEditing(false);
  };
  const onRename = (event: FormEvent) => {
    event.preventDefault();
    if (name.trim()) rename.mutate(name.trim());
  };
  const traces = experiment.trace_count ?? 0;
  return (
    <tr>
      <td>
        {editing ? (
          <form className="inline-form" onSubmit={onRename}>
            <input
              ref={input}
              aria-label="Experiment name"
              value={name}
              onChange={(e) => setName(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === "Escape") {
                  e.preventDefault();
                  cancelRename();
                }
              }}
            />
            <button type="submit" disabled={rename.isPending}>
              Save
            </button>
            <button type="button" className="secondary" onClick={cancelRename}>
              Cancel
            </button>
            <ErrorBox error={nameError(rename.error, name.trim())} />
          </form>
        ) : (
          <Link to={`/experiments/${experiment.experiment_id}/traces`} className="strong">
            {experiment.name}
          </Link>
        )}
      </td>
      <td className="num">{formatCount(traces)}</td>
      <td>{formatTime(experiment.last_trace_time)}</td>
      <td>{formatTime(experiment.created_at)}</td>
      <td>
        {confirming ? (
          <div className="confirm-delete" role="group" aria-label={`Delete ${experiment.name}`}>
            <span>
              Delete “{experiment.name}” and its {formatCount(traces)}{" "}
              {traces === 1 ? "trace" : "traces"} for good?
            </span>
            <button
              type="button"
              className="danger"
              disabled={remove.isPending}
              onClick={() => remove.mutate()}
            >
              Delete
            </button>
            <button type="button" className="secondary" onClick={() => setConfirming(false)}>
              Cancel
            </button>
            <ErrorBox error={remove.error} />
          </div>
        ) : (
          <div className="row-actions">
            <Link to={`/experiments/${experiment.experiment_id}/sessions`}>Sessions</Link>
            {!editing && (
              <button
                type="button"
                className="link"
                ref={renameButton}
                onClick={() => setEditing(true)}
              >
                Rename
              </button>
            )}
            {experiment.experiment_id !== DEFAULT_EXPERIMENT_ID && (
              <button
                type="button"
                className="link danger-link"
                onClick={() => setConfirming(true)}
              >
                Delete
              </button>
            )}
          </div>
        )}
      </td>
    </tr>
  );
}
