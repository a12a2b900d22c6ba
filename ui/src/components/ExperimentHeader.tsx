import { useQuery } from "@tanstack/react-query";
import { Link, NavLink } from "react-router-dom";
import { api } from "../api/client";
import { useTitle } from "../lib/useTitle";
import { ErrorBox } from "./ErrorBox";

/** The experiment's name with its Traces / Sessions tabs. */
export function ExperimentHeader({ experimentId }: { experimentId: string }) {
  const experiment = useQuery({
    queryKey: ["experiment", experimentId],
    queryFn: () => api.getExperiment(experimentId),
  });
  useTitle(experiment.data?.name);
  return (
    <div className="experiment-header">
      <div className="breadcrumbs">
        <Link to="/experiments">Experiments</Link> /{" "}
        <span className="strong">{experiment.data?.name ?? experimentId}</span>
      </div>
      <ErrorBox error={experiment.error} />
      <nav className="tabs">
        <NavLink to={`/experiments/${experimentId}/traces`}>Traces</NavLink>
        <NavLink to={`/experiments/${experimentId}/sessions`}>Sessions</NavLink>
      </nav>
    </div>
  );
}
