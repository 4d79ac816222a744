/**
 * The activityd core: the activity hub, its rules, and the store port with an in-memory adapter.
 * No framework and no driver; the SQLite adapter is at `@activityd/core/sqlite`.
 * @example
 * import { ActivityHub, MemoryStore } from '@activityd/core';
 * const hub = new ActivityHub({ store: new MemoryStore() });
 * await hub.start();
 * const { ended } = await hub.run({ type: 'upload', title: 'photo.jpg' }, async (ctx) => { await ctx.progress(50); return { ok: true }; });
 */
export { ActivityHub, CancelledSignal, type RunHandle, type ListRequest, type CreateOptions } from './hub.js';
export type { HubEventMap } from './hub-events.js';
export type { RunContext } from './run-context.js';
export { resolveHubOptions, type HubOptions, type ResolvedHubOptions, type Logger } from './options.js';
export { systemClock, ManualClock, type Clock } from './clock.js';
export { SYSTEM, canSee, requireScope, type Principal, type Scope } from './access/rules.js';
export { AccessService, SCOPES, DEFAULT_SCOPES, type Credentials, type AccessOptions } from './access/access-service.js';
export type { AccessStore, UserRecord, GroupRecord, TokenRecord, KeyRecord, PresenceRecord } from './access/access-store.js';
export { MemoryAccessStore } from './access/memory-access-store.js';
export { ROOT_GROUP, groupsAtOrBelow } from './access/group-tree.js';
export { acSignature, deepSortKeys, type SignedHeaders, type SignedRequest } from './access/signature.js';
export { newToken, tokenHash } from './access/secrets.js';
export {
  applyCancel, applyEnd, applyPatch, checkProgress, newActivity, normaliseResult, toPublic,
  type StoredActivity, type ActivitySpec, type ActivityPatch, type ActivityEnd,
} from './activity.js';
export { MemoryStore, type MemoryStoreOptions } from './memory-store.js';
export { wireJson, rememberWireJson } from './wire-json.js';
export { statesOf, isStateFilter } from './state-filter.js';
export {
  matchesQuery, typeMatches, encodeCursor, decodeCursor, compareNewestFirst,
  type ActivityStore, type ActivityQuery, type ActivityPage, type ActivityWrite, type NodeLiveness,
} from './store.js';
export { StreamRegistry } from './stream/stream-registry.js';
export { Subscription } from './stream/subscription.js';
export { streamFilter, eventPasses, type StreamFilter, type StreamFilterInput } from './stream/stream-filter.js';
export { PendingQueue } from './stream/pending-queue.js';
export {
  DEFAULT_STREAM_LIMITS, type StreamItem, type ResetItem, type StreamSink, type StreamClose, type StreamLimits,
} from './stream/stream-types.js';
export { ChangeFeed, FEED_VIEWS, type FeedRead, type FeedView } from './feed/change-feed.js';
export { IndexBatcher, type IndexBatch, type IndexBatcherOptions } from './feed/index-batcher.js';
export { mergeIndexEntry, MAX_FEED_BATCH, type ChangeInput, type IndexInput } from './feed/feed-rules.js';
export { indexKey, publicChange, publicIndexEntry, type StoredChange, type StoredIndexEntry } from './feed/feed-types.js';
export { EventFanout } from './event-fanout.js';
