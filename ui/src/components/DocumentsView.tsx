import type { RetrievedDocument } from "../lib/documents";
import { JsonView } from "./JsonView";

export function DocumentsView({ documents }: { documents: RetrievedDocument[] }) {
  if (documents.length === 0) return <p className="muted">No documents retrieved.</p>;
  return (
    <div className="documents" data-testid="documents-view">
      {documents.map((doc, i) => {
        const uri = doc.metadata.doc_uri;
        return (
          <div key={i} className="document">
            <div className="document-head">
              <span className="badge">#{i + 1}</span>
              {typeof uri === "string" && <span className="mono">{uri}</span>}
              {doc.id && <span className="muted mono">id {doc.id}</span>}
            </div>
            <div className="document-text">{doc.pageContent}</div>
            {Object.keys(doc.metadata).length > 0 && (
              <details>
                <summary>metadata</summary>
                <JsonView value={doc.metadata} />
              </details>
            )}
          </div>
        );
      })}
    </div>
  );
}
