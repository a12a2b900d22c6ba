import { useState } from "react";
import { CopyButton } from "./CopyButton";

const LONG_STRING = 400;
const MANY_ITEMS = 100;

/** A JSON value as a foldable tree; long strings and lists say how much is hidden. */
export function JsonView({ value, label }: { value: unknown; label?: string }) {
  return (
    <div className="json-view">
      <div className="json-toolbar">
        {label && <span className="json-label">{label}</span>}
        <CopyButton text={typeof value === "string" ? value : JSON.stringify(value, null, 2)} />
      </div>
      <div className="json-body">
        <JsonNode value={value} depth={0} />
      </div>
    </div>
  );
}

function JsonNode({ value, depth }: { value: unknown; depth: number }) {
  if (value === null || value === undefined) return <span className="json-null">null</span>;
  if (typeof value === "string") return <JsonString value={value} />;
  if (typeof value === "number") return <span className="json-number">{String(value)}</span>;
  if (typeof value === "boolean") return <span className="json-bool">{String(value)}</span>;
  if (Array.isArray(value)) {
    return (
      <JsonContainer
        entries={value.map((v, i) => [String(i), v])}
        open="["
        close="]"
        depth={depth}
      />
    );
  }
  if (typeof value === "object") {
    return (
      <JsonContainer
        entries={Object.entries(value as Record<string, unknown>)}
        open="{"
        close="}"
        depth={depth}
        keyed
      />
    );
  }
  return <span>{String(value)}</span>;
}

function JsonString({ value }: { value: string }) {
  const [full, setFull] = useState(false);
  const long = value.length > LONG_STRING;
  const shown = long && !full ? value.slice(0, LONG_STRING) : value;
  return (
    <span className="json-string">
      "{shown}
      {long && !full && "…"}"
      {long && (
        <button type="button" className="link small" onClick={() => setFull(!full)}>
          {full ? "show less" : `show all ${value.length.toLocaleString("en-US")} characters`}
        </button>
      )}
    </span>
  );
}

function JsonContainer({
  entries,
  open,
  close,
  depth,
  keyed = false,
}: {
  entries: [string, unknown][];
  open: string;
  close: string;
  depth: number;
  keyed?: boolean;
}) {
  const [folded, setFolded] = useState(depth >= 3);
  const [all, setAll] = useState(false);
  if (entries.length === 0) return <span>{open + close}</span>;
  const shown = all ? entries : entries.slice(0, MANY_ITEMS);
  return (
    <span>
      <button
        type="button"
        className="fold"
        aria-label={folded ? "Unfold" : "Fold"}
        onClick={() => setFolded(!folded)}
      >
        {folded ? "▸" : "▾"}
      </button>
      {open}
      {folded ? (
        <button type="button" className="link small" onClick={() => setFolded(false)}>
          {entries.length} {entries.length === 1 ? "item" : "items"}
        </button>
      ) : (
        <div className="json-children">
          {shown.map(([key, v]) => (
            <div key={key}>
              {keyed && <span className="json-key">"{key}"</span>}
              {keyed && ": "}
              <JsonNode value={v} depth={depth + 1} />
            </div>
          ))}
          {entries.length > shown.length && (
            <button type="button" className="link small" onClick={() => setAll(true)}>
              show all {entries.length.toLocaleString("en-US")} items
            </button>
          )}
        </div>
      )}
      {close}
    </span>
  );
}
