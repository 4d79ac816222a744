import type { ActivityEvent, ChangeIndexEvent, ChangeModelEvent, HubEvent } from '@activityd/protocol/types';

/** The events an {@link ActivityHub} emits, each after the change is durable. */
export interface HubEventMap {
  /** A new activity, in-process or remote. */
  'activity.started': ActivityEvent;
  /** Progress, subtitle, title, context or lease changed. */
  'activity.updated': ActivityEvent;
  /** The activity reached a terminal state. */
  'activity.ended': ActivityEvent;
  /** A document change was recorded (`modelChanges`). */
  'change.model': ChangeModelEvent;
  /** A document was (re)indexed (`modelChangesES`); carries the merged entry. */
  'change.index': ChangeIndexEvent;
  /** Any of the above, in `seq` order. */
  event: HubEvent;
}
