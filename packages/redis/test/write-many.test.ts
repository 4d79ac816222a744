import { afterEach, describe, expect, it } from 'vitest';
import { applyPatch, newActivity, toPublic, type StoredActivity } from '@activityd/core';
import type { RedisStore } from '../src/redis-store.js';
import { openedStore, redisAvailable, type Cleanups } from './redis-fixture.js';

// The stream entry a `write-many` call appends, byte for byte: readers on every node parse it, so the
// way the script builds it may change, the text only with every reader (and those of the previous
// version's entries, field 'b', still read).
const available = await redisAvailable('Redis write-many entries');

const T0 = 1_700_000_000_000;
const LEASE = { leaseMs: 1_000, heartbeatMs: 300 };

const cleanups: Cleanups = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function create(store: RedisStore, runner: string | null = null): Promise<StoredActivity> {
  const a = newActivity({ type: 'upload', title: 'a "quoted" title', context: { n: 1 } }, T0, runner ? null : LEASE, runner);
  const event = await store.write({ type: 'activity.started', activity: a, expectSeq: null });
  return { ...a, seq: event!.seq };
}

describe.runIf(available)('write-many stream entries', () => {
  it('are the documented text: full items, and plain items of one call in one entry, as lines', async () => {
    const { store, redis, keys } = await openedStore(cleanups);

    const a = await create(store);
    const b = await create(store, 'node-1');
    // Two progress updates in one turn: one call, one entry; `a`'s lease enters another window.
    const [ua, ub] = await Promise.all([
      store.write({ type: 'activity.updated', activity: applyPatch(a, { progress: 10 }, T0 + 600), expectSeq: a.seq }),
      store.write({ type: 'activity.updated', activity: applyPatch(b, { progress: 20 }, T0 + 5), expectSeq: b.seq }),
    ]);
    expect([ua!.seq, ub!.seq]).toEqual([3, 4]);

    const entries = await redis.xrange(keys.events, '-', '+');
    const doc = (x: StoredActivity) => JSON.stringify({ ...x, runner: undefined, seq: undefined }).slice(0, -1);
    // Each entry: its first item's seq, then its items, one line for a full one, three for a plain one.
    expect(entries).toEqual([
      ['1-0', ['l', `1\n{"seq":1,"type":"activity.started","at":${T0},"activity":${doc(a)},"seq":1}}`]],
      ['2-0', ['l', `2\n{"seq":2,"type":"activity.started","at":${T0},"activity":${doc(b)},"seq":2},"runner":"node-1"}`]],
      ['4-0', ['l', `3\n${a.id}\n1\n{"progress":10,"subtitle":null,"updatedAt":${T0 + 600},"leaseExpiresAt":${T0 + 1_600}}`
        + `\n${b.id}\n2\n{"progress":20,"subtitle":null,"updatedAt":${T0 + 5},"leaseExpiresAt":null}`]],
    ]);
    expect(await redis.zscore(keys.lease, a.id)).toBe(String(T0 + 1_600));
    expect(await redis.hmget(keys.activity(a.id), 'seq', 'dseq')).toEqual(['3', '1']);
  });

  it('are read from any cursor, with each item\'s seq, and so are the previous version\'s (field b)', async () => {
    const { store, redis, keys } = await openedStore(cleanups);
    const a = await create(store);
    const updates = [1, 2, 3].map((n) => ({ ...applyPatch(a, { progress: n * 10 }, T0 + n), seq: a.seq + n }));
    await Promise.all(updates.map((u, n) => store.write({ type: 'activity.updated', activity: u, expectSeq: a.seq + n })));
    const event = (u: StoredActivity) => ({ seq: u.seq, type: 'activity.updated', at: u.updatedAt, activity: toPublic(u) });
    // One entry holds seqs 2 to 4: a cursor inside it gets the rest, each once.
    expect((await redis.xrange(keys.events, '-', '+')).map(([id]) => id)).toEqual(['1-0', '4-0']);
    for (const after of [1, 2, 3]) expect(await store.eventsAfter(after, 100)).toEqual(updates.filter((u) => u.seq > after).map(event));

    // An entry as the previous version wrote it: a JSON array of items, each with its seq.
    const older = [4, 5].map((n) => ({ ...applyPatch(a, { progress: n * 10 }, T0 + n), seq: a.seq + n }));
    const live = (u: StoredActivity) => ({ progress: u.progress, subtitle: u.subtitle, updatedAt: u.updatedAt, leaseExpiresAt: u.leaseExpiresAt });
    await redis.xadd(keys.events, '6-0', 'b', JSON.stringify(older.map((u) => ({ seq: u.seq, id: a.id, d: a.seq, live: live(u) }))));
    await redis.set(keys.seq, 6);
    expect(await store.eventsAfter(4, 100)).toEqual(older.map(event));
    expect(await store.eventsAfter(5, 100)).toEqual([event(older[1]!)]);
  });
});
