import { afterEach, describe, expect, it } from 'vitest';
import { applyPatch, newActivity, type StoredActivity } from '@activityd/core';
import type { RedisStore } from '../src/redis-store.js';
import { openedStore, redisAvailable, type Cleanups } from './redis-fixture.js';

// The lease index holds a lower bound of each expiry: a progress update re-scores it only when the
// expiry moved into another half-lease window, and a sweep re-scores what it found not lapsed yet.
const available = await redisAvailable('Redis lease index');

const T0 = 1_700_000_000_000; // a multiple of the slack below: windows start at T0 + k * 500
const LEASE = { leaseMs: 1_000, heartbeatMs: 300 };

const cleanups: Cleanups = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup() {
  const { store, redis, keys } = await openedStore(cleanups);
  const score = async (a: { id: string }) => Number(await redis.zscore(keys.lease, a.id));
  return { store, score };
}

async function create(store: RedisStore, at = T0): Promise<StoredActivity> {
  const a = newActivity({ type: 'upload' }, at, LEASE, null);
  const event = await store.write({ type: 'activity.started', activity: a, expectSeq: null });
  return { ...a, seq: event!.seq };
}

/** A progress update at `at` (lease renewed to `at` + 1,000): a plain item. */
async function progress(store: RedisStore, a: StoredActivity, p: number, at: number): Promise<StoredActivity> {
  const next = applyPatch(a, { progress: p }, at);
  const event = await store.write({ type: 'activity.updated', activity: next, expectSeq: a.seq });
  expect(event).not.toBeNull();
  return { ...next, seq: event!.seq };
}

describe.runIf(available)('the lease index', () => {
  it('a progress update re-scores the lease only when it enters another half-lease window, or goes back', async () => {
    const { store, score } = await setup();
    let a = await create(store); // lease T0 + 1,000: window [T0 + 1,000, T0 + 1,500)
    expect(await score(a)).toBe(T0 + 1_000);
    a = await progress(store, a, 10, T0 + 100); // T0 + 1,100: same window, left as it was
    expect(await score(a)).toBe(T0 + 1_000);
    a = await progress(store, a, 20, T0 + 499); // T0 + 1,499: still the same window
    expect(await score(a)).toBe(T0 + 1_000);
    a = await progress(store, a, 30, T0 + 500); // T0 + 1,500: the next window
    expect(await score(a)).toBe(T0 + 1_500);
    a = await progress(store, a, 40, T0 + 450); // back (a node with a slower clock): re-scored
    expect(await score(a)).toBe(T0 + 1_450);
    // `get` sees the real lease whatever the index holds.
    expect((await store.get(a.id))?.leaseExpiresAt).toBe(T0 + 1_450);
  });

  it('a sweep finds a lease renewed within its window lapsed only when it did, and re-scores it meanwhile', async () => {
    const { store, score } = await setup();
    let a = await create(store);
    a = await progress(store, a, 10, T0 + 300); // real lease T0 + 1,300, indexed T0 + 1,000
    expect(await store.lapsed(T0 + 1_000, 10)).toEqual([]);
    expect(await score(a)).toBe(T0 + 1_300);
    expect(await store.lapsed(T0 + 1_299, 10)).toEqual([]);
    expect((await store.lapsed(T0 + 1_300, 10)).map((x) => x.id)).toEqual([a.id]);
  });

  it('ids found not lapsed do not hold the sweep\'s limit against one that lapsed', async () => {
    const { store } = await setup();
    // Each renewed within its window: indexed T0 + 1,000, real T0 + 1,400 — ahead of `lapsedOne` in the index.
    for (let i = 0; i < 3; i++) await progress(store, await create(store), 10, T0 + 400);
    const lapsedOne = await create(store, T0 + 100); // T0 + 1,100, indexed so
    const now = T0 + 1_200;
    expect(await store.lapsed(now, 3)).toEqual([]); // the three, re-scored
    expect((await store.lapsed(now, 3)).map((x) => x.id)).toEqual([lapsedOne.id]);
  });
});
