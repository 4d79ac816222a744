import type { ActivityEvent } from '@activityd/protocol';

/** The events an {@link ActivityHub} emits, each after the change is durable. */
export interface HubEventMap {
  /** A new activity, in-process or remote. */
  'activity.started': ActivityEvent;
  /** Progress, subtitle, title, context or lease changed. */
  'activity.updated': ActivityEvent;
  /** The activity reached a terminal state. */
  'activity.ended': ActivityEvent;
  /** Any of the above, in `seq` order. */
  event: ActivityEvent;
}
