import type { Activity } from './activity.js';

/** The event types about activities. */
export const ACTIVITY_EVENT_TYPES = ['activity.started', 'activity.updated', 'activity.ended'] as const;
/** An activity event type. */
export type ActivityEventType = (typeof ACTIVITY_EVENT_TYPES)[number];
/** The change-feed event types. */
export const CHANGE_EVENT_TYPES = ['change.model', 'change.index'] as const;

/**
 * One change to an activity, as the event log keeps it and the streams send it.
 * `seq` is monotonic across the whole log; `at` is the server's write time (epoch ms).
 */
export interface ActivityEvent {
  seq: number;
  type: ActivityEventType;
  at: number;
  activity: Activity;
}

/** Who may see a change-feed entry: the same rule as for activities. */
export interface FeedAccess {
  owner: number | null;
  groups: string[];
}

/** A `modelChanges` entry: one recorded change of one document. */
export interface ModelChange extends FeedAccess {
  model: string;
  /** Keeps its JSON type: string or integer. */
  id: string | number;
  action: string;
  /** When the change happened, as the recorder said (epoch ms). */
  at: number;
}

/** The first and last change folded into an index batch, and when it was indexed. */
export interface AffectedModel {
  timeRange: [number, number];
  updated: number;
}

/** A `modelChangesES` entry: one document as the search index last saw it. */
export interface IndexEntry extends FeedAccess {
  /** The index document's model, e.g. `es:mediacontainer`. */
  model: string;
  id: string | number;
  affectedModels: Record<string, AffectedModel>;
  /** The latest `updated` over all affected models. */
  updated: number;
}

/** A change was recorded. */
export interface ChangeModelEvent {
  seq: number;
  type: 'change.model';
  at: number;
  change: ModelChange;
}

/** A document was (re)indexed; `change` is the merged entry. */
export interface ChangeIndexEvent {
  seq: number;
  type: 'change.index';
  at: number;
  change: IndexEntry;
}

/** A change-feed event. */
export type ChangeEvent = ChangeModelEvent | ChangeIndexEvent;

/** Every event of the log. */
export type HubEvent = ActivityEvent | ChangeEvent;

/** Is this event about an activity (rather than the change feed)? */
export function isActivityEvent(event: HubEvent): event is ActivityEvent {
  return event.type.startsWith('activity.');
}
