// One glyph and colour per span type of DESIGN §1; other types get a neutral dot.
const ICONS: Record<string, [string, string]> = {
  LLM: ["✦", "#7c3aed"],
  CHAT_MODEL: ["✦", "#7c3aed"],
  CHAIN: ["⊶", "#2563eb"],
  AGENT: ["◎", "#db2777"],
  TOOL: ["⚒", "#d97706"],
  RETRIEVER: ["⌕", "#059669"],
  EMBEDDING: ["⋮", "#0891b2"],
  RERANKER: ["⇅", "#0d9488"],
  PARSER: ["{}", "#4b5563"],
  MEMORY: ["▣", "#9333ea"],
  WORKFLOW: ["⇶", "#1d4ed8"],
  TASK: ["☐", "#475569"],
  GUARDRAIL: ["◈", "#b91c1c"],
  EVALUATOR: ["✓", "#15803d"],
};

export function spanTypeColor(type: string): string {
  return ICONS[type]?.[1] ?? "#6b7280";
}

export function SpanTypeIcon({ type }: { type: string }) {
  const [glyph, color] = ICONS[type] ?? ["•", "#6b7280"];
  return (
    <span
      className="type-icon"
      style={{ color, borderColor: color }}
      title={type}
      aria-label={type}
    >
      {glyph}
    </span>
  );
}
