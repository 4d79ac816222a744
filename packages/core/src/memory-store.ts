import type { ActivityEvent, ActivityState, ChangeIndexEvent, ChangeModelEvent, HubEvent } from '@activityd/protocol/types';
import { indexKey, publicChange, publicIndexEntry, type StoredChange, type StoredIndexEntry } from './feed/feed-types.js';
import { toPublic, type StoredActivity } from './activity.js';
import { EventFanout } from './event-fanout.js';
import { MemoryAccessStore } from './access/memory-access-store.js';
import {
  compareNewestFirst, decodeCursor, encodeCursor, isAfterCursor, matchesQuery,
  type ActivityPage, type ActivityQuery, type ActivityStore, type ActivityWrite,
} from './store.js';
import { ValidationError } from '@activityd/protocol/errors';

/** Options of {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /** How many events the log keeps (default 10,000). */
  eventLogSize?: number;
}

/**
 * Everything in process memory: for tests and ephemeral use. Nothing survives the process.
 * @example
 * const hub = new ActivityHub({ store: new MemoryStore() });
 */
export class MemoryStore implements ActivityStore {
  readonly access = new MemoryAccessStore();
  private readonly activities = new Map<string, StoredActivity>();
  private readonly log: HubEvent[] = [];
  private changes: StoredChange[] = [];
  private readonly index = new Map<string, StoredIndexEntry>();
  private readonly meta = new Map<string, string>();
  private readonly claims = new Map<string, { value: string; expiresAt: number }>();
  private readonly fanout = new EventFanout();
  private readonly eventLogSize: number;
  private seq = 0;

  constructor(options: MemoryStoreOptions = {}) {
    this.eventLogSize = options.eventLogSize ?? 10_000;
  }

  async open(): Promise<void> {}
  async close(): Promise<void> {}

  async write(change: ActivityWrite): Promise<ActivityEvent | null> {
    const current = this.activities.get(change.activity.id);
    const ok = change.expectSeq === null ? !current : current?.seq === change.expectSeq;
    if (!ok) return null;
    const stored = { ...change.activity, seq: ++this.seq };
    this.activities.set(stored.id, stored);
    return this.append({ seq: stored.seq, type: change.type, at: stored.updatedAt, activity: toPublic(stored) });
  }

  async appendChanges(changes: StoredChange[]): Promise<ChangeModelEvent[]> {
    this.changes.push(...changes);
    return changes.map((c) => this.append({ seq: ++this.seq, type: 'change.model', at: c.writtenAt, change: publicChange(c) }));
  }

  async getIndexEntry(model: string, id: string | number): Promise<StoredIndexEntry | undefined> {
    return this.index.get(indexKey(model, id));
  }

  async writeIndexEntry(entry: Omit<StoredIndexEntry, 'seq'>, expectSeq: number | null): Promise<ChangeIndexEvent | null> {
    const key = indexKey(entry.model, entry.id);
    if ((this.index.get(key)?.seq ?? null) !== expectSeq) return null;
    const stored = { ...entry, seq: ++this.seq };
    this.index.delete(key);
    this.index.set(key, stored);
    return this.append({ seq: stored.seq, type: 'change.index', at: stored.writtenAt, change: publicIndexEntry(stored) });
  }

  async readChanges(writtenAfter: number, limit: number): Promise<StoredChange[]> {
    return this.changes.filter((c) => c.writtenAt > writtenAfter).slice(0, limit);
  }

  async readIndexEntries(writtenAfter: number, limit: number): Promise<StoredIndexEntry[]> {
    return [...this.index.values()].filter((e) => e.writtenAt > writtenAfter).slice(0, limit);
  }

  async purgeFeed(writtenBefore: number, limit: number): Promise<number> {
    const keep = this.changes.filter((c, i) => c.writtenAt >= writtenBefore || i >= limit);
    let purged = this.changes.length - keep.length;
    this.changes = keep;
    for (const [key, e] of this.index) {
      if (e.writtenAt >= writtenBefore || purged >= 2 * limit) continue;
      this.index.delete(key);
      purged++;
    }
    return purged;
  }

  private append<E extends HubEvent>(event: E): E {
    this.log.push(event);
    // Trimmed in chunks, so appending stays O(1) amortised once the log is full.
    if (this.log.length >= this.eventLogSize + Math.max(1, this.eventLogSize >> 3)) this.log.splice(0, this.log.length - this.eventLogSize);
    this.fanout.emit(event);
    return event;
  }

  async get(id: string): Promise<StoredActivity | undefined> {
    return this.activities.get(id);
  }

  async list(query: ActivityQuery): Promise<ActivityPage> {
    const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    if (query.cursor !== undefined && !cursor) throw new ValidationError('malformed cursor');
    const matching = [...this.activities.values()]
      .filter((a) => matchesQuery(a, query) && (!cursor || isAfterCursor(a, cursor)))
      .sort(compareNewestFirst);
    const activities = matching.slice(0, query.limit);
    const last = activities.at(-1);
    return { activities, nextCursor: matching.length > query.limit && last ? encodeCursor(last) : null };
  }

  async lapsed(now: number, limit: number): Promise<StoredActivity[]> {
    return this.select((a) => a.state === 'running' && a.runner === null && a.leaseExpiresAt !== null && a.leaseExpiresAt <= now, limit);
  }

  async runningInProcess(limit: number): Promise<StoredActivity[]> {
    return this.select((a) => a.state === 'running' && a.runner !== null, limit);
  }

  async runningRemote(limit: number, afterId?: string): Promise<StoredActivity[]> {
    // Sort before taking `limit`: paging by `afterId` must see the lowest ids first.
    return this.select((a) => a.state === 'running' && a.runner === null && (afterId === undefined || a.id > afterId), Infinity)
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .slice(0, limit);
  }

  async purgeEnded(endedBefore: number, limit: number): Promise<number> {
    const doomed = this.select((a) => a.endedAt !== null && a.endedAt < endedBefore, limit);
    for (const a of doomed) this.activities.delete(a.id);
    return doomed.length;
  }

  async eventsAfter(after: number, limit: number): Promise<HubEvent[]> {
    // The log is in seq order: binary-search the first event after `after` among those kept.
    let lo = Math.max(0, this.log.length - this.eventLogSize);
    let hi = this.log.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.log[mid]!.seq > after) hi = mid;
      else lo = mid + 1;
    }
    return this.log.slice(lo, lo + limit);
  }

  async logBounds(): Promise<{ first: number; last: number }> {
    const first = this.log[Math.max(0, this.log.length - this.eventLogSize)];
    return { first: first?.seq ?? 0, last: this.seq };
  }

  subscribe(listener: (event: HubEvent) => void): () => void {
    return this.fanout.add(listener);
  }

  async getMeta(key: string): Promise<string | undefined> {
    return this.meta.get(key);
  }

  async setMeta(key: string, value: string): Promise<void> {
    this.meta.set(key, value);
  }

  async countByState(): Promise<Partial<Record<ActivityState, number>>> {
    const counts: Partial<Record<ActivityState, number>> = {};
    for (const a of this.activities.values()) counts[a.state] = (counts[a.state] ?? 0) + 1;
    return counts;
  }

  async setMetaOnce(key: string, value: string): Promise<string> {
    if (!this.meta.has(key)) this.meta.set(key, value);
    return this.meta.get(key)!;
  }

  async claimOnce(key: string, value: string, now: number, expiresAt: number): Promise<string> {
    // Claims are made with one lifetime, so the oldest expire first: drop from the front.
    for (const [k, claim] of this.claims) {
      if (claim.expiresAt > now) break;
      this.claims.delete(k);
    }
    const held = this.claims.get(key);
    if (held && held.expiresAt > now) return held.value;
    this.claims.delete(key); // re-inserted at the end, in order
    this.claims.set(key, { value, expiresAt });
    return value;
  }

  private select(predicate: (a: StoredActivity) => boolean, limit: number): StoredActivity[] {
    const out: StoredActivity[] = [];
    for (const a of this.activities.values()) {
      if (out.length >= limit) break;
      if (predicate(a)) out.push(a);
    }
    return out;
  }
}
