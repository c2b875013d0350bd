import { useConnectionState } from "../lib/services";

const labels = { connected: "Live", reconnecting: "Reconnecting…", disconnected: "Offline" };

/** The hub connection's state, announced politely when it changes. */
export function ConnectionStatus() {
  const state = useConnectionState();
  return (
    <span className={`connection connection-${state}`} data-testid="connection-status" data-state={state} role="status" aria-live="polite">
      <span className="dot" aria-hidden="true" />
      {labels[state]}
    </span>
  );
}
