import type { ConnectionState } from '../connection.js';

const LABELS: Record<ConnectionState, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  offline: 'Offline',
};

/** Live / reconnecting / offline, in words and colour, announced politely when it changes. */
export function ConnectionBadge({ state }: { state: ConnectionState }) {
  return (
    <span class={`connection connection-${state}`} role="status" aria-live="polite" data-connection={state}>
      <span class="connection-dot" aria-hidden="true" />
      {LABELS[state]}
    </span>
  );
}
