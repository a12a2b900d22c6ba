import { formatNewTraces, LIVE_TABLE_INTERVAL_MS } from "../lib/live";
import { useFollowing } from "../lib/useFollowing";
import "./live.css";

/** The traces table's Live switch: while on, the table refreshes every couple of seconds. */
export function LiveToggle({ on, onChange }: { on: boolean; onChange: (on: boolean) => void }) {
  const [shown, setShown] = useFollowing(on);
  return (
    <label
      className={`live-toggle${shown ? " on" : ""}`}
      title={`Refresh the table every ${LIVE_TABLE_INTERVAL_MS / 1000} seconds`}
    >
      <input
        type="checkbox"
        role="switch"
        checked={shown}
        onChange={(e) => {
          setShown(e.target.checked);
          onChange(e.target.checked);
        }}
      />
      <span className="live-dot" aria-hidden="true" />
      Live
    </label>
  );
}

/**
 * "3 new traces", announced politely; clicking it marks them seen and goes to the top. The
 * region is there (empty) as long as Live is on, so that screen readers announce its changes.
 */
export function NewTracesNotice({ count, onShow }: { count: number; onShow: () => void }) {
  return (
    <div className="new-traces" aria-live="polite" data-testid="new-traces">
      {count > 0 && (
        <button type="button" className="new-traces-button" onClick={onShow}>
          {formatNewTraces(count)}
        </button>
      )}
    </div>
  );
}
