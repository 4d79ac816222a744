import { afterEach, describe, expect, it } from 'vitest';
import type { HubEvent } from '@activityd/protocol/types';
import { Redis } from 'ioredis';
import { EventReader } from '../src/event-reader.js';
import { decodeEntries, isEvent, textEntries } from '../src/stream-items.js';
import { REDIS_URL, deletePrefix, redisAvailable, sleep, testPrefix, until } from './redis-fixture.js';

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
  // Whole events in entries of their own (what change-feed writes append), and full items of write-many entries.
  const decode = (entries: Parameters<typeof textEntries>[0], after: number): HubEvent[] =>
    decodeEntries(textEntries(entries), after).flatMap((item) => (isEvent(item) ? [item.event]
      : 'type' in item ? [{ seq: item.seq, type: item.type, at: item.at, activity: item.activity }] : []));
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
  // A write-many entry (field 'b'); the text is never parsed when this node holds all its events.
  const appendBatch = (lastSeq: number, text: string) => writer.xadd(stream, `${lastSeq}-0`, 'b', text);
  return { r, seen, append, appendBatch };
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

  it('dispatches an entry of this node\'s own writes from the objects it remembered, without parsing it', async () => {
    const { r, seen, append, appendBatch } = await reader(5_000);
    const mine = (seq: number) => ({ seq, type: 'activity.updated', at: 1, activity: { id: `a${seq}` } }) as unknown as HubEvent;
    const [two, three, five] = [mine(2), mine(3), mine(5)];
    r.remember(two);
    r.remember(three);
    await append(1, { seq: 1, type: 'change.model', at: 1, change: {} });
    // Not JSON: reading it back would break the reader.
    await appendBatch(3, 'written by this node');
    r.remember(five);
    await append(4, { seq: 4, type: 'change.model', at: 1, change: {} });
    await appendBatch(5, 'written by this node');
    await r.delivery(5);
    expect(seen.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(seen[1]).toBe(two);
    expect(seen[2]).toBe(three);
    expect(seen[4]).toBe(five);
  });

  it('reads an entry back when it holds a seq this node did not remember', async () => {
    const { r, seen, append, appendBatch } = await reader(5_000);
    const full = (seq: number) => ({ seq, type: 'activity.updated', at: 1, activity: { id: `a${seq}`, seq } });
    const ours = full(2) as unknown as HubEvent;
    r.remember(ours);
    await append(1, { seq: 1, type: 'change.model', at: 1, change: {} });
    await appendBatch(3, JSON.stringify([full(2), full(3)]));
    await r.delivery(3);
    expect(seen.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(seen[1]).toBe(ours);
    expect(seen[2]).toEqual(full(3));
  });

  it('while this node\'s write calls are in flight it reads no stream: an answer dispatches the call\'s events, or a read when another node wrote in between', async () => {
    const { r, seen, append, appendBatch } = await reader(5_000);
    const mine = (seq: number) => ({ seq, type: 'activity.updated', at: 1, activity: { id: `a${seq}` } }) as unknown as HubEvent;
    let reads = 0;
    const call = r.connection.callBuffer.bind(r.connection);
    r.connection.callBuffer = ((...args: Parameters<typeof call>) => {
      if (args[0] === 'XREAD') reads++;
      return call(...args);
    }) as typeof call;
    await append(1, { seq: 1, type: 'change.model', at: 1, change: {} });
    await until(() => seen.length === 1);
    await sleep(50);
    const readsBefore = reads;
    // Two calls in flight: answering one leaves the loop waiting for the other.
    r.callSent();
    r.callSent();
    const [two, three] = [mine(2), mine(3)];
    r.remember(two);
    r.remember(three);
    // Not JSON: parsing it would break the reader. The read already waiting returns with it, and
    // waits for the answers of the calls in flight rather than handling it first.
    await appendBatch(3, 'written by this node');
    await sleep(50);
    expect(seen).toHaveLength(1);
    r.callAnswered({ first: 1, last: 3 });
    await until(() => seen.length === 3);
    expect(seen[1]).toBe(two);
    expect(seen[2]).toBe(three);
    expect(reads).toBe(readsBefore);
    // Another node's entry (4) came before this node's call (5): the answer makes the loop read both,
    // once the call still in flight is answered too.
    r.callSent();
    const five = mine(5);
    r.remember(five);
    await append(4, { seq: 4, type: 'change.model', at: 1, change: {} });
    await appendBatch(5, 'written by this node');
    r.callAnswered({ first: 4, last: 5 });
    await sleep(50);
    expect(seen).toHaveLength(3);
    r.callAnswered(null);
    await until(() => seen.length === 5);
    expect(seen.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(seen[4]).toBe(five);
    expect(reads).toBeGreaterThan(readsBefore);
  });
});
