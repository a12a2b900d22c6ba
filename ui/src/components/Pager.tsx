import { useState } from "react";

/** Keyset paging: the tokens of the pages up to this one, so Previous can step back. */
export function usePageTokens() {
  const [tokens, setTokens] = useState<(string | null)[]>([null]);
  return {
    token: tokens[tokens.length - 1] ?? null,
    page: tokens.length,
    next: (token: string) => setTokens([...tokens, token]),
    previous: () => setTokens(tokens.slice(0, -1)),
    reset: () => setTokens([null]),
  };
}

export function Pager({
  pages,
  nextToken,
}: {
  pages: ReturnType<typeof usePageTokens>;
  nextToken: string | null | undefined;
}) {
  if (pages.page <= 1 && !nextToken) return null;
  return (
    <div className="pager">
      <button
        type="button"
        className="secondary"
        disabled={pages.page <= 1}
        onClick={pages.previous}
      >
        ← Previous
      </button>
      <span className="muted">Page {pages.page}</span>
      <button
        type="button"
        className="secondary"
        disabled={!nextToken}
        onClick={() => nextToken && pages.next(nextToken)}
      >
        Next →
      </button>
    </div>
  );
}
