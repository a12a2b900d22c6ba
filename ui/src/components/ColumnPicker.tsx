import { useEffect, useRef } from "react";
import type { Column, ColumnId } from "../lib/columns";

/** Which of the `available` columns the table shows; feedback columns in their own group. */
export function ColumnPicker({
  available,
  shown,
  onChange,
}: {
  available: readonly Column[];
  shown: readonly ColumnId[];
  onChange: (columns: ColumnId[]) => void;
}) {
  const toggle = (id: ColumnId) => {
    const next = shown.includes(id) ? shown.filter((c) => c !== id) : [...shown, id];
    // Keep the table's column order whatever the click order; keep choices of columns not on
    // offer now (a feedback name another experiment has).
    const offered = new Set(available.map((c) => c.id));
    onChange([
      ...available.map((c) => c.id).filter((c) => next.includes(c)),
      ...next.filter((c) => !offered.has(c)),
    ]);
  };
  const option = (c: Column) => (
    <label key={c.id}>
      <input type="checkbox" checked={shown.includes(c.id)} onChange={() => toggle(c.id)} />
      {c.label}
    </label>
  );
  const feedback = available.filter((c) => c.feedback != null);
  const menu = useRef<HTMLDetailsElement>(null);
  // A <details> menu closes on its summary only; Escape and a click elsewhere close it too.
  useEffect(() => {
    const close = (returnFocus: boolean) => {
      const details = menu.current;
      if (!details?.open) return;
      details.open = false;
      if (returnFocus) details.querySelector("summary")?.focus();
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape" && menu.current?.open) {
        e.preventDefault();
        close(menu.current.contains(document.activeElement));
      }
    };
    const onPointer = (e: PointerEvent) => {
      if (!menu.current?.contains(e.target as Node)) close(false);
    };
    document.addEventListener("keydown", onKey);
    document.addEventListener("pointerdown", onPointer);
    return () => {
      document.removeEventListener("keydown", onKey);
      document.removeEventListener("pointerdown", onPointer);
    };
  }, []);
  return (
    <details className="dropdown" ref={menu}>
      <summary>Columns</summary>
      <div className="dropdown-menu">
        {available.filter((c) => c.feedback == null).map(option)}
        {feedback.length > 0 && <div className="dropdown-group">Feedback</div>}
        {feedback.map(option)}
      </div>
    </details>
  );
}
