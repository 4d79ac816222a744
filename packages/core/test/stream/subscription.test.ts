import { describe, expect, it } from 'vitest';
import type { Activity } from '@activityd/protocol';
import { SYSTEM, type ResetItem, type StreamFilterInput } from '../../src/index.js';
import { FakeSink, settle, streamHub, summaryOf, user } from './stream-fixture.js';

// A Subscription through the registry, with a fake transport: what it sends, in what order, from
// which cursor, filtered and bounded; and that stopping it releases everything.

describe('Subscription: live, replay and reset', () => {
  it('without a cursor streams live events from now, each once, as the same objects the log holds', async () => {
    const s = await streamHub();
    const before = await s.create();
    const sink = new FakeSink();
    const { seq } = await s.hub.streams.subscribe(SYSTEM, {}, sink);
    expect(seq).toBe(before.seq);
    expect(sink.openedSeq).toBe(seq);
    expect(sink.items).toEqual([]);
    const a = await s.create();
    await s.progress(a.id, 10);
    await s.complete(a.id);
    await s.progress(before.id, 5);
    const log = await s.logAfter(seq);
    expect(log).toHaveLength(4);
    expect(sink.items).toEqual(log);
    sink.items.forEach((item, i) => expect(item).toBe(log[i]));
  });

  it('with `since` replays every missed event exactly once, in order, updates included, then live ones', async () => {
    const s = await streamHub();
    const a = await s.create();
    const b = await s.create();
    const since = await s.lastSeq();
    for (let p = 10; p <= 50; p += 10) await s.progress(a.id, p);
    await s.progress(b.id, 5);
    await s.complete(a.id);
    const missed = await s.logAfter(since);
    expect(missed).toHaveLength(7);
    const sink = new FakeSink();
    const { seq } = await s.hub.streams.subscribe(SYSTEM, {}, sink, since);
    expect(seq).toBe(since);
    expect(sink.openedSeq).toBe(since);
    // A subscriber that keeps up is sent every update: conflation is only for one that falls behind.
    expect(sink.summary).toEqual(summaryOf(missed));
    await s.progress(b.id, 6);
    expect(sink.seqs).toEqual([...missed.map((e) => e.seq), await s.lastSeq()]);

    const fromZero = new FakeSink();
    await s.hub.streams.subscribe(SYSTEM, {}, fromZero, 0);
    expect(fromZero.items).toEqual(await s.logAfter(0));
  });

  it('a cursor older than the log gets one reset with the visible activities, then live events; the oldest kept cursor replays', async () => {
    const s = await streamHub({ eventLogSize: 5 });
    const a = await s.create();
    const b = await s.create();
    const c = await s.create();
    await s.progress(a.id, 10);
    await s.complete(b.id);
    await s.progress(c.id, 20);
    await s.progress(c.id, 30);
    const { first, last } = await s.hub.logBounds();
    expect([first, last]).toEqual([3, 7]);
    const sink = new FakeSink();
    const { seq } = await s.hub.streams.subscribe(SYSTEM, {}, sink, 1);
    expect(seq).toBe(last);
    expect(sink.items).toHaveLength(1);
    const reset = sink.items[0] as ResetItem;
    expect(reset).toMatchObject({ type: 'reset', seq: last });
    const now = (await s.hub.list({ state: ['all'] }, SYSTEM)).activities;
    const byId = (list: Activity[]) => [...list].sort((x, y) => x.id.localeCompare(y.id));
    expect(byId(reset.activities)).toEqual(byId(now)); // running ones and the retained end of b
    expect(reset.activities.find((x) => x.id === b.id)?.state).toBe('completed');
    await s.progress(a.id, 11);
    expect(sink.items.slice(1)).toEqual(await s.logAfter(last));
    expect(sink.items.filter((i) => i.type === 'reset')).toHaveLength(1);

    // since = first - 1 misses nothing the log lost: a replay, not a reset.
    const oldest = (await s.hub.logBounds()).first;
    const edge = new FakeSink();
    await s.hub.streams.subscribe(SYSTEM, {}, edge, oldest - 1);
    expect(edge.items.some((i) => i.type === 'reset')).toBe(false);
    expect(edge.items).toEqual(await s.logAfter(oldest - 1));
    expect(edge.items).toHaveLength(5);
  });

  it('a cursor ahead of the log also gets a reset, at the latest seq', async () => {
    const s = await streamHub();
    const a = await s.create();
    const sink = new FakeSink();
    const { seq } = await s.hub.streams.subscribe(SYSTEM, {}, sink, a.seq + 100);
    expect(seq).toBe(a.seq);
    expect(sink.items).toEqual([{ type: 'reset', seq: a.seq, activities: [a] }]);
    const current = new FakeSink();
    await s.hub.streams.subscribe(SYSTEM, {}, current, a.seq); // exactly at the head: nothing to replay, no reset
    expect(current.items).toEqual([]);
  });

  it('events written while the subscription starts (between bounds, replay pages) are neither lost nor sent twice', async () => {
    const s = await streamHub();
    await s.create({ title: 'before' });
    const since = await s.lastSeq();
    await s.create({ title: 'missed 1' });
    await s.create({ title: 'missed 2' });
    const { hub } = s;
    const a = await s.create({ title: 'missed 3' });
    const logBounds = hub.logBounds.bind(hub);
    const readLog = hub.readLog.bind(hub);
    // Written after the bounds are read: in the log the replay reads *and* delivered live.
    hub.logBounds = async () => {
      const bounds = await logBounds();
      await s.create({ title: 'after bounds 1' });
      await s.create({ title: 'after bounds 2' });
      return bounds;
    };
    // Written after the replay read its page: delivered live only.
    let reads = 0;
    hub.readLog = async (after, limit) => {
      const page = await readLog(after, limit);
      if (reads++ === 0) {
        await s.create({ title: 'after page 1' });
        await hub.update(a.id, { title: 'after page 2' }, SYSTEM);
        await hub.update(a.id, { title: 'after page 3' }, SYSTEM); // the same activity again: not conflated
      }
      return page;
    };
    const sink = new FakeSink();
    await hub.streams.subscribe(SYSTEM, {}, sink, since);
    await s.create({ title: 'live' });
    const titles = sink.items.map((i) => ('activity' in i ? i.activity.title : i.type));
    expect(titles).toEqual(['missed 1', 'missed 2', 'missed 3', 'after bounds 1', 'after bounds 2', 'after page 1', 'after page 2', 'after page 3', 'live']);
    expect(sink.items).toEqual(await s.logAfter(since));
  });

  it('events written while a reset snapshot is read: stale copies skipped, newer ones sent', async () => {
    const s = await streamHub({ eventLogSize: 2 });
    const a = await s.create();
    const b = await s.create();
    await s.progress(b.id, 1);
    await s.progress(b.id, 2);
    const last = await s.lastSeq();
    const { hub } = s;
    const list = hub.list.bind(hub);
    let d: Activity | undefined;
    hub.list = async (request, who) => {
      await s.progress(a.id, 50); // newer than `last`, and in the snapshot
      d = await s.create({ title: 'd' });
      const page = await list(request, who);
      await s.progress(a.id, 60); // after the snapshot: must follow it
      return page;
    };
    const sink = new FakeSink();
    const { seq } = await hub.streams.subscribe(SYSTEM, {}, sink, 1);
    expect(seq).toBe(last);
    const reset = sink.items[0] as ResetItem;
    expect(reset.type).toBe('reset');
    expect(reset.activities.find((x) => x.id === a.id)?.progress).toBe(50);
    expect(reset.activities.map((x) => x.id)).toContain(d!.id);
    expect(sink.items.slice(1).map((i) => 'activity' in i && [i.type, i.activity.id, i.activity.progress])).toEqual([['activity.updated', a.id, 60]]);
  });

  it('a replay larger than the transport takes waits for drained() and then completes, every event once', async () => {
    const s = await streamHub();
    const since = await s.lastSeq();
    for (let i = 0; i < 1_200; i++) await s.create({ title: `n${i}` });
    const sink = new FakeSink();
    sink.writable = false;
    let done = false;
    const subscribed = s.hub.streams.subscribe(SYSTEM, {}, sink, since).then((r) => {
      done = true;
      return r;
    });
    await settle();
    // The transport got the subscription before the first send, so its drain can reach it mid-replay.
    expect(sink.subscription).toBeDefined();
    expect(done).toBe(false);
    expect(sink.items.length).toBeLessThan(1_200);
    for (let rounds = 0; !done && rounds < 100; rounds++) {
      sink.writable = true;
      sink.subscription!.drained();
      sink.writable = false;
      await settle();
    }
    expect(done).toBe(true);
    expect((await subscribed).seq).toBe(since);
    sink.writable = true;
    sink.subscription!.drained(); // what the last page left waiting
    expect(sink.items).toEqual(await s.logAfter(since));
    expect(s.hub.streams.buffered).toBe(0);
  });
});

describe('Subscription: filters and access', () => {
  /** Subscribes one sink per filter, then makes traffic; answers each sink's events as `[type, name]`. */
  async function run(filters: Record<string, StreamFilterInput>, who = SYSTEM) {
    const s = await streamHub();
    const sinks = Object.fromEntries(await Promise.all(Object.entries(filters).map(async ([k, f]) => {
      const sink = new FakeSink();
      await s.hub.streams.subscribe(who, f, sink);
      return [k, sink] as const;
    })));
    const names = new Map<string, string>();
    const make = async (name: string, spec: Parameters<typeof s.create>[0]) => {
      const x = await s.create(spec);
      names.set(x.id, name);
      return x;
    };
    const p = await make('P', { type: 'batch' });
    await s.complete(p.id); // an ended parent: its children roll nothing up
    const m1 = await make('m1', { type: 'media.transcode', owner: 5, groups: ['g1'], parentId: p.id });
    const m2 = await make('m2', { type: 'media.scan', owner: 6, groups: ['g2'] });
    const l1 = await make('l1', { type: 'library.update.section', parentId: p.id, groups: ['g1'] });
    const x8 = await make('x8', { type: 'media.transcode', owner: 8, groups: [] });
    await s.progress(m1.id, 50);
    await s.progress(l1.id, 10);
    await s.complete(m2.id);
    await s.hub.fail(l1.id, { message: 'boom' }, SYSTEM);
    await s.progress(m1.id, 60);
    await s.hub.cancel(x8.id, SYSTEM);
    await settle();
    const out: Record<string, string[]> = {};
    for (const [k, sink] of Object.entries(sinks)) out[k] = sink.items.map((i) => `${i.type.slice(9)} ${'activity' in i ? names.get(i.activity.id) : '?'}`);
    return { s, out };
  }

  it('id, type (exact and `media.*`), state (an end passes `running`), owner, parentId, and their combination', async () => {
    const { out } = await run({
      all: {},
      id: { id: ['m1'] }, // replaced below: ids are known only once made
      media: { type: ['media.*'] },
      scan: { type: ['media.scan'] },
      bare: { type: ['media'] },
      running: { state: ['running'] },
      active: { state: ['active'] },
      completed: { state: ['completed'] },
      failedOrCancelled: { state: ['failed', 'cancelled'] },
      ended: { state: ['ended'] },
      owner5: { owner: [5] },
      owner6: { owner: ['6'] },
      mediaRunning: { type: ['media.*'], state: ['running'] },
    });
    expect(out.all).toEqual([
      'started P', 'ended P', 'started m1', 'started m2', 'started l1', 'started x8',
      'updated m1', 'updated l1', 'ended m2', 'ended l1', 'updated m1', 'ended x8',
    ]);
    expect(out.id).toEqual([]); // no activity has the id 'm1'
    expect(out.media).toEqual(['started m1', 'started m2', 'started x8', 'updated m1', 'ended m2', 'updated m1', 'ended x8']);
    expect(out.scan).toEqual(['started m2', 'ended m2']);
    expect(out.bare).toEqual([]);
    const runningWithEnds = ['started P', 'ended P', 'started m1', 'started m2', 'started l1', 'started x8', 'updated m1', 'updated l1', 'ended m2', 'ended l1', 'updated m1', 'ended x8'];
    expect(out.running).toEqual(runningWithEnds);
    expect(out.active).toEqual(runningWithEnds);
    expect(out.completed).toEqual(['ended P', 'ended m2']);
    expect(out.failedOrCancelled).toEqual(['ended l1', 'ended x8']);
    expect(out.ended).toEqual(['ended P', 'ended m2', 'ended l1', 'ended x8']);
    expect(out.owner5).toEqual(['started m1', 'updated m1', 'updated m1']);
    expect(out.owner6).toEqual(['started m2', 'ended m2']);
    expect(out.mediaRunning).toEqual(['started m1', 'started m2', 'started x8', 'updated m1', 'ended m2', 'updated m1', 'ended x8']);
  });

  it('id and parentId select by the real ids', async () => {
    const s = await streamHub();
    const p = await s.create({ type: 'batch' });
    await s.complete(p.id);
    const c1 = await s.create({ parentId: p.id });
    const c2 = await s.create();
    const byId = new FakeSink();
    const byParent = new FakeSink();
    const both = new FakeSink();
    await s.hub.streams.subscribe(SYSTEM, { id: [c1.id] }, byId);
    await s.hub.streams.subscribe(SYSTEM, { parentId: [p.id] }, byParent);
    await s.hub.streams.subscribe(SYSTEM, { id: [c1.id, c2.id] }, both);
    await s.progress(c1.id, 1);
    await s.progress(c2.id, 2);
    const c3 = await s.create({ parentId: p.id });
    await s.complete(c1.id);
    await settle();
    expect(byId.summary.map(([, t, id]) => [t, id])).toEqual([['activity.updated', c1.id], ['activity.ended', c1.id]]);
    expect(byParent.summary.map(([, t, id]) => [t, id])).toEqual([['activity.updated', c1.id], ['activity.started', c3.id], ['activity.ended', c1.id]]);
    expect(both.summary.map(([, t, id]) => [t, id])).toEqual([['activity.updated', c1.id], ['activity.updated', c2.id], ['activity.ended', c1.id]]);
  });

  it('bad filters are a coded 400 and register nothing', async () => {
    const s = await streamHub();
    for (const f of [{ state: ['bogus'] }, { owner: ['x'] }, { owner: ['-1'] }] as StreamFilterInput[]) {
      await expect(s.hub.streams.subscribe(SYSTEM, f, new FakeSink())).rejects.toMatchObject({ code: 'ACT_ERR_VALIDATION' });
    }
    expect(s.hub.streams.size).toBe(0);
    expect(s.eventListeners()).toBe(0);
  });

  it('a non-admin sees only what canSee allows, live, replayed and in a reset; without `read` it may not subscribe', async () => {
    const s = await streamHub({ eventLogSize: 3 });
    const alice = user(7, ['g1']);
    const live = new FakeSink();
    await s.hub.streams.subscribe(alice, {}, live);
    const since = await s.lastSeq();
    const own = await s.create({ title: 'own', owner: 7, groups: [] });
    const shared = await s.create({ title: 'shared', owner: 9, groups: ['g1'] });
    const other = await s.create({ title: 'other', owner: 9, groups: ['g2'] });
    const nobody = await s.create({ title: 'nobody', owner: null, groups: [] });
    for (const x of [own, shared, other, nobody]) await s.progress(x.id, 1);
    const visible = new Set([own.id, shared.id]);
    expect(live.items.length).toBe(4);
    expect(live.items.every((i) => 'activity' in i && visible.has(i.activity.id))).toBe(true);
    // Asking for an invisible id does not widen what it sees.
    const sneaky = new FakeSink();
    await s.hub.streams.subscribe(alice, { id: [other.id, own.id] }, sneaky);
    await s.progress(other.id, 2);
    await s.progress(own.id, 2);
    expect(sneaky.summary.map(([, , id]) => id)).toEqual([own.id]);
    // The log kept 3 events: a reset, listing only visible activities.
    const late = new FakeSink();
    await s.hub.streams.subscribe(alice, {}, late, since);
    expect((late.items[0] as ResetItem).activities.map((x) => x.id).sort()).toEqual([...visible].sort());
    await expect(s.hub.streams.subscribe(user(7, ['g1'], ['report']), {}, new FakeSink())).rejects.toMatchObject({ code: 'ACT_ERR_FORBIDDEN' });
  });
});

describe('Subscription: bounds and release', () => {
  it('a full transport gets the latest state per activity when it drains, and every end', async () => {
    const s = await streamHub({ streamLimits: { maxPending: 5 } });
    const sink = new FakeSink();
    const { subscription } = await s.hub.streams.subscribe(SYSTEM, {}, sink);
    sink.writable = false;
    const a = await s.create();
    const b = await s.create();
    for (let p = 1; p <= 100; p++) {
      await s.progress(a.id, p);
      await s.progress(b.id, p);
    }
    await s.complete(b.id);
    expect(sink.closes).toEqual([]); // 202 events, never more than 5 waiting
    expect(s.hub.streams.buffered).toBe(3);
    sink.writable = true;
    subscription.drained();
    expect(sink.items.map((i) => 'activity' in i && [i.type, i.activity.id, i.activity.progress])).toEqual([
      ['activity.started', a.id, null], ['activity.started', b.id, null], ['activity.updated', a.id, 100], ['activity.ended', b.id, 100],
    ]);
    expect(s.hub.streams.buffered).toBe(0);
  });

  it('past the hard limit it is closed as too_slow with the seq of the last event sent, and released', async () => {
    const s = await streamHub({ streamLimits: { maxPending: 5 } });
    const sink = new FakeSink();
    await s.hub.streams.subscribe(SYSTEM, {}, sink);
    sink.writable = false;
    const first = await s.create();
    for (let i = 0; i < 5; i++) await s.create();
    expect(sink.closes).toEqual([]);
    expect(s.hub.streams.buffered).toBe(5);
    await s.create(); // the sixth waiting event
    expect(sink.closes).toEqual([{ code: 'too_slow', reason: expect.stringContaining('5'), seq: first.seq }]);
    expect(sink.items).toEqual([expect.objectContaining({ seq: first.seq })]);
    expect(s.hub.streams.size).toBe(0);
    expect(s.hub.streams.buffered).toBe(0);
    expect(s.eventListeners()).toBe(0);
    await s.create();
    expect(sink.items).toHaveLength(1);
    expect(sink.closes).toHaveLength(1);
  });

  it('stop() releases the subscription, its buffer and, with the last one, the hub listener; hub.stop() closes as draining', async () => {
    const s = await streamHub();
    const baseline = s.eventListeners();
    const sinks = [new FakeSink(), new FakeSink(), new FakeSink()];
    const subs = [];
    for (const sink of sinks) subs.push((await s.hub.streams.subscribe(SYSTEM, {}, sink)).subscription);
    expect(s.hub.streams.size).toBe(3);
    expect(s.eventListeners()).toBe(baseline + 1); // one hub listener for all subscribers
    sinks[0]!.writable = false;
    const a = await s.create();
    await s.create();
    expect(s.hub.streams.buffered).toBe(1);
    subs[0]!.stop();
    subs[1]!.stop();
    expect(s.hub.streams.size).toBe(1);
    expect(s.hub.streams.buffered).toBe(0);
    expect(s.eventListeners()).toBe(baseline + 1);
    await s.progress(a.id, 5);
    expect(sinks.map((x) => x.items.length)).toEqual([1, 2, 3]);
    expect(sinks[0]!.closes).toEqual([]); // stop() does not tell the transport
    await s.hub.stop();
    expect(sinks[2]!.closes).toEqual([{ code: 'draining', reason: expect.any(String), seq: await s.lastSeq() }]);
    expect(s.hub.streams.size).toBe(0);
    expect(s.eventListeners()).toBe(baseline);
  });
});
