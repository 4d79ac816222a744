/** The terminal states: once in one, an activity never changes again. */
export const END_STATES = ['completed', 'failed', 'cancelled', 'expired'] as const;
/** Every state an activity can be in. */
export const STATES = ['running', ...END_STATES] as const;

/** `running`, or one of the terminal {@link END_STATES}. */
export type ActivityState = (typeof STATES)[number];
/** A terminal state. */
export type EndState = (typeof END_STATES)[number];
/** The list filter's state selector: a state, or a group of states. */
export type StateFilter = ActivityState | 'active' | 'ended' | 'all';

/** Flat map linking an activity to entities (`librarySectionID`, `mediaContainerId`). */
export type ActivityContext = Record<string, string | number | boolean | null>;

/** Why an activity failed, was cancelled or expired. */
export interface ActivityError {
  code: string;
  message: string;
}

/** An activity as every surface of the native API shows it. */
export interface Activity {
  /** UUID assigned by the hub. */
  id: string;
  /** Dotted name clients switch on, e.g. `media.transcode`. */
  type: string;
  title: string;
  subtitle: string | null;
  state: ActivityState;
  /** 0..100, or `null` while indeterminate. */
  progress: number | null;
  cancellable: boolean;
  /** The user who started it (an integer id), or `null` for work with no user. */
  owner: number | null;
  /** Security groups that may see it. */
  groups: string[];
  context: ActivityContext;
  /** Set on completion; always an object. */
  result: Record<string, unknown> | null;
  error: ActivityError | null;
  parentId: string | null;
  createdAt: number;
  updatedAt: number;
  endedAt: number | null;
  /** When a remote activity's lease lapses; `null` for in-process work and ended activities. */
  leaseExpiresAt: number | null;
  /** The lease of a remote activity; `null` for in-process work. */
  leaseMs: number | null;
  /** How often a remote reporter should update; `null` for in-process work. */
  heartbeatMs: number | null;
  /** The event sequence number of its latest change. */
  seq: number;
}

/** Is `state` terminal? */
export function isEndState(state: ActivityState): state is EndState {
  return state !== 'running';
}
