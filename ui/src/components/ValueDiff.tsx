import { useMemo, useState } from "react";
import { changedPaths, diffJson, type JsonDiff, type LineChange } from "../lib/jsonDiff";
import "../traceCompare.css";

/** Two JSON values diffed: the changed keys, each changed value side by side (long strings
 * as a line diff); unchanged keys folded away. */
export function ValueDiff({
  label,
  before,
  after,
  beforeLabel,
  afterLabel,
}: {
  label: string;
  /** The baseline's value; undefined when the baseline has none (the span is added). */
  before: unknown;
  after: unknown;
  beforeLabel: string;
  afterLabel: string;
}) {
  const diff = useMemo(() => diffJson(before, after), [before, after]);
  const paths = useMemo(() => changedPaths(diff), [diff]);
  const same = diff.kind === "same";
  return (
    <section
      className={`value-diff${same ? " same" : " differs"}`}
      data-testid={`value-diff-${label.toLowerCase()}`}
      data-changed-paths={paths.join(" ")}
      aria-label={label}
    >
      <h4 className="value-diff-head">
        {label}{" "}
        <span className="muted small">
          {same
            ? "identical"
            : paths.length === 1 && paths[0] === "$"
              ? "changed"
              : `${paths.length} change${paths.length === 1 ? "" : "s"}: ${paths.slice(0, 6).join(", ")}${paths.length > 6 ? ", …" : ""}`}
        </span>
      </h4>
      {same ? (
        <SameValue value={before} />
      ) : (
        <DiffNode diff={diff} name={null} beforeLabel={beforeLabel} afterLabel={afterLabel} />
      )}
    </section>
  );
}

function SameValue({ value }: { value: unknown }) {
  const [open, setOpen] = useState(false);
  if (value == null) return <span className="muted small">(none)</span>;
  return open ? (
    <pre className="diff-value">{show(value)}</pre>
  ) : (
    <button type="button" className="link small" onClick={() => setOpen(true)}>
      show value
    </button>
  );
}

function DiffNode({
  diff,
  name,
  beforeLabel,
  afterLabel,
}: {
  diff: JsonDiff;
  name: string | null;
  beforeLabel: string;
  afterLabel: string;
}) {
  const [showSame, setShowSame] = useState(false);
  const key = name === null ? null : <span className="json-key">{name}</span>;
  switch (diff.kind) {
    case "same":
      return (
        <div className="diff-entry same">
          <span className="diff-mark" aria-hidden="true">
            {" "}
          </span>
          {key}: <span className="diff-inline">{show(diff.value, 120)}</span>
        </div>
      );
    case "added":
    case "removed":
      return (
        <div className={`diff-entry ${diff.kind}`} data-diff={diff.kind}>
          <span className="diff-mark" aria-hidden="true">
            {diff.kind === "added" ? "+" : "−"}
          </span>
          {key}
          {key && ": "}
          <span className="visually-hidden">{diff.kind === "added" ? "added: " : "removed: "}</span>
          <pre className="diff-value inline">{show(diff.value)}</pre>
        </div>
      );
    case "changed":
      return (
        <div className="diff-entry changed" data-diff="changed">
          <span className="diff-mark" aria-hidden="true">
            ~
          </span>
          {key}
          {diff.lines ? (
            <Lines lines={diff.lines} />
          ) : (
            <div className="diff-sides">
              <div className="diff-side before">
                <div className="muted small">{beforeLabel}</div>
                <pre className="diff-value">{show(diff.before)}</pre>
              </div>
              <div className="diff-side after">
                <div className="muted small">{afterLabel}</div>
                <pre className="diff-value">{show(diff.after)}</pre>
              </div>
            </div>
          )}
        </div>
      );
    case "object":
    case "array": {
      const same = diff.entries.filter(([, d]) => d.kind === "same");
      const shown = showSame ? diff.entries : diff.entries.filter(([, d]) => d.kind !== "same");
      const label = (k: string) => (diff.kind === "array" ? `[${k}]` : k);
      return (
        <div className="diff-entry container">
          {key}
          {key && (diff.kind === "array" ? " [" : " {")}
          <div className="diff-children">
            {shown.map(([k, d]) => (
              <DiffNode
                key={k}
                diff={d}
                name={label(k)}
                beforeLabel={beforeLabel}
                afterLabel={afterLabel}
              />
            ))}
            {same.length > 0 && (
              <button type="button" className="link small" onClick={() => setShowSame(!showSame)}>
                {showSame
                  ? "hide unchanged"
                  : `${same.length} unchanged ${diff.kind === "array" ? "item" : "key"}${same.length === 1 ? "" : "s"}`}
              </button>
            )}
          </div>
          {key && (diff.kind === "array" ? "]" : "}")}
        </div>
      );
    }
  }
}

function Lines({ lines }: { lines: LineChange[] }) {
  return (
    <pre className="line-diff" data-testid="line-diff">
      {lines.map((line, i) => (
        <div key={i} className={`line ${line.op}`}>
          <span className="diff-mark" aria-hidden="true">
            {line.op === "added" ? "+" : line.op === "removed" ? "−" : " "}
          </span>
          {line.op !== "same" && <span className="visually-hidden">{line.op}: </span>}
          {line.text}
        </div>
      ))}
    </pre>
  );
}

function show(value: unknown, max = 0): string {
  const text = typeof value === "string" ? value : (JSON.stringify(value, null, 2) ?? "null");
  return max > 0 && text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
