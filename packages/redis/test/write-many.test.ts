import { afterEach, describe, expect, it } from 'vitest';
import { applyPatch, newActivity, type StoredActivity } from '@activityd/core';
import type { RedisStore } from '../src/redis-store.js';
import { openedStore, redisAvailable, type Cleanups } from './redis-fixture.js';

// The stream entry a `write-many` call appends, byte for byte: readers on every node (and of other
// versions) parse it, so the way the script builds it may change, the text may not.
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
  it('are the same text as ever: full items, and plain items of one call in one array', async () => {
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
    expect(entries).toEqual([
      ['1-0', ['b', `[{"seq":1,"type":"activity.started","at":${T0},"activity":${doc(a)},"seq":1}}]`]],
      ['2-0', ['b', `[{"seq":2,"type":"activity.started","at":${T0},"activity":${doc(b)},"seq":2},"runner":"node-1"}]`]],
      ['4-0', ['b', `[{"seq":3,"id":"${a.id}","d":1,"live":{"progress":10,"subtitle":null,"updatedAt":${T0 + 600},"leaseExpiresAt":${T0 + 1_600}}}`
        + `,{"seq":4,"id":"${b.id}","d":2,"live":{"progress":20,"subtitle":null,"updatedAt":${T0 + 5},"leaseExpiresAt":null}}]`]],
    ]);
    expect(await redis.zscore(keys.lease, a.id)).toBe(String(T0 + 1_600));
    expect(await redis.hmget(keys.activity(a.id), 'seq', 'dseq')).toEqual(['3', '1']);
  });
});
