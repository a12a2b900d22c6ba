import { useState } from "react";

export function CopyButton({ text }: { text: string }) {
  const [done, setDone] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setDone(true);
      setTimeout(() => setDone(false), 1200);
    } catch {
      // No clipboard (an insecure origin, or permission denied): nothing to do.
    }
  };
  return (
    <button type="button" className="secondary small" onClick={() => void copy()}>
      {done ? "Copied" : "Copy"}
    </button>
  );
}
