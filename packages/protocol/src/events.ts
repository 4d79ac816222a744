import type { Activity } from './activity.js';

/** The event types about activities. */
export const ACTIVITY_EVENT_TYPES = ['activity.started', 'activity.updated', 'activity.ended'] as const;
/** An activity event type. */
export type ActivityEventType = (typeof ACTIVITY_EVENT_TYPES)[number];

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

/** Every event of the log. The change-feed events join this union later. */
export type HubEvent = ActivityEvent;
