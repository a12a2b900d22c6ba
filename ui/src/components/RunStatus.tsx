import type { EvaluationRunStatus } from "../api/types";

export function RunStatus({ status }: { status: EvaluationRunStatus }) {
  return <span className={`badge run-${status.toLowerCase()}`}>{status}</span>;
}
