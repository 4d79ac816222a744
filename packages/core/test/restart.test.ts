import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock, MemoryStore, SYSTEM, type ActivityStore } from '../src/index.js';
import { SqliteStore } from '../src/sqlite/index.js';
import { startHub, T0 } from './hub-fixture.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** Two stores on the same data: for memory the same instance, for SQLite a new one on the same file. */
const STORES: Array<[string, () => Promise<() => ActivityStore>]> = [
  ['MemoryStore', async () => {
    const store = new MemoryStore();
    return () => store;
  }],
  ['SqliteStore', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'activityd-restart-'));
    dirs.push(dir);
    return () => new SqliteStore({ filename: join(dir, 'activityd.db') });
  }],
];

describe.each(STORES)('restart on %s', (_name, makeStores) => {
  it('fails in-process work as interrupted, and renews remote leases from the restart', async () => {
    const storeOnTheData = await makeStores();
    const clock = new ManualClock(T0);
    const first = await startHub({ store: storeOnTheData(), leaseMs: 10_000 }, clock);
    const { activity: local } = await first.hub.run({ type: 'library.update.section' }, () => new Promise(() => {}));
    const remote = await first.hub.create({ type: 'upload' }, SYSTEM);
    await first.hub.update(remote.id, { progress: 40 }, SYSTEM);
    const done = await first.hub.complete((await first.hub.create({ type: 'media.scan' }, SYSTEM)).id, { ok: 1 }, SYSTEM);
    const lastSeq = first.events.at(-1)!.seq;
    await first.hub.stop();

    await clock.advance(15_000); // the remote lease (T0 + 10 s) lapses while no hub runs
    const second = await startHub({ store: storeOnTheData(), leaseMs: 10_000 }, clock);
    const restartedAt = T0 + 15_000;
    expect(await second.hub.get(local.id, SYSTEM)).toMatchObject({
      state: 'failed', error: { code: 'interrupted' }, endedAt: restartedAt,
    });
    expect(await second.hub.get(remote.id, SYSTEM)).toMatchObject({
      state: 'running', progress: 40, leaseExpiresAt: restartedAt + 10_000,
    });
    expect(await second.hub.get(done.id, SYSTEM)).toEqual(done);
    expect(second.eventsOf(local.id, 'activity.ended')).toHaveLength(1);
    expect(second.events.every((e) => e.seq > lastSeq)).toBe(true);

    await clock.advance(9_999);
    expect((await second.hub.get(remote.id, SYSTEM)).state).toBe('running');
    await clock.advance(1 + second.hub.options.leaseCheckMs);
    expect((await second.hub.get(remote.id, SYSTEM)).state).toBe('expired');
  });

  it('a second restart changes nothing already ended', async () => {
    const storeOnTheData = await makeStores();
    const clock = new ManualClock(T0);
    const first = await startHub({ store: storeOnTheData() }, clock);
    const { activity } = await first.hub.run({ type: 'upload' }, () => new Promise(() => {}));
    await first.hub.stop();
    const second = await startHub({ store: storeOnTheData() }, clock);
    const failed = await second.hub.get(activity.id, SYSTEM);
    expect(failed.state).toBe('failed');
    await second.hub.stop();
    await clock.advance(1_000);
    const third = await startHub({ store: storeOnTheData() }, clock);
    expect(await third.hub.get(activity.id, SYSTEM)).toEqual(failed);
    expect(third.events).toEqual([]);
  });
});
