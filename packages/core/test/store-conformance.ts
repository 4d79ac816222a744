import { isActivityEvent, type ActivityEvent, type ActivityEventType, type HubEvent } from '@activityd/protocol';
import { ValidationError } from '@activityd/protocol/errors';
import { afterEach, describe, expect, it } from 'vitest';
import {
  applyCancel, applyEnd, applyPatch, newActivity,
  type ActivitySpec, type ActivityStore, type StoredActivity,
} from '../src/index.js';

/** What a store factory may be asked for. */
export interface StoreFactoryOptions {
  /** How many events the log should keep. */
  eventLogSize?: number;
}

/** One store under test. */
export interface StoreFixture {
  /** A fresh, empty store, not yet opened: the suite opens it. */
  store: ActivityStore;
  /** For durable stores: a new, unopened store on the same data. The suite closes the old one first. */
  reopen?: () => Promise<ActivityStore>;
  /** Closes every store the factory made and removes its data. */
  cleanup: () => Promise<void>;
}

const T0 = 1_700_000_000_000;
const LEASE = { leaseMs: 1_000, heartbeatMs: 300 };

/** A new stored activity, not yet written. `lease` makes it remote; `runner` makes it in-process. */
function draft(spec: Partial<ActivitySpec> = {}, at = T0, opts: { lease?: boolean; runner?: string } = {}): StoredActivity {
  return newActivity({ type: 'upload', ...spec }, at, opts.lease ? LEASE : null, opts.runner ?? null);
}

const ids = (list: readonly { id: string }[]) => list.map((a) => a.id);

/** The events of these tests are all about activities: says so, and narrows them. */
function activityEvents(events: readonly HubEvent[]): ActivityEvent[] {
  expect(events.every(isActivityEvent)).toBe(true);
  return events as ActivityEvent[];
}

/**
 * The store contract, run unchanged against every adapter (memory, SQLite, Redis).
 * @example
 * describeStoreConformance('MemoryStore', async (options) => ({ store: new MemoryStore(options), cleanup: async () => {} }));
 */
/** `durable`: the store keeps its data across close and reopen (the fixture provides `reopen`). */
export function describeStoreConformance(name: string, makeStore: (options?: StoreFactoryOptions) => Promise<StoreFixture>, { durable = false } = {}): void {
  describe(`${name} conforms to the store contract`, () => {
    const cleanups: Array<() => Promise<void>> = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0)) await cleanup();
    });

    async function setup(options: StoreFactoryOptions = {}) {
      const fixture = await makeStore(options);
      cleanups.push(fixture.cleanup);
      await fixture.store.open();
      const store = fixture.store;
      const write = async (type: ActivityEventType, activity: StoredActivity, expectSeq: number | null) =>
        store.write({ type, activity, expectSeq });
      /** Inserts and returns the stored copy (with its seq). */
      const insert = async (a: StoredActivity): Promise<StoredActivity> => {
        const event = await write('activity.started', a, null);
        expect(event).not.toBeNull();
        return { ...a, seq: event!.seq };
      };
      /** Applies `change` to the stored copy and writes it; returns the new stored copy. */
      const change = async (a: StoredActivity, next: (a: StoredActivity) => StoredActivity, type: ActivityEventType = 'activity.updated') => {
        const changed = next(a);
        const event = await write(type, changed, a.seq);
        expect(event).not.toBeNull();
        return { ...changed, seq: event!.seq };
      };
      const end = (a: StoredActivity, at: number, state: 'completed' | 'failed' = 'completed') =>
        change(a, (x) => applyEnd(x, state === 'completed' ? { state, result: { ok: true } } : { state, error: { code: 'boom', message: 'boom' } }, at), 'activity.ended');
      return { ...fixture, store, write, insert, change, end };
    }

    it('inserts with expectSeq null, assigning increasing seq, and returns the event', async () => {
      const { store, write } = await setup();
      const a = draft({ title: 'first' }, T0, { runner: 'node-1' });
      const e1 = await write('activity.started', a, null);
      const e2 = await write('activity.started', draft({ title: 'second' }), null);
      expect(e1).toMatchObject({ type: 'activity.started', at: a.updatedAt, activity: { id: a.id, title: 'first' } });
      expect(e1!.seq).toBeGreaterThan(0);
      expect(e2!.seq).toBeGreaterThan(e1!.seq);
      expect(e1!.activity.seq).toBe(e1!.seq);
      const stored = await store.get(a.id);
      expect(stored).toEqual({ ...a, seq: e1!.seq });
      expect(stored!.runner).toBe('node-1');
    });

    it('refuses to insert an id that exists, changing nothing', async () => {
      const { store, write, insert } = await setup();
      const a = await insert(draft({ title: 'original' }));
      const before = await store.logBounds();
      expect(await write('activity.started', { ...a, title: 'impostor', seq: 0 }, null)).toBeNull();
      expect((await store.get(a.id))!.title).toBe('original');
      expect(await store.logBounds()).toEqual(before);
    });

    it('refuses a write with a stale or unknown expectSeq, changing nothing and emitting nothing', async () => {
      const { store, write, insert, change } = await setup();
      const v1 = await insert(draft());
      const v2 = await change(v1, (a) => applyPatch(a, { progress: 20 }, T0 + 1));
      const seen: HubEvent[] = [];
      store.subscribe((e) => seen.push(e));
      const before = await store.logBounds();
      expect(await write('activity.updated', applyPatch(v1, { progress: 90 }, T0 + 2), v1.seq)).toBeNull();
      expect(await write('activity.updated', applyPatch(draft(), { progress: 5 }, T0 + 2), 1)).toBeNull();
      expect(await store.get(v1.id)).toEqual(v2);
      expect(await store.logBounds()).toEqual(before);
      expect(seen).toEqual([]);
    });

    it('get returns the latest copy, and undefined for an unknown id', async () => {
      const { store, insert, change } = await setup();
      let a = await insert(draft({}, T0, { lease: true }));
      a = await change(a, (x) => applyPatch(x, { progress: 10, subtitle: 'one' }, T0 + 10));
      a = await change(a, (x) => applyPatch(x, { progress: 70, context: { k: 1 } }, T0 + 20));
      expect(await store.get(a.id)).toEqual(a);
      expect((await store.get(a.id))!.leaseExpiresAt).toBe(T0 + 20 + LEASE.leaseMs);
      expect(await store.get('00000000-0000-0000-0000-000000000000')).toBeUndefined();
    });

    describe('list', () => {
      async function population() {
        const s = await setup();
        const media = await s.insert(draft({ type: 'media.transcode', owner: 1, groups: ['a'] }, T0 + 1));
        const scan = await s.end(await s.insert(draft({ type: 'media.scan', owner: 2, groups: ['b'] }, T0 + 2)), T0 + 50);
        const child = await s.insert(draft({ type: 'upload', owner: null, groups: ['a', 'c'], parentId: media.id }, T0 + 3));
        const bare = await s.insert(draft({ type: 'media', owner: 4 }, T0 + 4));
        const lookalike = await s.insert(draft({ type: 'mediax.thing', owner: 4, groups: ['b'] }, T0 + 5));
        const failed = await s.end(await s.insert(draft({ type: 'library.update.section', owner: 3 }, T0 + 6)), T0 + 60, 'failed');
        return { ...s, media, scan, child, bare, lookalike, failed };
      }
      const page = async (store: ActivityStore, query: object) => ids((await store.list({ limit: 100, ...query })).activities);

      it('lists newest first, every filter narrowing it', async () => {
        const { store, media, scan, child, bare, lookalike, failed } = await population();
        expect(await page(store, {})).toEqual(ids([failed, lookalike, bare, child, scan, media]));
        expect(await page(store, { ids: [media.id, child.id] })).toEqual(ids([child, media]));
        expect(await page(store, { states: ['running'] })).toEqual(ids([lookalike, bare, child, media]));
        expect(await page(store, { states: ['completed', 'failed'] })).toEqual(ids([failed, scan]));
        expect(await page(store, { types: ['media.*'] })).toEqual(ids([scan, media]));
        expect(await page(store, { types: ['upload', 'media'] })).toEqual(ids([bare, child]));
        expect(await page(store, { owners: [1, 3] })).toEqual(ids([failed, media]));
        expect(await page(store, { parentId: media.id })).toEqual(ids([child]));
        expect(await page(store, { states: ['running'], types: ['media.*'] })).toEqual(ids([media]));
        expect(await page(store, { endedSince: T0 + 50 })).toEqual(ids([failed, scan]));
        expect(await page(store, { endedSince: T0 + 51 })).toEqual(ids([failed]));
        expect(await page(store, { endedSince: T0 + 51, types: ['media.*'] })).toEqual([]);
        expect(await page(store, { endedSince: T0 + 61 })).toEqual([]);
        const full = (await store.list({ limit: 100, ids: [scan.id] })).activities[0];
        expect(full).toEqual(scan);
      });

      it('visibleTo keeps what the user owns or shares a group with', async () => {
        const { store, media, scan, child, lookalike } = await population();
        expect(await page(store, { visibleTo: { userId: 2, visibleGroups: ['c'] } })).toEqual(ids([child, scan]));
        expect(await page(store, { visibleTo: { userId: null, visibleGroups: ['a'] } })).toEqual(ids([child, media]));
        expect(await page(store, { visibleTo: { userId: 99, visibleGroups: ['b'] } })).toEqual(ids([lookalike, scan]));
        expect(await page(store, { visibleTo: { userId: 99, visibleGroups: [] } })).toEqual([]);
      });

      it('pages with limit and cursor, visiting every item exactly once in order', async () => {
        const { store, insert, end } = await setup();
        for (let i = 0; i < 23; i++) {
          const a = await insert(draft({ type: i % 2 ? 'media.x' : 'upload' }, T0 + Math.floor(i / 4)));
          if (i % 5 === 0) await end(a, T0 + 100);
        }
        for (const filter of [{}, { types: ['media.*'] }, { states: ['running' as const] }]) {
          const all = (await store.list({ limit: 1000, ...filter })).activities;
          const sorted = [...all].sort((x, y) => y.createdAt - x.createdAt || (x.id < y.id ? 1 : -1));
          expect(ids(all)).toEqual(ids(sorted));
          const visited: string[] = [];
          let cursor: string | undefined;
          let pages = 0;
          do {
            const p = await store.list({ limit: 4, ...filter, ...(cursor ? { cursor } : {}) });
            expect(p.activities.length).toBeLessThanOrEqual(4);
            visited.push(...ids(p.activities));
            cursor = p.nextCursor ?? undefined;
            expect(++pages).toBeLessThan(30);
          } while (cursor);
          expect(visited).toEqual(ids(all));
        }
        expect((await store.list({ limit: 23 })).nextCursor).toBeNull();
      });

      it('throws ValidationError on a malformed cursor', async () => {
        const { store, insert } = await setup();
        await insert(draft());
        for (const cursor of ['not a cursor', '', Buffer.from('12:has space').toString('base64url')]) {
          await expect(store.list({ limit: 10, cursor })).rejects.toBeInstanceOf(ValidationError);
        }
      });
    });

    describe('running and lapsed activities', () => {
      async function population() {
        const s = await setup();
        const soon = await s.insert(draft({}, T0, { lease: true }));
        const later = await s.insert(draft({}, T0 + 500, { lease: true }));
        const local = await s.insert(draft({}, T0, { runner: 'node-1' }));
        // Not something the hub writes, but the store must tell remote from in-process by `runner`.
        const localWithLease = await s.insert({ ...draft({}, T0, { runner: 'node-2' }), leaseExpiresAt: T0 });
        const endedRemote = await s.end(await s.insert(draft({}, T0, { lease: true })), T0 + 1);
        const endedLocal = await s.end(await s.insert(draft({}, T0, { runner: 'node-1' })), T0 + 1);
        // An ended activity whose lease field was left set must still never be lapsed.
        const staleEnded = await s.change(await s.insert(draft({}, T0, { lease: true })),
          (a) => ({ ...applyCancel(a, T0 + 1), leaseExpiresAt: T0 }), 'activity.ended');
        return { ...s, soon, later, local, localWithLease, endedRemote, endedLocal, staleEnded };
      }

      it('lapsed returns running remote activities whose lease ended at or before now', async () => {
        const { store, soon, later } = await population();
        expect(await store.lapsed(T0 + LEASE.leaseMs - 1, 10)).toEqual([]);
        expect(ids(await store.lapsed(T0 + LEASE.leaseMs, 10))).toEqual([soon.id]);
        expect(ids(await store.lapsed(T0 + 10_000, 10)).sort()).toEqual(ids([soon, later]).sort());
        expect(await store.lapsed(T0 + 10_000, 1)).toHaveLength(1);
      });

      it('runningInProcess and runningRemote split running work by runner', async () => {
        const { store, soon, later, local, localWithLease } = await population();
        expect(ids(await store.runningInProcess(10)).sort()).toEqual(ids([local, localWithLease]).sort());
        expect(await store.runningInProcess(1)).toHaveLength(1);
        expect(ids(await store.runningRemote(10))).toEqual(ids([soon, later]).sort());
      });

      it('runningRemote pages by id, visiting every remote activity exactly once', async () => {
        const { store, insert } = await setup();
        const remote: string[] = [];
        for (let i = 0; i < 30; i++) remote.push((await insert(draft({}, T0 + i, { lease: true }))).id);
        await insert(draft({}, T0, { runner: 'node-1' }));
        const visited: string[] = [];
        let after: string | undefined;
        for (let pages = 0; pages < 20; pages++) {
          const batch = await store.runningRemote(7, after);
          visited.push(...ids(batch));
          if (batch.length < 7) break;
          after = batch.at(-1)!.id;
        }
        expect(visited).toEqual([...remote].sort());
      });
    });

    it('purgeEnded deletes only activities ended before the cutoff, at most limit at a time', async () => {
      const { store, insert, end } = await setup();
      const e100 = await end(await insert(draft()), T0 + 100);
      const e200 = await end(await insert(draft()), T0 + 200, 'failed');
      const e300 = await end(await insert(draft()), T0 + 300);
      const running = await insert(draft({}, T0, { lease: true }));
      expect(await store.purgeEnded(T0 + 300, 1)).toBe(1);
      expect(await store.purgeEnded(T0 + 300, 10)).toBe(1);
      expect(await store.purgeEnded(T0 + 300, 10)).toBe(0);
      expect(await store.get(e100.id)).toBeUndefined();
      expect(await store.get(e200.id)).toBeUndefined();
      expect(await store.get(e300.id)).toBeDefined();
      expect(await store.get(running.id)).toBeDefined();
      expect(ids((await store.list({ limit: 10 })).activities).sort()).toEqual(ids([e300, running]).sort());
    });

    it('eventsAfter returns events after a seq, oldest first, at most limit, without runner', async () => {
      const { store, insert, change } = await setup();
      let a = await insert(draft({}, T0, { runner: 'node-1' }));
      for (let i = 1; i <= 4; i++) a = await change(a, (x) => applyPatch(x, { progress: i * 10 }, T0 + i));
      const all = activityEvents(await store.eventsAfter(0, 100));
      expect(all.map((e) => e.type)).toEqual(['activity.started', ...Array(4).fill('activity.updated')]);
      expect(all.map((e) => e.activity.progress)).toEqual([null, 10, 20, 30, 40]);
      all.forEach((e, i) => i > 0 && expect(e.seq).toBeGreaterThan(all[i - 1]!.seq));
      all.forEach((e) => expect(e.activity).not.toHaveProperty('runner'));
      expect(await store.eventsAfter(all[1]!.seq, 2)).toEqual(all.slice(2, 4));
      expect(await store.eventsAfter(all[4]!.seq, 10)).toEqual([]);
      expect(await store.logBounds()).toEqual({ first: all[0]!.seq, last: all[4]!.seq });
    });

    it('keeps a bounded event log, and logBounds shows the trimming', async () => {
      const { store, insert, change } = await setup({ eventLogSize: 5 });
      expect(await store.logBounds()).toEqual({ first: 0, last: 0 });
      let a = await insert(draft());
      // SQLite trims every 1,000 writes: write well past that.
      for (let i = 0; i < 1_100; i++) a = await change(a, (x) => applyPatch(x, { progress: i % 101 }, T0 + i));
      const { first, last } = await store.logBounds();
      expect(last).toBe(a.seq);
      expect(first).toBeGreaterThan(1);
      expect(last - first + 1).toBeGreaterThanOrEqual(5);
      expect(last - first + 1).toBeLessThanOrEqual(1_005);
      const kept = await store.eventsAfter(0, 2_000);
      expect(kept[0]!.seq).toBe(first);
      expect(kept.at(-1)!.seq).toBe(last);
      expect(kept).toHaveLength(last - first + 1);
    });

    it('subscribe receives committed events in seq order until unsubscribed', async () => {
      const { store, write, insert, change } = await setup();
      const seen: HubEvent[] = [];
      const off = store.subscribe((e) => seen.push(e));
      let a = await insert(draft({}, T0, { runner: 'node-1' }));
      const b = await insert(draft());
      a = await change(a, (x) => applyPatch(x, { progress: 50 }, T0 + 1));
      expect(await write('activity.updated', applyPatch(b, {}, T0 + 2), b.seq + 100)).toBeNull();
      a = await change(a, (x) => applyEnd(x, { state: 'completed' }, T0 + 2), 'activity.ended');
      expect(activityEvents(seen).map((e) => [e.type, e.activity.id])).toEqual([
        ['activity.started', a.id], ['activity.started', b.id], ['activity.updated', a.id], ['activity.ended', a.id]]);
      expect(seen.map((e) => e.seq)).toEqual(seen.map((e) => e.seq).sort((x, y) => x - y));
      expect(seen.at(-1)!.seq).toBe(a.seq);
      activityEvents(seen).forEach((e) => expect(e.activity).not.toHaveProperty('runner'));
      expect(seen).toEqual(await store.eventsAfter(0, 100));
      off();
      await change(b, (x) => applyPatch(x, { progress: 1 }, T0 + 3));
      expect(seen).toHaveLength(4);
    });

    it('getMeta and setMetaOnce keep the first value set', async () => {
      const { store } = await setup();
      expect(await store.getMeta('admin-token')).toBeUndefined();
      expect(await store.setMetaOnce('admin-token', 'first')).toBe('first');
      expect(await store.setMetaOnce('admin-token', 'second')).toBe('first');
      expect(await store.getMeta('admin-token')).toBe('first');
      expect(await store.getMeta('other')).toBeUndefined();
    });

    it('claimOnce: the first claim holds a name until it expires, then the next claim wins', async () => {
      const { store } = await setup();
      expect(await store.claimOnce('k', 'a', T0, T0 + 1_000)).toBe('a');
      expect(await store.claimOnce('k', 'b', T0 + 999, T0 + 2_000)).toBe('a');
      expect(await store.claimOnce('other', 'c', T0 + 999, T0 + 2_000)).toBe('c');
      expect(await store.claimOnce('k', 'd', T0 + 1_000, T0 + 3_000)).toBe('d');
      expect(await store.claimOnce('k', 'e', T0 + 2_999, T0 + 4_000)).toBe('d');
      expect(await store.claimOnce('other', 'f', T0 + 2_999, T0 + 4_000)).toBe('f');
      expect(await store.getMeta('k')).toBeUndefined(); // claims are not named values
    });

    it('claimOnce: of many racing claims on one name, exactly one wins', async () => {
      const { store } = await setup();
      const held = await Promise.all(Array.from({ length: 20 }, (_, i) => store.claimOnce('race', `v${i}`, T0, T0 + 60_000)));
      expect(new Set(held).size).toBe(1);
      expect(held[0]).toMatch(/^v\d+$/);
    });

    it('setMeta overwrites a named value', async () => {
      const { store } = await setup();
      await store.setMeta('k', 'one');
      await store.setMeta('k', 'two');
      expect(await store.getMeta('k')).toBe('two');
      expect(await store.setMetaOnce('k', 'three')).toBe('two');
    });

    it('countByState counts the activities in each state', async () => {
      const { store, insert, end, change } = await setup();
      expect(await store.countByState()).toEqual({});
      await insert(draft());
      await insert(draft({}, T0, { lease: true }));
      await end(await insert(draft()), T0 + 1);
      await end(await insert(draft()), T0 + 1, 'failed');
      await change(await insert(draft()), (a) => applyCancel(a, T0 + 1), 'activity.ended');
      const counts = await store.countByState();
      expect(Object.fromEntries(Object.entries(counts).filter(([, n]) => n !== 0)))
        .toEqual({ running: 2, completed: 1, failed: 1, cancelled: 1 });
    });

    // Only durable stores promise this; the memory store loses everything by design.
    if (durable) it('keeps activities, events, the seq counter and meta across close and reopen', async () => {
      const s = await setup();
      if (!s.reopen) throw new Error('a durable store fixture must provide reopen');
      let a = await s.insert(draft({ title: 'durable' }, T0, { lease: true }));
      a = await s.change(a, (x) => applyPatch(x, { progress: 42 }, T0 + 1));
      const done = await s.end(await s.insert(draft({}, T0 + 2, { runner: 'node-1' })), T0 + 3);
      await s.store.setMetaOnce('k', 'v');
      const events = await s.store.eventsAfter(0, 100);
      const bounds = await s.store.logBounds();
      await s.store.close();

      const store = await s.reopen();
      await store.open();
      expect(await store.get(a.id)).toEqual(a);
      expect(await store.get(done.id)).toEqual(done);
      expect(ids((await store.list({ limit: 10 })).activities)).toEqual(ids([done, a]));
      expect(await store.getMeta('k')).toBe('v');
      expect(await store.setMetaOnce('k', 'other')).toBe('v');
      expect(await store.eventsAfter(0, 100)).toEqual(events);
      expect(await store.logBounds()).toEqual(bounds);
      const next = await store.write({ type: 'activity.updated', activity: applyPatch(a, { progress: 43 }, T0 + 4), expectSeq: a.seq });
      expect(next!.seq).toBeGreaterThan(bounds.last);
      const fresh = await store.write({ type: 'activity.started', activity: draft(), expectSeq: null });
      expect(fresh!.seq).toBeGreaterThan(next!.seq);
      await store.close();
    });
  });
}
