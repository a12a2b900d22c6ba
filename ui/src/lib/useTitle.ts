import { useEffect } from "react";

/** The browser tab's title: "<what> · spanscope". */
export function useTitle(what: string | null | undefined): void {
  useEffect(() => {
    document.title = what ? `${what} · spanscope` : "spanscope";
  }, [what]);
}
