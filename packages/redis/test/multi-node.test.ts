import { isActivityEvent, type ActivityEvent, type HubEvent } from '@activityd/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { ActivityHub, CancelledSignal, newActivity, SYSTEM, type HubOptions } from '@activityd/core';
import { redisAvailable, redisFixture, sleep, until } from './redis-fixture.js';

// Several hubs on one Redis prefix are several nodes: the rules that need more than one node —
// cross-node events and cancel, exactly-once expiry, interrupting a dead node's work.
const available = await redisAvailable('Redis multi-node hubs');

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** `n` started hubs (nodes) on one fresh prefix, each recording the activity events it sees. */
async function cluster(n: number, options: Partial<HubOptions> = {}) {
  const fixture = redisFixture();
  cleanups.push(fixture.cleanup);
  const nodes: Array<{ hub: ActivityHub; events: ActivityEvent[] }> = [];
  for (let i = 0; i < n; i++) {
    const hub = new ActivityHub({ ...options, store: fixture.make(), nodeId: `node-${i}` });
    const events: ActivityEvent[] = [];
    hub.on('event', (e) => isActivityEvent(e) && events.push(e));
    await hub.start();
    cleanups.push(() => hub.stop());
    nodes.push({ hub, events });
  }
  return { fixture, nodes };
}


describe.runIf(available)('hubs on one Redis', () => {
  it('what an update returns and dispatches stays as it was through later updates, without a runner', async () => {
    const { nodes: [a, b] } = await cluster(2);
    const one = await a!.hub.create({ type: 'upload' }, SYSTEM);
    // The writing node starts each update from the record it holds in memory (`heldForUpdate`).
    const returned = [];
    for (let i = 1; i <= 5; i++) returned.push(await a!.hub.update(one.id, { progress: i * 10 }, SYSTEM));
    await until(() => a!.events.length === 6 && b!.events.length === 6);
    const seen = [...a!.events, ...b!.events].map((e) => e.activity);
    const before = structuredClone({ returned, seen });
    for (let i = 6; i <= 9; i++) await a!.hub.update(one.id, { progress: i * 10 }, SYSTEM);
    await until(() => a!.events.length === 10 && b!.events.length === 10);
    expect({ returned, seen }).toEqual(before);
    expect(returned.map((r) => r.progress)).toEqual([10, 20, 30, 40, 50]);
    for (const activity of [...returned, ...a!.events.map((e) => e.activity), ...b!.events.map((e) => e.activity)]) {
      expect(Object.keys(activity)).not.toContain('runner');
    }
  });

  it('every node sees every event, in one global seq order, whichever node wrote it', async () => {
    const { nodes: [a, b] } = await cluster(2);
    const one = await a!.hub.create({ type: 'upload' }, SYSTEM);
    await b!.hub.update(one.id, { progress: 40 }, SYSTEM);
    const two = await b!.hub.create({ type: 'media.transcode' }, SYSTEM);
    await a!.hub.complete(one.id, { ok: true }, SYSTEM);
    await until(() => a!.events.length === 4 && b!.events.length === 4);
    expect(a!.events).toEqual(b!.events);
    expect(a!.events.map((e) => [e.type, e.activity.id])).toEqual([
      ['activity.started', one.id], ['activity.updated', one.id], ['activity.started', two.id], ['activity.ended', one.id]]);
    const seqs = a!.events.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    expect(await b!.hub.get(one.id, SYSTEM)).toMatchObject({ state: 'completed', result: { ok: true } });
  });

  it('change-feed entries (one seq each) between write-many entries (a seq range each): every seq dispatched once, in order', async () => {
    const { fixture, nodes: [a, b] } = await cluster(2);
    const store = fixture.make();
    const seen: HubEvent[] = [];
    await store.open();
    store.subscribe((e) => seen.push(e));
    const change = (id: number) => ({ model: 'm', id, action: 'update', at: 1, owner: null, groups: [], writtenAt: Date.now() });
    for (let k = 0; k < 10; k++) {
      const { id } = await b!.hub.create({ type: 'upload' }, SYSTEM);
      // One turn on A: several writes share a script call while change-feed scripts INCR the seq between.
      await Promise.all([
        ...[1, 2, 3].map((p) => a!.hub.update(id, { progress: p }, SYSTEM).catch(() => null)),
        store.appendChanges([change(2 * k), change(2 * k + 1)]),
        b!.hub.update(id, { progress: 9 }, SYSTEM).catch(() => null),
      ]);
      await a!.hub.cancel(id, SYSTEM);
    }
    const { last } = await store.logBounds();
    await until(() => seen.at(-1)?.seq === last);
    expect(seen.map((e) => e.seq)).toEqual(Array.from({ length: last }, (_, i) => i + 1));
    for (const node of [a!, b!]) expect(node.events).toEqual(seen.filter(isActivityEvent));
  });

  it('updates from a node whose copy is stale (another node changed it meanwhile) keep every change', async () => {
    const { fixture, nodes: [a, b] } = await cluster(2);
    const one = await a!.hub.create({ type: 'upload' }, SYSTEM);
    await a!.hub.update(one.id, { progress: 10 }, SYSTEM); // A now holds a copy at this seq
    // B's change goes straight to the store, so A's reader may not have dropped A's copy yet.
    const viaB = fixture.make();
    await viaB.open();
    const stored = (await viaB.get(one.id))!;
    await viaB.write({ type: 'activity.updated', activity: { ...stored, subtitle: 'from B' }, expectSeq: stored.seq });
    const after = await a!.hub.update(one.id, { progress: 20 }, SYSTEM);
    expect(after).toMatchObject({ progress: 20, subtitle: 'from B' });
    await b!.hub.cancel(one.id, SYSTEM);
    await expect(a!.hub.update(one.id, { progress: 30 }, SYSTEM)).rejects.toMatchObject({ code: 'ACT_ERR_ENDED' });
    expect(await a!.hub.get(one.id, SYSTEM)).toMatchObject({ state: 'cancelled', progress: 20 });
  });

  it('writes of one turn from one node share a script call, each with its own CAS and event', async () => {
    const { nodes: [a, b] } = await cluster(2);
    const ids = await Promise.all(Array.from({ length: 20 }, () => a!.hub.create({ type: 'upload' }, SYSTEM).then((x) => x.id)));
    const results = await Promise.allSettled([
      ...ids.map((id, i) => a!.hub.update(id, { progress: i }, SYSTEM)),
      ...ids.map((id, i) => a!.hub.update(id, { progress: 50 + i }, SYSTEM)),
    ]);
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
    await until(() => b!.events.length === 60);
    const updates = b!.events.filter((e) => e.type === 'activity.updated');
    expect(updates).toHaveLength(40);
    expect(new Set(updates.map((e) => e.seq)).size).toBe(40);
    for (const [i, id] of ids.entries()) {
      const progress = updates.filter((e) => e.activity.id === id).map((e) => e.activity.progress);
      expect(progress.sort((x, y) => x! - y!)).toEqual([i, 50 + i]);
    }
  });

  it('a cancel sent to one node aborts the work running on another', async () => {
    const { nodes: [a, b] } = await cluster(2);
    let aborted: unknown;
    const { activity, ended } = await a!.hub.run({ type: 'media.transcode' }, (ctx) => new Promise((_resolve, reject) => {
      ctx.signal.addEventListener('abort', () => { aborted = ctx.signal.reason; reject(ctx.signal.reason); });
    }));
    expect(await b!.hub.cancel(activity.id, SYSTEM, 'stop it')).toMatchObject({ state: 'cancelled' });
    expect(await ended).toMatchObject({ state: 'cancelled', error: { message: 'stop it' } });
    expect(aborted).toBeInstanceOf(CancelledSignal);
    expect(a!.events.filter((e) => e.type === 'activity.ended')).toHaveLength(1);
  });

  it('three nodes expire a lapsed lease exactly once', async () => {
    const { nodes } = await cluster(3, { leaseMs: 300 });
    const remote = await nodes[0]!.hub.create({ type: 'upload' }, SYSTEM);
    await until(() => nodes.every((n) => n.events.some((e) => e.type === 'activity.ended')));
    await sleep(400); // several more lease checks on every node
    for (const n of nodes) {
      const ended = n.events.filter((e) => e.type === 'activity.ended' && e.activity.id === remote.id);
      expect(ended).toHaveLength(1);
      expect(ended[0]!.activity).toMatchObject({ state: 'expired', error: { code: 'lease_expired' } });
    }
  });

  it('three nodes end the in-process work of a dead node as interrupted, exactly once', async () => {
    const { fixture, nodes } = await cluster(3, { nodeTimeoutMs: 300 });
    // Work left by a node that never renews its mark again (it died): written straight to the store.
    const ghost = fixture.make();
    await ghost.open();
    await ghost.nodes.beat('ghost', 200);
    const orphan = await ghost.write({ type: 'activity.started', activity: newActivity({ type: 'upload' }, Date.now(), null, 'ghost'), expectSeq: null });
    const living = await nodes[1]!.hub.run({ type: 'upload' }, () => new Promise(() => {}));
    await until(() => nodes.every((n) => n.events.some((e) => e.type === 'activity.ended')));
    await sleep(400);
    for (const n of nodes) {
      const ended = n.events.filter((e) => e.type === 'activity.ended');
      expect(ended.map((e) => e.activity.id)).toEqual([orphan!.activity.id]);
      expect(ended[0]!.activity).toMatchObject({ state: 'failed', error: { code: 'interrupted' } });
    }
    expect(await nodes[2]!.hub.get(living.activity.id, SYSTEM)).toMatchObject({ state: 'running' });
  });

  it('a node judges other nodes only after renewing its own mark for a whole timeout', async () => {
    const fixture = redisFixture();
    cleanups.push(fixture.cleanup);
    // Work of a node with no mark, as every node looks right after a long Redis outage.
    const other = fixture.make();
    await other.open();
    const orphan = await other.write({ type: 'activity.started', activity: newActivity({ type: 'upload' }, Date.now(), null, 'quiet-node'), expectSeq: null });
    const hub = new ActivityHub({ store: fixture.make(), nodeId: 'fresh', nodeTimeoutMs: 600 });
    const started = Date.now();
    await hub.start();
    cleanups.push(() => hub.stop());
    await sleep(250);
    expect(await hub.get(orphan!.activity.id, SYSTEM)).toMatchObject({ state: 'running' });
    let ended = await hub.get(orphan!.activity.id, SYSTEM);
    for (let i = 0; i < 100 && ended.state === 'running'; i++) {
      await sleep(20);
      ended = await hub.get(orphan!.activity.id, SYSTEM);
    }
    expect(ended).toMatchObject({ state: 'failed', error: { code: 'interrupted' } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
  });

  it('a node restarting under the same id interrupts its own old work and changes no lease', async () => {
    const { fixture, nodes: [a, b] } = await cluster(2, { leaseMs: 60_000 });
    const remote = await b!.hub.create({ type: 'upload' }, SYSTEM);
    const { activity: local } = await a!.hub.run({ type: 'upload' }, () => new Promise(() => {}));
    await a!.hub.stop();
    const again = new ActivityHub({ store: fixture.make(), nodeId: 'node-0', leaseMs: 60_000 });
    await again.start();
    cleanups.push(() => again.stop());
    expect(await again.get(local.id, SYSTEM)).toMatchObject({ state: 'failed', error: { code: 'interrupted' } });
    expect(await again.get(remote.id, SYSTEM)).toEqual(remote);
  });

  it('a node that stops cleanly leaves its unfinished work to be interrupted by the others', async () => {
    const { nodes: [a, b] } = await cluster(2, { nodeTimeoutMs: 300 });
    const { activity } = await a!.hub.run({ type: 'upload' }, () => new Promise(() => {}));
    await a!.hub.stop();
    await until(() => b!.events.some((e) => e.type === 'activity.ended'));
    expect(await b!.hub.get(activity.id, SYSTEM)).toMatchObject({ state: 'failed', error: { code: 'interrupted' } });
  });
});
