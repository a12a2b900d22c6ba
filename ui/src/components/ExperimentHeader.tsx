import { useQuery } from "@tanstack/react-query";
import { Link, NavLink } from "react-router-dom";
import { api } from "../api/client";
import { lossNotice } from "../lib/losses";
import { useTitle } from "../lib/useTitle";
import { AssessmentSummary } from "./AssessmentSummary";
import { ErrorBox } from "./ErrorBox";

/** The experiment's name, its feedback summary and its Traces / Spans / Sessions / Dashboard / Datasets / Evaluations tabs. */
export function ExperimentHeader({ experimentId }: { experimentId: string }) {
  const experiment = useQuery({
    queryKey: ["experiment", experimentId],
    queryFn: () => api.getExperiment(experimentId),
  });
  const losses = useQuery({
    queryKey: ["client-losses", experimentId],
    queryFn: () => api.getClientLosses(experimentId),
    refetchInterval: 60_000,
  });
  const notice = lossNotice(losses.data);
  useTitle(experiment.data?.name);
  return (
    <div className="experiment-header">
      <div className="breadcrumbs">
        <Link to="/experiments">Experiments</Link> /{" "}
        <span className="strong">{experiment.data?.name ?? experimentId}</span>
      </div>
      <ErrorBox error={experiment.error} />
      {notice && (
        <p className="loss-notice" role="status">
          {notice}. The clients count and warn about each loss: see docs/reliability.md.
        </p>
      )}
      <AssessmentSummary experimentId={experimentId} />
      <nav className="tabs">
        <NavLink to={`/experiments/${experimentId}/traces`}>Traces</NavLink>
        <NavLink to={`/experiments/${experimentId}/spans`}>Spans</NavLink>
        <NavLink to={`/experiments/${experimentId}/sessions`}>Sessions</NavLink>
        <NavLink to={`/experiments/${experimentId}/dashboard`}>Dashboard</NavLink>
        <NavLink to={`/experiments/${experimentId}/datasets`}>Datasets</NavLink>
        <NavLink to={`/experiments/${experimentId}/evaluations`}>Evaluations</NavLink>
      </nav>
    </div>
  );
}
