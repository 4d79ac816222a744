import { isActivityEvent, type ActivityEvent, type HubEvent } from '@activityd/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ActivityHub, SYSTEM } from '@activityd/core';
import { EventRebuilder } from '../src/event-rebuilder.js';
import { RecentActivities } from '../src/recent-activities.js';
import { decodeEntries, type Entry, type RawEntry } from '../src/stream-items.js';
import { redisAvailable, until, writerNode, type Cleanups, type redisFixture } from './redis-fixture.js';

// A progress update reaches the stream as a plain item (only the live fields): every node, and every
// replay, must make the same whole event of it, wherever the document it was built on now lives.
const available = await redisAvailable('Redis delta rebuild');
const quiet = { info() {}, warn() {}, error() {} };

const cleanups: Cleanups = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});


const node = (options: { recentActivities?: number } = {}) => writerNode(cleanups, options);

/** Another node on the same prefix, recording what it dispatches. */
async function otherNode(fixture: ReturnType<typeof redisFixture>, options: { recentActivities?: number } = {}) {
  const hub = new ActivityHub({ store: fixture.make(options), nodeId: 'other' });
  const events: ActivityEvent[] = [];
  hub.on('event', (e) => isActivityEvent(e) && events.push(e));
  await hub.start();
  cleanups.push(() => hub.stop());
  return { hub, events };
}

const activityOnly = (events: HubEvent[]) => events.filter(isActivityEvent);

describe.runIf(available)('plain stream items become whole events', () => {
  it('a progress update is a plain item in the stream, one entry per script call', async () => {
    const { hub, redis, keys } = await node();
    const a = await hub.create({ type: 'upload', title: 'big file', context: { part: 1 } }, SYSTEM);
    await hub.update(a.id, { progress: 10 }, SYSTEM);
    const entries = await redis.xrange(keys.events, '-', '+') as Entry[];
    const items = decodeEntries(entries, 0);
    expect(items.map((i) => Object.keys(i).sort())).toEqual([
      ['activity', 'at', 'seq', 'type'], ['d', 'id', 'live', 'seq']]);
    expect(items[1]).toMatchObject({ id: a.id, d: a.seq, live: { progress: 10 } });
    // The hash keeps the document of the create and the live fields since: `get` sees both.
    expect(await hub.get(a.id, SYSTEM)).toMatchObject({ title: 'big file', context: { part: 1 }, progress: 10 });
  });

  it('a node that keeps no copies rebuilds every event from the hash, equal to the writer\'s', async () => {
    const { fixture, hub, events } = await node();
    const other = await otherNode(fixture, { recentActivities: 0 });
    const withCopies = await otherNode(fixture);
    const a = await hub.create({ type: 'upload' }, SYSTEM);
    for (let i = 1; i <= 5; i++) await hub.update(a.id, { progress: i * 10, subtitle: i % 2 ? `part ${i}` : undefined }, SYSTEM);
    await hub.update(a.id, { title: 'renamed' }, SYSTEM);
    await hub.update(a.id, { progress: 70 }, SYSTEM);
    await hub.complete(a.id, { ok: true }, SYSTEM);
    await until(() => other.events.length === 9 && events.length === 9 && withCopies.events.length === 9);
    expect(other.events).toEqual(events);
    // The same text too, key order included, whether rebuilt from the hash or from a copy.
    const texts = events.map((e) => JSON.stringify(e));
    expect(other.events.map((e) => JSON.stringify(e))).toEqual(texts);
    expect(withCopies.events.map((e) => JSON.stringify(e))).toEqual(texts);
    expect(events.map((e) => e.activity.progress)).toEqual([null, 10, 20, 30, 40, 50, 50, 70, 100]);
    expect(events[7]!.activity).toMatchObject({ title: 'renamed', subtitle: 'part 5', progress: 70 });
  });

  it('a stale copy (built on an older document) is never used: the hash gives the right one', async () => {
    const { hub, redis, keys } = await node();
    const a = await hub.create({ type: 'upload', title: 'old title' }, SYSTEM);
    const recent = new RecentActivities(10);
    recent.keep(a, null, a.seq);
    await hub.update(a.id, { title: 'new title' }, SYSTEM); // a full write: a new document
    const updated = await hub.update(a.id, { progress: 40 }, SYSTEM); // a plain item on it
    const entries = await redis.xrange(keys.events, `${updated.seq}-0`, '+') as Entry[];
    const rebuilt = await new EventRebuilder(redis, keys, recent, quiet).events(decodeEntries(entries, updated.seq - 1), true);
    expect(rebuilt).toEqual([{ seq: updated.seq, type: 'activity.updated', at: updated.updatedAt, activity: updated }]);
    expect(recent.lookup(a.id)).toMatchObject({ title: 'new title', progress: 40, seq: updated.seq });
  });

  it('the live reader reads plain items from the bytes of the read, the same events as from its text', async () => {
    const { hub, events, redis, keys } = await node();
    const created = await Promise.all([1, 2, 3].map((i) => hub.create({ type: 'upload', title: `n${i}` }, SYSTEM)));
    const reader = () => {
      const recent = new RecentActivities(10);
      for (const a of created) recent.keep(a, null, a.seq);
      return { recent, rebuilder: new EventRebuilder(redis, keys, recent, quiet) };
    };
    const [bytes, text] = [reader(), reader()];
    const read = async (after: number) => {
      const raw = await redis.xrangeBuffer(keys.events, `${after + 1}-0`, '+') as RawEntry[];
      const parse = vi.spyOn(JSON, 'parse');
      const live = await bytes.rebuilder.live(raw, after);
      const parsed = parse.mock.calls.length;
      parse.mockRestore();
      const expected = await text.rebuilder.events(decodeEntries(await redis.xrange(keys.events, `${after + 1}-0`, '+') as Entry[], after), true);
      expect(live).toEqual(expected);
      expect(live.map((e) => JSON.stringify(e))).toEqual(expected.map((e) => JSON.stringify(e)));
      return { live, parsed };
    };
    // Plain items only, on documents both readers hold: read from the bytes, no JSON.parse.
    const first = events.length;
    await Promise.all(created.map((a, i) => hub.update(a.id, { progress: 10 + i / 3, subtitle: i === 1 ? 'part 2 — ✓' : undefined }, SYSTEM)));
    await Promise.all(created.map((a, i) => hub.update(a.id, { progress: 20 + i }, SYSTEM)));
    await until(() => events.length === first + 6);
    const plain = await read(events[first - 1]!.seq);
    expect(plain.live).toEqual(events.slice(first));
    expect(plain.parsed).toBe(0);
    expect(bytes.recent.lookup(created[1]!.id)).toMatchObject({ subtitle: 'part 2 — ✓', progress: 21, seq: events.at(-1)!.seq - 1 });
    // An escaped subtitle, and a full write among the plain items: parsed as text, the same events.
    const next = events.length;
    await hub.update(created[0]!.id, { progress: 30, subtitle: 'a "quoted" word' }, SYSTEM);
    await hub.update(created[1]!.id, { title: 'renamed' }, SYSTEM);
    await hub.update(created[1]!.id, { progress: 40 }, SYSTEM);
    await until(() => events.length === next + 3);
    const mixed = await read(events[next - 1]!.seq);
    expect(mixed.live).toEqual(events.slice(next));
    expect(mixed.parsed).toBeGreaterThan(0);
  });

  it('the live reader never builds on a copy of an older document, found by its document seq or not', async () => {
    const { hub, redis, keys } = await node();
    const a = await hub.create({ type: 'upload', title: 'old title' }, SYSTEM);
    const recent = new RecentActivities(10);
    recent.keep(a, null, a.seq);
    const rebuilder = new EventRebuilder(redis, keys, recent, quiet);
    const onOld = await hub.update(a.id, { progress: 10 }, SYSTEM);
    const raw = (after: number) => redis.xrangeBuffer(keys.events, `${after + 1}-0`, '+') as Promise<RawEntry[]>;
    expect(await rebuilder.live(await raw(a.seq), a.seq)).toEqual([{ seq: onOld.seq, type: 'activity.updated', at: onOld.updatedAt, activity: onOld }]);
    // Another node's full write (a new document) this node has not seen, then a plain item on it.
    await hub.update(a.id, { title: 'new title' }, SYSTEM);
    const onNew = await hub.update(a.id, { progress: 40 }, SYSTEM);
    expect(await rebuilder.live(await raw(onNew.seq - 1), onNew.seq - 1)).toEqual([{ seq: onNew.seq, type: 'activity.updated', at: onNew.updatedAt, activity: onNew }]);
    expect(recent.lookup(a.id)).toMatchObject({ title: 'new title', progress: 40, seq: onNew.seq });
  });

  it('the live reader does not take a copy found by document seq once it moved to a later document', async () => {
    const { hub, events, redis, keys } = await node();
    const a = await hub.create({ type: 'upload', title: 'first' }, SYSTEM);
    const recent = new RecentActivities(10);
    recent.keep(a, null, a.seq);
    const rebuilder = new EventRebuilder(redis, keys, recent, quiet);
    const p1 = await hub.update(a.id, { progress: 10 }, SYSTEM);
    const p2 = await hub.update(a.id, { progress: 20 }, SYSTEM);
    await until(() => events.length === 3);
    const one = async (seq: number) => await rebuilder.live(await redis.xrangeBuffer(keys.events, `${seq}-0`, `${seq}-0`) as RawEntry[], seq - 1);
    expect(await one(p1.seq)).toEqual([events[1]]);
    // This node's own full write comes back before its reader reaches p2: its copy is on a new document.
    recent.keep({ ...p2, title: 'renamed', seq: p2.seq + 1 }, null, p2.seq + 1);
    expect(await one(p2.seq)).toEqual([events[2]]);
  });

  it('a copy this node replaces while a rebuild awaits a fetch still serves the items read before', async () => {
    const { hub, events, redis, keys } = await node();
    const x = await hub.create({ type: 'upload' }, SYSTEM);
    const xPlain = await hub.update(x.id, { progress: 10 }, SYSTEM);
    const y = await hub.create({ type: 'upload' }, SYSTEM);
    const yPlain = await hub.update(y.id, { progress: 20 }, SYSTEM);
    await until(() => events.length === 4);
    const entries = [xPlain.seq, yPlain.seq].map((seq) => redis.xrange(keys.events, `${seq}-0`, `${seq}-0`) as Promise<Entry[]>);
    const items = decodeEntries((await Promise.all(entries)).flat(), 0);
    const recent = new RecentActivities(10);
    recent.keep(xPlain, null, x.seq); // y has no copy: fetched
    const rebuilt = new EventRebuilder(redis, keys, recent, quiet).events(items, true);
    // Meanwhile this node's own full write of x comes back: a new document.
    recent.keep({ ...xPlain, title: 'renamed', seq: yPlain.seq + 1 }, null, yPlain.seq + 1);
    expect(await rebuilt).toEqual([events[1], events[3]]);
  });

  it('with the hash moved on and the document trimmed away, the next full write\'s prev rebuilds it', async () => {
    const { hub, events, redis, keys } = await node();
    const a = await hub.create({ type: 'upload', title: 'first' }, SYSTEM);
    await hub.update(a.id, { progress: 10 }, SYSTEM);
    const plain = await hub.update(a.id, { progress: 20 }, SYSTEM);
    await hub.update(a.id, { title: 'second' }, SYSTEM);
    await hub.update(a.id, { progress: 30 }, SYSTEM);
    await hub.complete(a.id, {}, SYSTEM);
    await until(() => events.length === 6);
    // The create (the plain items' document) is gone from the stream, the hash holds the end's.
    await redis.xtrim(keys.events, 'MINID', plain.seq);
    const fresh = () => new EventRebuilder(redis, keys, new RecentActivities(10), quiet);
    // The plain item alone: the document is found by reading on to the next full write.
    const alone = await redis.xrange(keys.events, `${plain.seq}-0`, `${plain.seq}-0`) as Entry[];
    expect(await fresh().events(decodeEntries(alone, 0), false)).toEqual([events[2]]);
    const entries = await redis.xrange(keys.events, '-', '+') as Entry[];
    expect(await fresh().events(decodeEntries(entries, 0), false)).toEqual(events.slice(2));
  });

  it('with the hash moved on, the full item that wrote the document rebuilds it while the stream holds it', async () => {
    const { hub, events, redis, keys } = await node();
    const a = await hub.create({ type: 'upload', title: 'first' }, SYSTEM);
    await hub.update(a.id, { progress: 10 }, SYSTEM);
    await hub.cancel(a.id, SYSTEM);
    await until(() => events.length === 3);
    const fresh = new EventRebuilder(redis, keys, new RecentActivities(10), quiet);
    const plain = events[1]!.seq;
    const alone = await redis.xrange(keys.events, `${plain}-0`, `${plain}-0`) as Entry[];
    expect(await fresh.events(decodeEntries(alone, 0), false)).toEqual([events[1]]);
  });

  it('replay from any cursor, on any node, gives the events live subscribers got', async () => {
    const { fixture, hub, events } = await node();
    const other = await otherNode(fixture);
    const ids = await Promise.all([1, 2, 3].map((i) => hub.create({ type: 'upload', title: `n${i}` }, SYSTEM).then((x) => x.id)));
    await Promise.all(ids.flatMap((id, i) => [other.hub.update(id, { progress: i }, SYSTEM), hub.update(id, { progress: 50 + i }, SYSTEM)]));
    await other.hub.update(ids[0]!, { context: { step: 'two' } }, SYSTEM);
    await Promise.all(ids.map((id, i) => hub.update(id, { progress: 60 + i, subtitle: 'late' }, SYSTEM)));
    await other.hub.cancel(ids[1]!, SYSTEM);
    const total = 3 + 6 + 1 + 3 + 1;
    await until(() => events.length === total && other.events.length === total);
    expect(other.events).toEqual(events);
    const replayer = fixture.make();
    await replayer.open();
    for (const cursor of [0, events[3]!.seq, events[9]!.seq, events.at(-2)!.seq]) {
      expect(activityOnly(await replayer.eventsAfter(cursor, 1_000))).toEqual(events.filter((e) => e.seq > cursor));
    }
    expect(activityOnly(await replayer.eventsAfter(events[4]!.seq, 3))).toEqual(events.slice(5, 8));
  });

  it('under contention from three nodes, every node dispatches every event, the same, and replay gives them too', async () => {
    const { fixture, hub, events } = await node();
    const others = [await otherNode(fixture), await otherNode(fixture)];
    const hubs = [hub, ...others.map((o) => o.hub)];
    const pick = (i: number) => hubs[i % 3]!;
    // Full writes (title changes, ends) land among plain ones from other nodes, so a node's own write
    // often replaces its copy while its reader still has older items of the activity to rebuild.
    await Promise.all(Array.from({ length: 6 }, async (_, k) => {
      for (let round = 0; round < 3; round++) {
        const { id } = await pick(k + round).create({ type: 'upload' }, SYSTEM);
        await Promise.allSettled(Array.from({ length: 12 }, (_, p) =>
          pick(k + p).update(id, { progress: p * 8, ...(p % 5 === 0 ? { title: `t${p}` } : {}) }, SYSTEM)));
        await Promise.allSettled([pick(k + round + 1).cancel(id, SYSTEM), pick(k + round + 2).update(id, { progress: 99 }, SYSTEM)]);
      }
    }));
    const replayer = fixture.make();
    await replayer.open();
    const written = (await replayer.logBounds()).last;
    const all = [events, ...others.map((o) => o.events)];
    await until(() => all.every((e) => e.at(-1)?.seq === written), 5_000);
    for (const e of all) expect(e).toEqual(events);
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: events.length }, (_, i) => events[0]!.seq + i));
    expect(activityOnly(await replayer.eventsAfter(0, 5_000))).toEqual(events);
  });
});
