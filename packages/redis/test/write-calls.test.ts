import { afterEach, describe, expect, it } from 'vitest';
import { ActivityHub, SYSTEM } from '@activityd/core';
import { redisAvailable, writerNode, type Cleanups } from './redis-fixture.js';

// A node's writes go to Redis as `write-many` calls sent by EVALSHA outside ioredis's defined
// commands: they must survive a Redis that lost its script cache, and carry every argument as written.
const available = await redisAvailable('Redis write calls');

const cleanups: Cleanups = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const node = () => writerNode(cleanups);

describe.runIf(available)('write calls', () => {
  it('load the script again when Redis no longer holds it', async () => {
    const { hub, redis } = await node();
    const a = await hub.create({ type: 'copy', title: 'one', progress: 0 }, SYSTEM);
    await hub.update(a.id, { progress: 10 }, SYSTEM);
    // What a restarted Redis (or another client's SCRIPT FLUSH) leaves: EVALSHA answers NOSCRIPT.
    await redis.script('FLUSH');
    const updated = await hub.update(a.id, { progress: 20, subtitle: 'after the flush' }, SYSTEM);
    expect(updated.progress).toBe(20);
    await redis.script('FLUSH');
    const b = await hub.create({ type: 'copy', title: 'two' }, SYSTEM);
    expect((await hub.get(b.id, SYSTEM)).title).toBe('two');
    expect((await hub.get(a.id, SYSTEM))).toMatchObject({ progress: 20, subtitle: 'after the flush', seq: updated.seq });
  });

  it('store what a turn of updates sent, each in its call, in seq order for listeners', async () => {
    const { fixture, hub, events } = await node();
    const ids = [];
    for (let i = 0; i < 40; i++) ids.push((await hub.create({ type: 'copy', title: `a${i}`, progress: 0 }, SYSTEM)).id);
    // 40 updates in one turn: three calls (16 writes at most each), one a non-ASCII subtitle.
    const done = await Promise.all(ids.map((id, i) => hub.update(id, { progress: i + 0.5, subtitle: i === 17 ? 'écrit ✓ 😀' : null }, SYSTEM)));
    const other = new ActivityHub({ store: fixture.make(), nodeId: 'reader' });
    await other.start();
    cleanups.push(() => other.stop());
    for (const [i, a] of done.entries()) {
      expect(await other.get(a.id, SYSTEM)).toMatchObject({ progress: i + 0.5, subtitle: i === 17 ? 'écrit ✓ 😀' : null, seq: a.seq });
    }
    const updated = events.filter((e) => e.type === 'activity.updated');
    expect(updated.map((e) => e.seq)).toEqual(done.map((a) => a.seq).sort((x, y) => x - y));
  });
});
