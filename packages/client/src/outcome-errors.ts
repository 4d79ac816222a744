import type { Activity } from '@activityd/protocol/types';

/** An activity that was followed ended without a result; `activity` is how it ended. */
export class ActivityEndedError extends Error {
  constructor(readonly activity: Activity) {
    super(`activity ${activity.id} ${activity.state}${activity.error ? `: ${activity.error.message}` : ''}`);
    this.name = new.target.name;
  }
}
/** The followed activity failed; `activity.error` says why. */
export class ActivityFailedError extends ActivityEndedError {}
/** The followed activity was cancelled. */
export class ActivityCancelledError extends ActivityEndedError {}
/** The followed activity's lease lapsed: its reporter went away. */
export class ActivityExpiredError extends ActivityEndedError {}

/** The typed error for an activity that ended without completing. */
export function outcomeError(activity: Activity): ActivityEndedError {
  if (activity.state === 'cancelled') return new ActivityCancelledError(activity);
  if (activity.state === 'expired') return new ActivityExpiredError(activity);
  return new ActivityFailedError(activity);
}
