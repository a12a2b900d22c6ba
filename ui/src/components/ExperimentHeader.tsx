import { useQuery } from "@tanstack/react-query";
import { useEffect } from "react";
import { Link, NavLink } from "react-router-dom";
import { ApiError, api } from "../api/client";
import { lossNotice } from "../lib/losses";
import { forgetExperiment, rememberExperiment } from "../lib/recentExperiment";
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
  // A trace that is not found links back here (ErrorBox).
  const name = experiment.data?.name;
  const missing = experiment.error instanceof ApiError && experiment.error.status === 404;
  useEffect(() => {
    if (name !== undefined) rememberExperiment({ id: experimentId, name });
    else if (missing) forgetExperiment(experimentId);
  }, [experimentId, name, missing]);
  return (
    <div className="experiment-header">
      <nav className="breadcrumbs" aria-label="Breadcrumbs">
        <Link to="/experiments">Experiments</Link> /{" "}
        <span className="strong" aria-current="page">
          {experiment.data?.name ?? experimentId}
        </span>
      </nav>
      <ErrorBox error={experiment.error} />
      {notice && (
        <p className="loss-notice" role="status">
          {notice}. The clients count and warn about each loss: see docs/reliability.md.
        </p>
      )}
      <AssessmentSummary experimentId={experimentId} />
      <nav className="tabs" aria-label="Experiment views">
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
