import { useState } from "react";
import { useLocation, useSearchParams } from "react-router-dom";
import { formatTotal } from "../lib/format";
import "../roundTwo.css";

/** What a pager drives: the page number, and steps forward (with the next page's token) and
 * back. */
export interface Pages {
  token: string | null;
  page: number;
  next: (token: string) => void;
  previous: () => void;
}

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

/** The URL parameters of a page past the first: its number and its keyset token. */
export const PAGE_PARAMS = ["page", "after"] as const;

interface PageState {
  /** The tokens of pages 1 .. page - 1 (null for page 1), for Previous. */
  pageTokens?: (string | null)[];
}

/**
 * Keyset paging kept in the URL (`?page=3&after=<token>`), so Back from a trace opened on page
 * 3 returns to page 3 and a reload stays there. Each step is a history entry; the tokens of
 * the earlier pages ride in the entry's state (a shared link has none: Previous then goes to
 * the first page).
 */
export function useUrlPages(): Pages {
  const [params, setParams] = useSearchParams();
  const location = useLocation();
  const after = params.get("after");
  const page = after ? Math.max(2, Number(params.get("page")) || 2) : 1;
  const stack = (location.state as PageState | null)?.pageTokens ?? [];
  const go = (nextPage: number, token: string | null, pageTokens: (string | null)[]) => {
    const next = new URLSearchParams(params);
    if (nextPage > 1 && token) {
      next.set("page", String(nextPage));
      next.set("after", token);
    } else {
      for (const key of PAGE_PARAMS) next.delete(key);
    }
    setParams(next, { state: { pageTokens } satisfies PageState });
  };
  return {
    token: page > 1 ? after : null,
    page,
    next: (token) => {
      // Unknown earlier tokens (a shared link) stay unknown: Previous goes to page 1.
      const known = stack.length === page - 1 ? [...stack, page > 1 ? after : null] : [];
      go(page + 1, token, known);
    },
    previous: () => {
      const earlier = stack.length === page - 1 ? (stack[page - 2] ?? null) : null;
      if (page <= 2 || !earlier) go(1, null, []);
      else go(page - 1, earlier, stack.slice(0, -1));
    },
  };
}

export function Pager({
  pages,
  nextToken,
  total,
  label,
  stale = false,
}: {
  pages: Pages;
  nextToken: string | null | undefined;
  /** The count of all matches, when known, and whether it was capped. */
  total?: { count: number; capped: boolean } | null;
  /** The pager's accessible name (a page may have two). */
  label?: string;
  /** The rows shown are the previous page's while this one loads: its token is not this
   * page's, so Next waits (a quick second click would skip a page). */
  stale?: boolean;
}) {
  const totalText = total ? formatTotal(total.count, total.capped) : null;
  if (pages.page <= 1 && !nextToken) {
    return totalText ? (
      <div className="pager" aria-label={label}>
        <span className="muted" data-testid="total-count">
          {totalText}
        </span>
      </div>
    ) : null;
  }
  return (
    <nav className="pager" aria-label={label}>
      {totalText && (
        <span className="muted" data-testid="total-count">
          {totalText}
        </span>
      )}
      <button
        type="button"
        className="secondary"
        disabled={pages.page <= 1 || stale}
        onClick={pages.previous}
      >
        ← Previous
      </button>
      <span className="muted" data-testid="page-number">
        Page {pages.page}
      </span>
      <button
        type="button"
        className="secondary"
        disabled={!nextToken || stale}
        onClick={() => nextToken && !stale && pages.next(nextToken)}
      >
        Next →
      </button>
    </nav>
  );
}
