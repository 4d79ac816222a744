import type { Activity, HubEvent } from '@activityd/protocol/types';
import type { Subscription } from './subscription.js';

/** Sent instead of a replay when a cursor is older than the log: the visible activities now. */
export interface ResetItem {
  type: 'reset';
  /** Resume from here: events after it follow. */
  seq: number;
  /** Running activities and ended ones still retained, that the subscriber may see and asked for. */
  activities: Activity[];
}

/** What a stream sends: events, and at most one reset at the start. */
export type StreamItem = HubEvent | ResetItem;

/** Why the server closes a stream; the subscriber resumes by cursor. */
export interface StreamClose {
  /** `too_slow`: fell behind past the hard limit; `draining`: the server is stopping. */
  code: 'too_slow' | 'draining';
  reason: string;
  /** The `seq` of the last event sent: resume after it. */
  seq: number;
}

/** A transport's side of a subscription (an SSE response, a WebSocket). */
export interface StreamSink {
  /**
   * Called once, before anything is sent, with the `seq` the stream starts after and the
   * subscription: a replay may fill the transport before `subscribe` resolves, and its drain must
   * reach `subscription.drained()` (or stop it, if the connection closes) meanwhile.
   */
  opened?(seq: number, subscription: Subscription): void;
  /** Writes one item; returns `false` when the transport is full: then call `drained()` once it empties. */
  send(item: StreamItem): boolean;
  /** Ends the stream, telling the subscriber why. */
  close(close: StreamClose): void;
}

/** Bounds of one subscription. */
export interface StreamLimits {
  /** Past this many events waiting (after conflation), the subscriber is closed as too slow (default 10,000). */
  maxPending: number;
  /** At most this many activities in a reset snapshot (default 10,000). */
  maxSnapshot: number;
}

export const DEFAULT_STREAM_LIMITS: StreamLimits = { maxPending: 10_000, maxSnapshot: 10_000 };
