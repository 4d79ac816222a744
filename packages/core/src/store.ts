import type { ActivityEvent, ActivityEventType, ActivityState, ChangeIndexEvent, ChangeModelEvent, HubEvent } from '@activityd/protocol/types';
import type { StoredChange, StoredIndexEntry } from './feed/feed-types.js';
import type { StoredActivity } from './activity.js';
import { canSee } from './access/rules.js';
import type { AccessStore } from './access/access-store.js';

/** What a list asks for; every filter is optional, values within one filter are alternatives. */
export interface ActivityQuery {
  ids?: string[];
  states?: ActivityState[];
  /** Exact types; a type ending in `.*` matches as a prefix. */
  types?: string[];
  owners?: number[];
  parentId?: string;
  /** Only activities that ended at or after this time (epoch ms): no running ones. */
  endedSince?: number;
  /** Only what this user may see (see `canSee`); `undefined` for everything. */
  visibleTo?: { userId: number | null; visibleGroups: string[] };
  /** At most this many (1..1000). */
  limit: number;
  /** Opaque cursor from a previous page's `nextCursor`. */
  cursor?: string;
}

/** One page of a list, newest first. */
export interface ActivityPage {
  activities: StoredActivity[];
  nextCursor: string | null;
}

/** A conditional write: store `activity` if the stored copy still has `expectSeq`. */
export interface ActivityWrite {
  type: ActivityEventType;
  activity: StoredActivity;
  /** The `seq` the write was computed from; `null` for a new activity (no stored copy may exist). */
  expectSeq: number | null;
}

/**
 * The persistence port of the hub: activities and the event log, changed together atomically.
 *
 * Every change goes through {@link ActivityStore.write}, a compare-and-set on `seq` that also
 * assigns the next global `seq` and appends the event: one atomic step, so a Redis adapter can do
 * it in one Lua script. The hub computes the next state from a read; the store only guarantees
 * that nobody changed the activity in between. Rules (what may change, and how) live in core, never
 * here.
 *
 * Deliberately left out: access rules (the hub filters by principal), timers (the hub decides when
 * leases are checked and retention runs), and serialisation for the wire.
 */
export interface ActivityStore {
  /** Users, groups, tokens, keys and presence, kept beside the activities (usable once open). */
  readonly access: AccessStore;
  /**
   * Which nodes are alive, for a store several processes share (Redis); absent for a store one
   * process owns (memory, SQLite), where every in-process activity left running at start was this
   * process's own.
   */
  readonly nodes?: NodeLiveness;
  /** Opens the store: creates or migrates its schema. Called once by the hub's `start()`. */
  open(): Promise<void>;
  /** Flushes and closes. */
  close(): Promise<void>;
  /**
   * Atomically: if the stored activity's `seq` equals `expectSeq` (or, with `expectSeq: null`, no
   * activity has the id), assigns the next `seq`, stores the activity with it and appends the event.
   * Resolves once the change is durable, to the event — or to `null` when the condition failed.
   */
  write(change: ActivityWrite): Promise<ActivityEvent | null>;
  /** The latest stored copy, or `undefined`. */
  get(id: string): Promise<StoredActivity | undefined>;
  /**
   * Optional: a copy to compute an update from, which may be stale (a shared store's per-node copy
   * of what this node last wrote or read, so an update costs no read). The hub writes from it with
   * the usual CAS on `seq`; on any other outcome (conflict, not found, ended, forbidden, nothing to
   * do) it decides again from `get`. Absent: the hub always reads with `get`.
   */
  getForUpdate?(id: string): Promise<StoredActivity | undefined>;
  /**
   * Optional, with `getForUpdate`: the copy it would start from when the store holds one in memory,
   * at once (no promise); `undefined` when it holds none, and the hub then asks `getForUpdate`.
   * It may be the store's own record, which the store changes in place later: the hub reads it
   * before awaiting anything, never modifies it, and keeps or returns only copies of it.
   */
  heldForUpdate?(id: string): Readonly<StoredActivity> | undefined;
  /** Lists activities, newest first, paged by an opaque cursor. */
  list(query: ActivityQuery): Promise<ActivityPage>;
  /** Running remote activities whose lease lapsed at or before `now`. */
  lapsed(now: number, limit: number): Promise<StoredActivity[]>;
  /** Running in-process activities (whatever node ran them). */
  runningInProcess(limit: number): Promise<StoredActivity[]>;
  /** Running remote activities. */
  runningRemote(limit: number, afterId?: string): Promise<StoredActivity[]>;
  /** Deletes up to `limit` activities that ended before `endedBefore`; returns how many. */
  purgeEnded(endedBefore: number, limit: number): Promise<number>;
  /** How many activities are in each state (for metrics). */
  countByState(): Promise<Partial<Record<ActivityState, number>>>;
  /** Events with `seq > after`, oldest first, at most `limit`. */
  eventsAfter(after: number, limit: number): Promise<HubEvent[]>;
  /** The `seq` of the oldest kept event (0 when none) and of the latest one. */
  logBounds(): Promise<{ first: number; last: number }>;
  /**
   * Calls `listener` for every committed event, in `seq` order, whichever process wrote it.
   * The store is the truth; this is the wake-up call. Returns a function that stops it.
   * A shared store calls `onGap` when it may have missed events (its connection to the shared log
   * broke): live subscribers must then resume by cursor.
   */
  subscribe(listener: (event: HubEvent) => void, onGap?: () => void): () => void;
  /** Stores recorded changes and appends a `change.model` event for each, all or nothing. */
  appendChanges(changes: StoredChange[]): Promise<ChangeModelEvent[]>;
  /** The index entry of a document, or `undefined`. */
  getIndexEntry(model: string, id: string | number): Promise<StoredIndexEntry | undefined>;
  /**
   * Atomically: if the stored entry's `seq` equals `expectSeq` (`null`: no entry yet), stores
   * `entry` with the next `seq` and appends its `change.index` event; else resolves `null`.
   */
  writeIndexEntry(entry: Omit<StoredIndexEntry, 'seq'>, expectSeq: number | null): Promise<ChangeIndexEvent | null>;
  /** Changes written after `writtenAfter` (epoch ms), oldest first. */
  readChanges(writtenAfter: number, limit: number): Promise<StoredChange[]>;
  /** Index entries written after `writtenAfter`, oldest write first. */
  readIndexEntries(writtenAfter: number, limit: number): Promise<StoredIndexEntry[]>;
  /** Deletes up to `limit` feed entries (of each view) last written before `writtenBefore`. */
  purgeFeed(writtenBefore: number, limit: number): Promise<number>;
  /** Small named values the server keeps (the admin token's hash). */
  getMeta(key: string): Promise<string | undefined>;
  /** Sets a named value. */
  setMeta(key: string, value: string): Promise<void>;
  /** Sets a named value only if it has none yet; resolves to the value now stored. */
  setMetaOnce(key: string, value: string): Promise<string>;
  /**
   * Claims `key` for `value` until `expiresAt`, unless a claim that has not expired at `now` holds
   * it; resolves to the value holding it afterwards (`value` when this call won). Atomic: of callers
   * racing on one key, on any node, exactly one wins. Expired claims are dropped by the store.
   */
  claimOnce(key: string, value: string, now: number, expiresAt: number): Promise<string>;
}

/**
 * Node liveness of a shared store: each node renews its own mark, and any node can tell which
 * runners of in-process work are no longer alive. What to do about them (end their work as
 * `interrupted`, exactly once through the CAS write) is the hub's rule, not the store's.
 */
export interface NodeLiveness {
  /** Marks `nodeId` alive for `ttlMs` from now, on the shared store's clock. */
  beat(nodeId: string, ttlMs: number): Promise<void>;
  /** Removes the mark of a node that stops cleanly. */
  leave(nodeId: string): Promise<void>;
  /** Ids of nodes that have running in-process activities but no live mark. */
  deadRunners(): Promise<string[]>;
  /** Running in-process activities of one node, at most `limit`. */
  runningOn(nodeId: string, limit: number): Promise<StoredActivity[]>;
}

/** Matches an activity against a query's filters (not its paging). Shared by adapters that filter in memory. */
export function matchesQuery(a: StoredActivity, q: Omit<ActivityQuery, 'limit' | 'cursor'>): boolean {
  if (q.ids && !q.ids.includes(a.id)) return false;
  if (q.states && !q.states.includes(a.state)) return false;
  if (q.owners && (a.owner === null || !q.owners.includes(a.owner))) return false;
  if (q.parentId !== undefined && a.parentId !== q.parentId) return false;
  if (q.endedSince !== undefined && (a.endedAt === null || a.endedAt < q.endedSince)) return false;
  if (q.types && !q.types.some((t) => typeMatches(t, a.type))) return false;
  if (q.visibleTo && !canSee({ ...q.visibleTo, admin: false }, a)) return false;
  return true;
}

/** `media.*` matches `media.transcode`; anything else matches exactly. */
export function typeMatches(pattern: string, type: string): boolean {
  return pattern.endsWith('.*') ? type.startsWith(pattern.slice(0, -1)) : pattern === type;
}

/** Cursor of the list order (newest first): the last item's `createdAt` and `id`. */
export function encodeCursor(a: Pick<StoredActivity, 'createdAt' | 'id'>): string {
  return Buffer.from(`${a.createdAt}:${a.id}`).toString('base64url');
}

/** Reads a cursor; `undefined` for a malformed one, which callers report as bad input. */
export function decodeCursor(cursor: string): { createdAt: number; id: string } | undefined {
  const text = Buffer.from(cursor, 'base64url').toString();
  const match = /^(\d{1,16}):([\w-]{1,64})$/.exec(text);
  return match ? { createdAt: Number(match[1]), id: match[2]! } : undefined;
}

/** Newest first: by `createdAt` descending, then `id` descending. */
export function compareNewestFirst(a: Pick<StoredActivity, 'createdAt' | 'id'>, b: Pick<StoredActivity, 'createdAt' | 'id'>): number {
  return b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

/** Is `a` after the cursor position in newest-first order? */
export function isAfterCursor(a: StoredActivity, c: { createdAt: number; id: string }): boolean {
  return a.createdAt < c.createdAt || (a.createdAt === c.createdAt && a.id < c.id);
}
