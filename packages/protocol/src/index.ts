/**
 * Wire contracts shared by the activityd server and its clients: the activity model, events,
 * error codes and the TypeBox schemas of the native API.
 * @example
 * import { type Activity, isEndState } from '@activityd/protocol';
 */
export {
  END_STATES, STATES, isEndState,
  type Activity, type ActivityState, type EndState, type StateFilter, type ActivityContext, type ActivityError,
} from './activity.js';
export {
  ACTIVITY_EVENT_TYPES, CHANGE_EVENT_TYPES, isActivityEvent,
  type ActivityEvent, type ActivityEventType, type HubEvent, type ChangeEvent, type ChangeModelEvent, type ChangeIndexEvent,
  type ModelChange, type IndexEntry, type AffectedModel, type FeedAccess,
} from './events.js';
export {
  ERROR_STATUS, ERROR_DESCRIPTIONS, ActivitydError, ValidationError, UnauthenticatedError, ForbiddenError,
  NotFoundError, EndedError, NotCancellableError, NotCompletedError, BodyTooLargeError, RateLimitedError,
  UnavailableError, errorFromBody, isErrorCode, type ErrorCode, type ErrorBody,
} from './errors.js';
export {
  StreamQuery, StreamFilters, WsClientMessage, RecordChangesBody, IndexEntriesBody, FeedQuery, FeedReply, FeedAccepted,
  CreateGroupBody, GroupSchema, CreateUserBody, UserSchema, CreateTokenBody, CreatedToken, TokenSchema, CreateKeyBody, CreatedKey, KeySchema, PresenceReply, MeReply,
  ActivitySchema, CreateActivityBody, CreateHeaders, PatchActivityBody, ListQuery, ListReply, GetQuery, IdParams, ErrorReply,
} from './schemas.js';
