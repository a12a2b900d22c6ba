export function TagList({ tags }: { tags: Record<string, string> }) {
  const entries = Object.entries(tags);
  if (entries.length === 0) return null;
  return (
    <span className="tags">
      {entries.map(([k, v]) => (
        <span key={k} className="tag" title={`${k}=${v}`}>
          {k}
          {v ? `=${v}` : ""}
        </span>
      ))}
    </span>
  );
}
