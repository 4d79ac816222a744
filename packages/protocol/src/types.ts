/**
 * The wire types and the small runtime helpers that need no dependency: what browser code
 * (the SDK, the dashboard) imports. The TypeBox schemas are at the package's main entry.
 */
export { END_STATES, STATES, isEndState, type Activity, type ActivityState, type EndState, type StateFilter, type ActivityContext, type ActivityError } from './activity.js';
export {
  ACTIVITY_EVENT_TYPES, CHANGE_EVENT_TYPES, isActivityEvent,
  type ActivityEvent, type ActivityEventType, type HubEvent, type ChangeEvent, type ChangeModelEvent, type ChangeIndexEvent,
  type ModelChange, type IndexEntry, type AffectedModel, type FeedAccess,
} from './events.js';
