import { lazy, Suspense } from "react";

// The renderer, sanitizer and highlighter load with the first chat shown, not with the app.
const MarkdownBody = lazy(() => import("./MarkdownBody"));

/** Message text rendered as markdown; the plain text shows until the renderer has loaded. */
export function Markdown({ text }: { text: string }) {
  return (
    <Suspense fallback={<div className="message-text">{text}</div>}>
      <MarkdownBody text={text} />
    </Suspense>
  );
}
