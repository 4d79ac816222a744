import { afterEach, describe, expect, it } from 'vitest';
import type { HubEvent } from '@activityd/protocol/types';
import { Redis } from 'ioredis';
import { EventReader } from '../src/event-reader.js';
import { decodeEntries, isEvent } from '../src/stream-items.js';
import { REDIS_URL, deletePrefix, redisAvailable, testPrefix } from './redis-fixture.js';

// The reader's wait for a writer's own event: released when the entry comes round (dispatching the
// writer's object), or after the wait when it never does — with one timer for all waiters.
const available = await redisAvailable('Redis event reader');
const quiet = { info() {}, warn() {}, error() {} };

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function reader(waitMs: number) {
  const prefix = testPrefix();
  const stream = `${prefix}events`;
  const writer = new Redis(REDIS_URL, { maxRetriesPerRequest: 0 });
  // Whole events only, each in an entry of its own (what change-feed writes append).
  const decode = (entries: Parameters<typeof decodeEntries>[0], after: number) =>
    decodeEntries(entries, after).flatMap((item) => (isEvent(item) ? [item.event] : []));
  const r = new EventReader(new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0 }), stream, decode, quiet, waitMs);
  await r.connection.connect();
  const seen: HubEvent[] = [];
  r.add((e) => seen.push(e));
  r.start(0);
  cleanups.push(async () => {
    await r.stop();
    writer.disconnect();
    await deletePrefix(prefix);
  });
  const append = (seq: number, event: object) => writer.xadd(stream, `${seq}-0`, 'e', JSON.stringify(event));
  return { r, seen, append };
}

describe.runIf(available)('EventReader delivery', () => {
  it('releases each write when its entry comes round, dispatching the writer\'s own object', async () => {
    const { r, seen, append } = await reader(5_000);
    const mine = { seq: 2, type: 'activity.updated', at: 1, activity: { id: 'a' } } as unknown as HubEvent;
    const order: string[] = [];
    const one = r.delivery(1).then(() => order.push('1'));
    const two = r.delivery(2, mine).then(() => order.push('2'));
    await append(1, { seq: 1, type: 'activity.updated', at: 1, activity: { id: 'b' } });
    await one;
    expect(order).toEqual(['1']);
    await append(2, { seq: 2, text: 'parsed' });
    await two;
    expect(order).toEqual(['1', '2']);
    expect(seen[1]).toBe(mine);
  });

  it('tells gap listeners when the stream was trimmed past its position (a hole in the seqs), and goes on', async () => {
    const { r, seen, append } = await reader(5_000);
    let gaps = 0;
    r.onGap(() => gaps++);
    await append(1, { seq: 1, type: 'change.model', at: 1, change: {} });
    await append(2, { seq: 2, type: 'change.model', at: 1, change: {} });
    await r.delivery(2);
    expect(gaps).toBe(0);
    await append(5, { seq: 5, type: 'change.model', at: 1, change: {} });
    await r.delivery(5);
    expect(gaps).toBe(1);
    expect(seen.map((e) => e.seq)).toEqual([1, 2, 5]);
  });

  it('resolves writes whose event never comes after the wait, each on its own deadline', async () => {
    const { r } = await reader(60);
    const started = performance.now();
    const early = r.delivery(100).then(() => performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 150));
    const late = r.delivery(101).then(() => performance.now() - started);
    const [a, b] = await Promise.all([early, late]);
    expect(a).toBeGreaterThanOrEqual(55);
    expect(b).toBeGreaterThanOrEqual(205);
    expect(b - a).toBeGreaterThan(50); // the first did not wait for the second's deadline
  });
});
