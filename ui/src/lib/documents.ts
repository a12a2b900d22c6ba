// RETRIEVER outputs as documents (DESIGN §1: page_content, metadata, id).
import type { Span } from "../api/types";
import { isObject, parseJson } from "./chat";

export interface RetrievedDocument {
  pageContent: string;
  metadata: Record<string, unknown>;
  id: string | null;
}

/** The documents of a RETRIEVER span's outputs, or null when they are not documents. */
export function documentsFromSpan(span: Span): RetrievedDocument[] | null {
  if (span.span_type !== "RETRIEVER") return null;
  let outputs = parseJson(span.outputs);
  if (isObject(outputs) && Array.isArray(outputs.documents)) outputs = outputs.documents;
  if (!Array.isArray(outputs)) return null;
  const docs: RetrievedDocument[] = [];
  for (const item of outputs) {
    if (!isObject(item) || !("page_content" in item)) return null;
    docs.push({
      pageContent:
        typeof item.page_content === "string"
          ? item.page_content
          : JSON.stringify(item.page_content),
      metadata: isObject(item.metadata) ? item.metadata : {},
      id: typeof item.id === "string" ? item.id : null,
    });
  }
  return docs;
}
