import type { IndexEntry, ModelChange } from '@activityd/protocol/types';
import { ForbiddenError, UnavailableError, ValidationError } from '@activityd/protocol/errors';
import { canSee, requireScope, SYSTEM, type Principal } from '../access/rules.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../options.js';
import type { ActivityStore } from '../store.js';
import { publicChange, publicIndexEntry } from './feed-types.js';
import { checkChanges, checkIndexEntries, mergeIndexEntry, type ChangeInput, type IndexInput } from './feed-rules.js';
import { IndexBatcher, type IndexBatcherOptions } from './index-batcher.js';

/** The two views of the feed. */
export const FEED_VIEWS = ['modelChanges', 'modelChangesES'] as const;
export type FeedView = (typeof FEED_VIEWS)[number];

/** A read of the feed: `now` for the next `since`, and the views asked for. */
export interface FeedRead {
  now: number;
  modelChanges?: ModelChange[];
  modelChangesES?: IndexEntry[];
}

const READ_LIMIT = 100_000;
const CAS_RETRIES = 20;

/**
 * The change feed: which documents changed in the last minute (`modelChanges`), and how the
 * search index saw them (`modelChangesES`). Every write is an event on the hub's log.
 * @example
 * await hub.changes.record({ model: 'mediaContainer', id: 123 });
 */
export class ChangeFeed {
  private readonly batchers = new Set<IndexBatcher>();

  constructor(private readonly deps: {
    store: ActivityStore;
    clock: Clock;
    logger: Logger;
    /** Subscribes to recorded changes (every node's, once durable). */
    onChange: (listener: (change: ModelChange) => void) => () => void;
  }) {}

  /** Records changes, all or none; each becomes a `modelChanges` entry and a `change.model` event. */
  async record(input: ChangeInput | ChangeInput[], who: Principal = SYSTEM): Promise<ModelChange[]> {
    requireScope(who, 'report');
    const changes = Array.isArray(input) ? input : [input];
    const now = this.deps.clock.now();
    checkChanges(changes, now);
    const stored = changes.map((c) => ({
      model: c.model, id: c.id, action: c.action ?? 'update', at: c.at ?? now,
      owner: who.userId, groups: groupsFor(c.groups, who), writtenAt: now,
    }));
    return (await this.deps.store.appendChanges(stored)).map((e) => e.change);
  }

  /** Records flushed index batches, all or none, each merged into its document's entry. */
  async indexed(input: IndexInput | IndexInput[], who: Principal = SYSTEM): Promise<IndexEntry[]> {
    requireScope(who, 'report');
    const entries = Array.isArray(input) ? input : [input];
    checkIndexEntries(entries, this.deps.clock.now());
    // Every entry's groups are checked before the first write: a refused entry rejects the whole batch.
    const groups = entries.map((e) => groupsFor(e.groups, who));
    const out: IndexEntry[] = [];
    for (const [i, e] of entries.entries()) {
      const affectedModels = Object.fromEntries(Object.entries(e.affectedModels).map(([m, a]) => [m, { timeRange: [a.timeRange[0], a.timeRange[1]] as [number, number], updated: a.updated }]));
      out.push(await this.merge({ model: e.model, id: e.id, affectedModels, updated: 0, owner: who.userId, groups: groups[i]! }));
    }
    return out;
  }

  /** The requested views, entries written after `since` (epoch ms) that `who` may see. */
  async read(options: { since?: number; include?: readonly string[] }, who: Principal): Promise<FeedRead> {
    requireScope(who, 'read');
    const include = options.include?.length ? options.include : FEED_VIEWS;
    const unknown = include.filter((v) => !(FEED_VIEWS as readonly string[]).includes(v));
    if (unknown.length) throw new ValidationError(`unknown feed view: ${unknown.join(', ')}`, { include: unknown });
    // Anything written at or after `now` + 1 is in the next read: `since` is exclusive.
    const now = this.deps.clock.now() - 1;
    const since = options.since ?? 0;
    const read: FeedRead = { now };
    if (include.includes('modelChanges')) {
      read.modelChanges = (await this.deps.store.readChanges(since, READ_LIMIT)).filter((c) => canSee(who, c)).map(publicChange);
    }
    if (include.includes('modelChangesES')) {
      read.modelChangesES = (await this.deps.store.readIndexEntries(since, READ_LIMIT)).filter((e) => canSee(who, e)).map(publicIndexEntry);
    }
    return read;
  }

  /**
   * Lets the hub batch changes for a search index: changes are grouped per document, handed to
   * `flush` after a quiet `debounceMs` (or once `maxAgeMs` old), and recorded as index entries
   * when `flush` succeeds; a failing flush is retried with backoff and loses nothing.
   */
  batchForIndex(options: IndexBatcherOptions): IndexBatcher {
    const batcher = new IndexBatcher(options, this.deps.clock, (entry) => this.merge(entry).then(() => undefined), this.deps.onChange, this.deps.logger);
    this.batchers.add(batcher);
    return batcher;
  }

  /** Flushes and closes every batcher (the hub stops). */
  async close(): Promise<void> {
    const batchers = [...this.batchers];
    this.batchers.clear();
    await Promise.all(batchers.map((b) => b.close()));
  }

  /** Drops entries last written before the retention window. */
  async purge(retentionMs: number): Promise<void> {
    const before = this.deps.clock.now() - retentionMs;
    while ((await this.deps.store.purgeFeed(before, 1_000)) >= 1_000) await new Promise<void>((r) => setImmediate(r));
  }

  /** Merges into the stored entry with compare-and-set, so concurrent batches never lose one another. */
  private async merge(entry: IndexEntry): Promise<IndexEntry> {
    for (let attempt = 0; attempt < CAS_RETRIES; attempt++) {
      const current = await this.deps.store.getIndexEntry(entry.model, entry.id);
      const merged = mergeIndexEntry(current, { ...entry, updated: Math.max(...Object.values(entry.affectedModels).map((a) => a.updated)) });
      const event = await this.deps.store.writeIndexEntry({ ...merged, writtenAt: this.deps.clock.now() }, current?.seq ?? null);
      if (event) return event.change;
    }
    throw new UnavailableError(`index entry ${entry.model}/${entry.id} is changing too fast; try again`);
  }
}

function groupsFor(groups: string[] | undefined, who: Principal): string[] {
  if (groups && !who.admin && groups.some((g) => !who.groups.includes(g))) throw new ForbiddenError('an entry may name only groups its recorder belongs to');
  return groups ?? [...who.groups];
}
