import { COLUMNS, type ColumnId } from "../lib/columns";

export function ColumnPicker({
  shown,
  onChange,
}: {
  shown: readonly ColumnId[];
  onChange: (columns: ColumnId[]) => void;
}) {
  const toggle = (id: ColumnId) => {
    const next = shown.includes(id) ? shown.filter((c) => c !== id) : [...shown, id];
    // Keep the table's column order whatever the click order.
    onChange(COLUMNS.map((c) => c.id).filter((c) => next.includes(c)));
  };
  return (
    <details className="dropdown">
      <summary>Columns</summary>
      <div className="dropdown-menu">
        {COLUMNS.map((c) => (
          <label key={c.id}>
            <input type="checkbox" checked={shown.includes(c.id)} onChange={() => toggle(c.id)} />
            {c.label}
          </label>
        ))}
      </div>
    </details>
  );
}
