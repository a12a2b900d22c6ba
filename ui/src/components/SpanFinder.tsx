import { useState } from "react";

interface Props {
  query: string;
  onQuery: (query: string) => void;
  matches: readonly string[];
  selectedId: string | null;
  onSelect: (spanId: string) => void;
}

/** Find spans by name: Enter selects the next match, Shift+Enter the previous one. */
export function SpanFinder({ query, onQuery, matches, selectedId, onSelect }: Props) {
  const [text, setText] = useState(query);
  const current = selectedId ? matches.indexOf(selectedId) : -1;
  const step = (by: number) => {
    if (matches.length === 0) return;
    const next = current < 0 ? (by > 0 ? 0 : matches.length - 1) : current + by;
    onSelect(matches[(next + matches.length) % matches.length]!);
  };
  return (
    <div className="span-finder">
      <input
        aria-label="Find span"
        placeholder="Find span by name"
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          onQuery(e.target.value);
        }}
        onKeyDown={(e) => {
          if (e.key === "Enter") {
            e.preventDefault();
            step(e.shiftKey ? -1 : 1);
          }
        }}
      />
      {query.trim() && (
        <span className="muted" data-testid="find-count">
          {matches.length === 0
            ? "no match"
            : `${current >= 0 ? current + 1 : "–"} / ${matches.length.toLocaleString("en-US")}`}
        </span>
      )}
      <button
        type="button"
        className="secondary small"
        aria-label="Previous match"
        title="Previous match (Shift+Enter)"
        onClick={() => step(-1)}
      >
        <span aria-hidden="true">↑</span>
      </button>
      <button
        type="button"
        className="secondary small"
        aria-label="Next match"
        title="Next match (Enter)"
        onClick={() => step(1)}
      >
        <span aria-hidden="true">↓</span>
      </button>
    </div>
  );
}
