/**
 * `@activityd/client`: follow, cancel and script activityd activities from browsers and Node.
 * @example
 * import { ActivitydClient } from '@activityd/client';
 * const client = new ActivitydClient({ baseUrl: 'http://127.0.0.1:4600', token });
 * for await (const a of client.follow(id)) console.log(a.progress);
 */
export { ActivitydClient, type ClientOptions, type ListOptions, type CreateSpec, type UpdateSpec } from './client.js';
export { activityIdOf, type FollowHandle } from './follow.js';
export type { Reporter, ReportSpec } from './report.js';
export type { WatchFilters, WatchItem, WatchOptions, ResetSnapshot } from './watch.js';
export { ProgressEstimator, type Estimate } from './estimator.js';
export { readSse, type SseMessage } from './sse-reader.js';
export type { CallOptions } from './http.js';
export { ActivityEndedError, ActivityFailedError, ActivityCancelledError, ActivityExpiredError } from './outcome-errors.js';
export {
  ActivitydError, ValidationError, UnauthenticatedError, ForbiddenError, NotFoundError, EndedError, NotCancellableError,
  NotCompletedError, BodyTooLargeError, RateLimitedError, UnavailableError, type ErrorCode,
} from '@activityd/protocol/errors';
export { isActivityEvent, type Activity, type ActivityState, type HubEvent, type ActivityEvent, type ChangeEvent, type ModelChange, type IndexEntry } from '@activityd/protocol/types';
