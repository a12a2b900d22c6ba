import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { api } from "../api/client";
import { ErrorBox } from "./ErrorBox";

/** A trace's tags: remove one, or add / overwrite key = value. */
export function TagEditor({ traceId, tags }: { traceId: string; tags: Record<string, string> }) {
  const client = useQueryClient();
  const [key, setKey] = useState("");
  const [value, setValue] = useState("");
  const refresh = () => {
    void client.invalidateQueries({ queryKey: ["trace", traceId] });
    void client.invalidateQueries({ queryKey: ["traces"] });
  };
  const add = useMutation({
    mutationFn: () => api.setTag(traceId, key.trim(), value),
    onSuccess: () => {
      setKey("");
      setValue("");
      refresh();
    },
  });
  const remove = useMutation({
    mutationFn: (k: string) => api.deleteTag(traceId, k),
    onSuccess: refresh,
  });
  const onAdd = (event: FormEvent) => {
    event.preventDefault();
    if (key.trim()) add.mutate();
  };
  return (
    <div className="tag-editor" data-testid="tag-editor">
      {Object.entries(tags).map(([k, v]) => (
        <span key={k} className="tag">
          {k}
          {v ? `=${v}` : ""}
          <button
            type="button"
            className="tag-remove"
            aria-label={`Remove tag ${k}`}
            onClick={() => remove.mutate(k)}
          >
            ×
          </button>
        </span>
      ))}
      <form className="inline-form" onSubmit={onAdd}>
        <input
          aria-label="Tag key"
          placeholder="key"
          value={key}
          onChange={(e) => setKey(e.target.value)}
        />
        <input
          aria-label="Tag value"
          placeholder="value"
          value={value}
          onChange={(e) => setValue(e.target.value)}
        />
        <button type="submit" className="secondary small" disabled={!key.trim() || add.isPending}>
          Add tag
        </button>
      </form>
      <ErrorBox error={add.error ?? remove.error} />
    </div>
  );
}
