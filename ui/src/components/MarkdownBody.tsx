import { useMemo } from "react";
import { renderMarkdown } from "../lib/markdown";
import "./markdown.css";

/** Markdown as sanitized HTML (lib/markdown.ts); loaded lazily by Markdown.tsx. */
export default function MarkdownBody({ text }: { text: string }) {
  const html = useMemo(() => renderMarkdown(text), [text]);
  // Safe: renderMarkdown escapes raw HTML and DOMPurify sanitizes the result with an allowlist.
  return <div className="markdown" dangerouslySetInnerHTML={{ __html: html }} />;
}
