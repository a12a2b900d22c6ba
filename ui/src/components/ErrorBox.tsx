import { useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { Link } from "react-router-dom";
import { ApiError, setToken } from "../api/client";
import { recentExperiment } from "../lib/recentExperiment";

/**
 * An error from a query or mutation, as text; a 401 asks for the server's token, a 404 says
 * what is missing and links back to the experiment last looked at and to all experiments.
 */
export function ErrorBox({ error }: { error: unknown }) {
  if (error == null) return null;
  if (error instanceof ApiError && error.status === 401) return <TokenForm />;
  if (error instanceof ApiError && error.status === 404)
    return <NotFound message={error.message} />;
  const message =
    error instanceof ApiError
      ? `${error.message} (${error.status} ${error.code})`
      : error instanceof Error
        ? error.message
        : String(error);
  return (
    <div className="error-box" role="alert">
      {message}
    </div>
  );
}

function NotFound({ message }: { message: string }) {
  const recent = recentExperiment();
  const traces = recent && `/experiments/${recent.id}/traces`;
  // No link back to the page that is itself missing (a deleted experiment).
  const linkBack = traces && !window.location.pathname.startsWith(`/experiments/${recent.id}/`);
  const what = /^no (\w+)/i.exec(message)?.[1] ?? "page";
  return (
    <section className="not-found" data-testid="not-found" aria-labelledby="not-found-title">
      <h2 id="not-found-title">This {what} was not found</h2>
      <p>
        {capitalized(message)}. It may have been deleted, or the link may be mistyped or cut short.
      </p>
      <p className="not-found-links">
        {linkBack && <Link to={traces}>Back to the traces of “{recent.name}”</Link>}
        <Link to="/experiments">All experiments</Link>
      </p>
    </section>
  );
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function TokenForm() {
  const client = useQueryClient();
  const [token, setValue] = useState("");
  const save = (event: FormEvent) => {
    event.preventDefault();
    setToken(token.trim());
    void client.resetQueries();
  };
  return (
    <form className="error-box inline-form" role="alert" onSubmit={save}>
      This server needs a token.
      <input
        type="password"
        aria-label="Server token"
        placeholder="token"
        value={token}
        onChange={(e) => setValue(e.target.value)}
      />
      <button type="submit" disabled={!token.trim()}>
        Use token
      </button>
    </form>
  );
}
