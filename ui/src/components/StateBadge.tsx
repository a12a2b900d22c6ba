const LABELS: Record<string, string> = { IN_PROGRESS: "In progress" };

export function StateBadge({ state }: { state: string }) {
  return <span className={`badge state-${state.toLowerCase()}`}>{LABELS[state] ?? state}</span>;
}
