import { useQuery } from "@tanstack/react-query";
import { ApiError, api } from "../api/client";
import type { AssessmentSummary as Summary } from "../api/types";
import { summaryHeadline } from "../lib/assessments";
import { formatCount } from "../lib/format";

/** The experiment's assessment summary; null from a server that has none (an older one). */
export function useAssessmentSummary(experimentId: string) {
  return useQuery({
    queryKey: ["assessment-summary", experimentId],
    queryFn: async (): Promise<Summary | null> => {
      try {
        return await api.getAssessmentSummary(experimentId);
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) return null;
        throw error;
      }
    },
    retry: false,
  });
}

/** Per feedback name of the experiment: how many, and the pass rate, mean or top values. */
export function AssessmentSummary({ experimentId }: { experimentId: string }) {
  const summary = useAssessmentSummary(experimentId);
  const feedback = (summary.data?.assessments ?? []).filter((e) => e.kind === "feedback");
  if (feedback.length === 0) return null;
  return (
    <div className="assessment-summary" data-testid="assessment-summary">
      <span className="fact-label">Feedback</span>
      {feedback.map((e) => (
        <span key={e.name} className="summary-chip" data-name={e.name}>
          <span className="strong">{e.name}</span> {summaryHeadline(e)}{" "}
          <span className="muted">({formatCount(e.count)})</span>
        </span>
      ))}
    </div>
  );
}
