import type { Redis } from 'ioredis';
import type { ActivityEvent, ActivityState, ChangeIndexEvent, ChangeModelEvent, HubEvent } from '@activityd/protocol/types';
import { ValidationError } from '@activityd/protocol/errors';
import {
  compareNewestFirst, decodeCursor, encodeCursor, indexKey, matchesQuery, publicChange, publicIndexEntry, toPublic,
  type ActivityPage, type ActivityQuery, type ActivityStore, type ActivityWrite, type Logger,
  type StoredActivity, type StoredChange, type StoredIndexEntry,
} from '@activityd/core';
import { liveText, onlyLiveChanged, publicPrefix } from './activity-codec.js';
import { connect } from './connection.js';
import { EventReader } from './event-reader.js';
import { EventRebuilder } from './event-rebuilder.js';
import { fetchActivities, fetchVersions } from './fetch-activities.js';
import { Keys, listMember } from './keys.js';
import { RedisNodeLiveness } from './node-liveness.js';
import { RedisAccessStore } from './redis-access-store.js';
import { RecentActivities } from './recent-activities.js';
import { defineScripts, scriptCommand, scriptRunner, type ScriptCall, type ScriptName } from './scripts.js';
import { decodeEntries, firstSeq, type Entry } from './stream-items.js';
import { guarded } from './unavailable.js';
import { WriteBatch } from './write-batch.js';

/** Options of {@link RedisStore}. */
export interface RedisStoreOptions {
  /** `redis://[[user]:password@]host[:port][/db]` (default `redis://127.0.0.1:6379`). */
  url?: string;
  /** Prefix of every key, so installations and test runs can share one Redis (default `activityd:`). */
  keyPrefix?: string;
  /** About how many events the stream keeps (default 10,000; trimmed with `MAXLEN ~`). */
  eventLogSize?: number;
  /** A call that gets no answer within this long fails as unavailable (default 2,000 ms). */
  commandTimeoutMs?: number;
  /**
   * How many running activities this node keeps its latest copy of, so an update starts without a
   * read and a progress event is rebuilt from the stream without one (default 10,000; 0 turns it
   * off, and every progress event then costs a read). A stale copy costs a failed CAS and a read,
   * never a wrong write nor a wrong event.
   */
  recentActivities?: number;
  /** Default: silent. */
  logger?: Logger;
}

/** A write's result as it is (see `WriteBatch.enqueue`). */
const seqOf = (seq: number | null): number | null => seq;

const STATES: ActivityState[] = ['running', 'completed', 'failed', 'cancelled', 'expired'];
const silent: Logger = { info() {}, warn() {}, error() {} };

/**
 * Several server nodes on one Redis. Activities are hashes (the document, the live fields of the
 * latest progress, and `seq`) with sorted-set indexes for listing, state, parent, lease expiry and
 * in-process work by node; every conditional change is one Lua script (`src/lua/`), so it is atomic
 * whichever node runs it. The event log is a bounded Redis Stream of the global `seq`, read once per
 * node: one entry per script call, a progress update in it only what changed, which each node
 * makes a whole event again (`EventRebuilder`). Calls fail fast with a coded 503 while Redis is unreachable.
 * @example
 * const store = new RedisStore({ url: 'redis://127.0.0.1:6379', keyPrefix: 'activityd:' });
 * const hub = new ActivityHub({ store });
 */
export class RedisStore implements ActivityStore {
  readonly access: RedisAccessStore;
  readonly nodes: RedisNodeLiveness;
  private readonly keys: Keys;
  private readonly redis: Redis;
  private readonly reader: EventReader;
  private readonly scripts: Record<ScriptName, ScriptCall>;
  private readonly eventLogSize: number;
  private readonly writes: WriteBatch;
  private readonly recent: RecentActivities;
  private readonly rebuilder: EventRebuilder;
  private readonly logger: Logger;
  private opened = false;

  constructor(options: RedisStoreOptions = {}) {
    const url = options.url ?? 'redis://127.0.0.1:6379';
    const commandTimeoutMs = options.commandTimeoutMs ?? 2_000;
    this.logger = options.logger ?? silent;
    this.keys = new Keys(options.keyPrefix ?? 'activityd:');
    this.eventLogSize = options.eventLogSize ?? 10_000;
    // Requests in flight at once share round trips: their commands of one turn go out as one write.
    this.redis = connect({
      url, commandTimeoutMs, logger: this.logger, name: 'activityd', autoPipelining: true,
      // A write batch is already one turn's writes: auto-pipelining would hold it for one more turn
      // (its calls go by `sendCommand`, which never pipelines; the defined command stays out too).
      // The access version's GET is sent once per turn already (`RedisAccessStore.version`); in
      // an auto-pipeline it would also wait for the previous pipeline's replies.
      notPipelined: [scriptCommand('write-many'), 'get'],
    });
    // The blocking read holds its connection for seconds: it gets its own, with no command timeout.
    const readerConnection = connect({ url, commandTimeoutMs: undefined, logger: this.logger, name: 'activityd-events' });
    this.recent = new RecentActivities(options.recentActivities ?? 10_000);
    this.rebuilder = new EventRebuilder(this.redis, this.keys, this.recent, this.logger);
    // The live reader keeps this node's copies in step with every change, from any node.
    this.reader = new EventReader(readerConnection, this.keys.events, (entries, after) => this.rebuilder.live(entries, after), this.logger);
    this.scripts = defineScripts(this.redis);
    // The reader hears of every call: its answer dispatches this node's own events when nothing
    // came in between, so a writing node does not read back what it wrote.
    const writeMany = scriptRunner(this.redis, 'write-many');
    const head = [this.prefix, String(this.eventLogSize)];
    this.writes = new WriteBatch(
      (items, start, end) => writeMany(head, items, start, end) as Promise<number[]>,
      { sent: () => this.reader.callSent(), answered: (range) => this.reader.callAnswered(range) },
    );
    // A lost or trimmed stream may have hidden changes: every copy goes.
    this.reader.onGap(() => {
      this.recent.clear();
      this.rebuilder.forgetCopies();
    });
    this.access = new RedisAccessStore(this.redis, this.keys, this.scripts);
    this.nodes = new RedisNodeLiveness(() => this.redis, this.keys);
  }

  private get prefix(): string {
    return this.keys.prefix;
  }

  async open(): Promise<void> {
    if (this.opened) return;
    await guarded(() => this.redis.connect());
    await this.warnIfNotDurable();
    const { last } = await this.logBounds();
    await guarded(() => this.reader.connection.connect());
    this.reader.start(last);
    this.opened = true;
  }

  async close(): Promise<void> {
    await this.reader.stop();
    await this.redis.quit().catch(() => this.redis.disconnect());
    this.opened = false;
  }

  /**
   * A progress update (only the live fields changed, from the copy this node holds at `expectSeq`)
   * is written as a plain item and resolves on the script's reply: stored in the hash and the stream
   * by then, so a `get` on any node sees it; this node dispatches its event in seq order, as every
   * node does: from the call's answer when nothing from another node came before it, else when the
   * stream brings it. Any other write stores the whole activity; creates and
   * ends also wait until this node dispatched their event, as with the embedded stores (a cancel
   * has aborted this node's work, and a listener has seen the end, when the call resolves).
   */
  write(change: ActivityWrite): Promise<ActivityEvent | null> {
    const a = change.activity;
    const base = change.expectSeq !== null && change.type === 'activity.updated' ? this.recent.at(a.id, change.expectSeq) : undefined;
    return base && onlyLiveChanged(base.activity, base.runner, a)
      ? this.writePlain(a, change.expectSeq!, base.docSeq, base.activity.leaseExpiresAt)
      : this.writeFull(change);
  }

  /** `leaseBefore`: the lease expiry of the version it replaces (see {@link leaseToIndex}). */
  private writePlain(a: StoredActivity, expectSeq: number, docSeq: number, leaseBefore: number | null): Promise<ActivityEvent | null> {
    // The common item is three values (see `write-many.lua`): one that re-scores the lease is marked 'l'.
    const lease = leaseToIndex(a, leaseBefore);
    const args = lease === '' ? [a.id, expectSeq, liveText(a)] : ['l', a.id, expectSeq, liveText(a), lease];
    return this.writes.enqueue(args, (seq) => this.wrotePlain(a, docSeq, seq));
  }

  /** The event of a plain write that took `seq` (`null`: its CAS failed), made as its answer is read. */
  private wrotePlain(a: StoredActivity, docSeq: number, seq: number | null): ActivityEvent | null {
    if (seq === null) {
      this.recent.forget(a.id);
      return null;
    }
    const activity = toPublic(a);
    activity.seq = seq;
    this.recent.keep(activity, a.runner, docSeq);
    const event: ActivityEvent = { seq, type: 'activity.updated', at: a.updatedAt, activity };
    // This node's reader dispatches this very object when the entry comes round, rather than
    // parsing and rebuilding what it just wrote (the same event, as every other node builds it).
    this.reader.remember(event);
    return event;
  }

  private async writeFull(change: ActivityWrite): Promise<ActivityEvent | null> {
    const a = change.activity;
    const { activity, text } = publicPrefix(a);
    // An update leaves out what never changes (list key, parent): the script keeps the stored ones.
    const expect = change.expectSeq;
    const seq = await this.writes.enqueue([
      'f', a.id, expect ?? '', change.type, text, a.state, a.runner ?? '',
      expect === null ? listMember(a) : '', expect === null ? a.parentId ?? '' : '',
      a.leaseExpiresAt ?? '', a.endedAt ?? '', a.updatedAt,
    ], seqOf);
    if (seq === null) {
      this.recent.forget(a.id);
      return null;
    }
    activity.seq = seq;
    this.recent.keep(activity, a.runner, seq);
    // Its JSON is not recorded with rememberWireJson: a WeakMap entry per write cost more (about
    // 7 µs a write here) than serialising on demand, which only an HTTP reply or a stream does.
    const event: ActivityEvent = { seq, type: change.type, at: a.updatedAt, activity };
    // This node's reader dispatches this object rather than rebuilding it (as with the SQLite
    // store, the object returned is the one dispatched).
    if (change.type !== 'activity.updated') await this.reader.delivery(seq, event);
    else this.reader.remember(event);
    return event;
  }

  get(id: string): Promise<StoredActivity | undefined> {
    return guarded(async () => (await fetchActivities(this.redis, this.keys, [id]))[0]);
  }

  /**
   * The copy this node last wrote or read of a running activity, if no later change to it has come
   * through the event stream since; else the stored copy (see {@link RecentActivities}). It may be
   * stale: the hub's CAS write on `seq` then fails and the hub reads again with `get`.
   */
  async getForUpdate(id: string): Promise<StoredActivity | undefined> {
    const cached = this.recent.lookup(id);
    if (cached) return cached;
    const [stored] = await guarded(() => fetchVersions(this.redis, this.keys, [id]));
    if (!stored) return undefined;
    this.recent.keep(toPublic(stored.activity), stored.activity.runner, stored.docSeq);
    return stored.activity;
  }

  /**
   * {@link getForUpdate}'s copy when this node holds one, at once: the record itself, not a copy
   * (see {@link RecentActivities.held}), as the port allows.
   */
  heldForUpdate(id: string): Readonly<StoredActivity> | undefined {
    return this.recent.held(id);
  }

  async list(query: ActivityQuery): Promise<ActivityPage> {
    const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    if (query.cursor !== undefined && !cursor) throw new ValidationError('malformed cursor');
    return guarded(async () => {
      const ids = query.ids ? [...new Set(query.ids)]
        : query.endedSince !== undefined ? await this.redis.zrangebyscore(this.keys.ended, query.endedSince, '+inf') : undefined;
      const matching = ids
        ? (await fetchActivities(this.redis, this.keys, ids))
          .filter((a) => matchesQuery(a, query) && (!cursor || listMember(a) < listMember(cursor)))
          .sort(compareNewestFirst)
        : await this.scan(query, cursor);
      const activities = matching.slice(0, query.limit);
      const last = activities.at(-1);
      return { activities, nextCursor: matching.length > query.limit && last ? encodeCursor(last) : null };
    });
  }

  /** Walks the narrowest index newest first from the cursor, until one more than a page matched. */
  private async scan(query: ActivityQuery, cursor: { createdAt: number; id: string } | undefined): Promise<StoredActivity[]> {
    const index = query.parentId !== undefined ? this.keys.parent(query.parentId)
      : query.states?.length === 1 ? this.keys.state(query.states[0]!) : this.keys.all;
    const batch = Math.max(query.limit + 1, 100);
    const out: StoredActivity[] = [];
    let from = cursor ? `(${listMember(cursor)}` : '+';
    for (;;) {
      const members = await this.redis.call('ZRANGE', index, from, '-', 'BYLEX', 'REV', 'LIMIT', 0, batch) as string[];
      const ids = members.map((m) => m.slice(m.indexOf(':') + 1));
      for (const a of await fetchActivities(this.redis, this.keys, ids)) if (matchesQuery(a, query)) out.push(a);
      if (out.length > query.limit || members.length < batch) return out;
      from = `(${members.at(-1)!}`;
    }
  }

  /**
   * The lease index holds a lower bound of each expiry (see {@link leaseToIndex}), so an id found in
   * it may not have lapsed yet: the hash says. Such an id is scored again with its real expiry, so it
   * does not come back in every later sweep and hold the `limit` against those that did lapse.
   * `XX`: an activity that ended meanwhile (and left the index) is not put back.
   */
  lapsed(now: number, limit: number): Promise<StoredActivity[]> {
    return guarded(async () => {
      const ids = await this.redis.zrangebyscore(this.keys.lease, '-inf', now, 'LIMIT', 0, limit);
      const lapsed: StoredActivity[] = [];
      const rescore: Array<string | number> = [];
      for (const a of await fetchActivities(this.redis, this.keys, ids)) {
        if (a.state !== 'running' || a.runner !== null || a.leaseExpiresAt === null) continue;
        if (a.leaseExpiresAt <= now) lapsed.push(a);
        else rescore.push(a.leaseExpiresAt, a.id);
      }
      if (rescore.length > 0) await this.redis.zadd(this.keys.lease, 'XX', ...rescore);
      return lapsed;
    });
  }

  runningInProcess(limit: number): Promise<StoredActivity[]> {
    return guarded(async () => {
      const ids: string[] = [];
      for (const runner of await this.redis.smembers(this.keys.runners)) {
        if (ids.length >= limit) break;
        ids.push(...(await this.redis.smembers(this.keys.inProcess(runner))).slice(0, limit - ids.length));
      }
      return (await fetchActivities(this.redis, this.keys, ids)).filter((a) => a.state === 'running' && a.runner !== null);
    });
  }

  runningRemote(limit: number, afterId?: string): Promise<StoredActivity[]> {
    return guarded(async () => {
      const ids = await this.redis.call('ZRANGE', this.keys.remote, afterId === undefined ? '-' : `(${afterId}`, '+', 'BYLEX', 'LIMIT', 0, limit) as string[];
      return (await fetchActivities(this.redis, this.keys, ids)).filter((a) => a.state === 'running' && a.runner === null);
    });
  }

  purgeEnded(endedBefore: number, limit: number): Promise<number> {
    return guarded(async () => Number(await this.scripts['purge-ended'](this.prefix, endedBefore, limit)));
  }

  countByState(): Promise<Partial<Record<ActivityState, number>>> {
    return guarded(async () => {
      const pipeline = this.redis.pipeline();
      for (const state of STATES) pipeline.zcard(this.keys.state(state));
      const replies = (await pipeline.exec()) ?? [];
      const counts: Partial<Record<ActivityState, number>> = {};
      STATES.forEach((state, i) => {
        const [error, n] = replies[i] ?? [];
        if (error) throw error;
        if (typeof n === 'number' && n > 0) counts[state] = n;
      });
      return counts;
    });
  }

  eventsAfter(after: number, limit: number): Promise<HubEvent[]> {
    return guarded(async () => {
      // An entry holds at least one event, so `limit` entries hold enough; the first may start earlier.
      const entries = await this.redis.xrange(this.keys.events, `${after + 1}-0`, '+', 'COUNT', limit) as Entry[];
      return await this.rebuilder.events(decodeEntries(entries, after).slice(0, limit), false);
    });
  }

  logBounds(): Promise<{ first: number; last: number }> {
    return guarded(async () => {
      const [first, last] = await Promise.all([this.redis.xrange(this.keys.events, '-', '+', 'COUNT', 1) as Promise<Entry[]>, this.redis.get(this.keys.seq)]);
      return { first: first[0] ? firstSeq(first[0]) : 0, last: Number(last ?? 0) };
    });
  }

  subscribe(listener: (event: HubEvent) => void, onGap?: () => void): () => void {
    return this.reader.add(listener, onGap);
  }

  async appendChanges(changes: StoredChange[]): Promise<ChangeModelEvent[]> {
    if (changes.length === 0) return [];
    const args = changes.flatMap((c) => [c.writtenAt, JSON.stringify(c), JSON.stringify(publicChange(c))]);
    const seqs = await guarded(() => this.scripts['append-changes'](this.prefix, this.eventLogSize, ...args)) as number[];
    await this.reader.delivery(seqs.at(-1)!);
    return changes.map((c, i) => ({ seq: seqs[i]!, type: 'change.model', at: c.writtenAt, change: publicChange(c) }));
  }

  getIndexEntry(model: string, id: string | number): Promise<StoredIndexEntry | undefined> {
    return guarded(async () => {
      const key = indexKey(model, id);
      const [doc, seq] = await Promise.all([this.redis.hget(this.keys.indexDocs, key), this.redis.hget(this.keys.indexSeqs, key)]);
      return doc === null || seq === null ? undefined : { ...(JSON.parse(doc) as Omit<StoredIndexEntry, 'seq'>), seq: Number(seq) };
    });
  }

  async writeIndexEntry(entry: Omit<StoredIndexEntry, 'seq'>, expectSeq: number | null): Promise<ChangeIndexEvent | null> {
    const seq = await guarded(() => this.scripts['write-index-entry'](
      this.prefix, this.eventLogSize, indexKey(entry.model, entry.id), expectSeq ?? '', entry.writtenAt,
      JSON.stringify(entry), JSON.stringify(publicIndexEntry({ ...entry, seq: 0 })),
    )) as number | null;
    if (seq === null) return null;
    await this.reader.delivery(seq);
    return { seq, type: 'change.index', at: entry.writtenAt, change: publicIndexEntry({ ...entry, seq }) };
  }

  readChanges(writtenAfter: number, limit: number): Promise<StoredChange[]> {
    return guarded(async () => {
      const members = await this.redis.zrangebyscore(this.keys.changes, `(${writtenAfter}`, '+inf', 'LIMIT', 0, limit);
      return members.map((m) => JSON.parse(m.slice(m.indexOf(':') + 1)) as StoredChange);
    });
  }

  readIndexEntries(writtenAfter: number, limit: number): Promise<StoredIndexEntry[]> {
    return guarded(async () => {
      const keys = await this.redis.zrangebyscore(this.keys.indexWritten, `(${writtenAfter}`, '+inf', 'LIMIT', 0, limit);
      if (keys.length === 0) return [];
      const [docs, seqs] = await Promise.all([this.redis.hmget(this.keys.indexDocs, ...keys), this.redis.hmget(this.keys.indexSeqs, ...keys)]);
      const entries: StoredIndexEntry[] = [];
      docs.forEach((doc, i) => {
        const seq = seqs[i];
        if (doc && seq) entries.push({ ...(JSON.parse(doc) as Omit<StoredIndexEntry, 'seq'>), seq: Number(seq) });
      });
      return entries.sort((x, y) => x.writtenAt - y.writtenAt || x.seq - y.seq);
    });
  }

  purgeFeed(writtenBefore: number, limit: number): Promise<number> {
    return guarded(async () => Number(await this.scripts['purge-feed'](this.prefix, writtenBefore, limit)));
  }

  getMeta(key: string): Promise<string | undefined> {
    return guarded(async () => (await this.redis.hget(this.keys.meta, key)) ?? undefined);
  }

  setMeta(key: string, value: string): Promise<void> {
    return guarded(async () => { await this.redis.hset(this.keys.meta, key, value); });
  }

  setMetaOnce(key: string, value: string): Promise<string> {
    return guarded(async () => String(await this.scripts['set-meta-once'](this.prefix, key, value)));
  }

  claimOnce(key: string, value: string, now: number, expiresAt: number): Promise<string> {
    return guarded(async () => String(await this.scripts['claim-once'](this.prefix, key, value, now, expiresAt)));
  }

  /** Redis mode is exactly as durable as its Redis: say so at start when it keeps no append-only file. */
  private async warnIfNotDurable(): Promise<void> {
    try {
      const [, appendonly] = await this.redis.config('GET', 'appendonly') as [string, string];
      if (appendonly !== 'yes') this.logger.warn({}, 'Redis runs without appendonly: acknowledged writes are lost if Redis restarts');
    } catch {
      // CONFIG may be disabled (managed Redis): nothing to tell.
    }
  }
}

/**
 * The lease expiry a plain item puts in the lease index, or `''` to leave the index as it is. The
 * index only needs a lower bound of each expiry (`lapsed` checks the hash, and scores again what it
 * found early), and a progress update moves the expiry a little each time: re-scoring it every time
 * cost Redis a ZADD per update, about a sixth of the script's time for the item. So it is re-scored
 * when the expiry enters another window of half the lease (epoch-aligned: ⌊expiry / slack⌋ changed),
 * or went back, or had none. Invariant, from every write: the indexed score is at most the expiry,
 * and in its window (a full write scores the exact expiry), so the index lags by less than half a
 * lease and a steadily updated activity is never a candidate before it lapses. `leaseBefore` is
 * the expiry of the version this write replaces, which the hash holds when the item applies (its
 * compare-and-set on `seq`), whichever node wrote it.
 */
export function leaseToIndex(a: StoredActivity, leaseBefore: number | null): number | '' {
  const lease = a.leaseExpiresAt;
  if (lease === null) return '';
  const slack = a.leaseMs === null ? 0 : Math.floor(a.leaseMs / 2);
  if (leaseBefore === null || lease < leaseBefore || !(slack > 0)) return lease;
  return Math.floor(lease / slack) === Math.floor(leaseBefore / slack) ? '' : lease;
}
