import { useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { ApiError, setToken } from "../api/client";

/** An error from a query or mutation, as text; a 401 asks for the server's token. */
export function ErrorBox({ error }: { error: unknown }) {
  if (error == null) return null;
  if (error instanceof ApiError && error.status === 401) return <TokenForm />;
  const message =
    error instanceof ApiError
      ? `${error.status} ${error.code}: ${error.message}`
      : error instanceof Error
        ? error.message
        : String(error);
  return (
    <div className="error-box" role="alert">
      {message}
    </div>
  );
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
