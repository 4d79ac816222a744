import { NotFoundError } from '@activityd/protocol/errors';
import { describe, expect, it } from 'vitest';
import { SYSTEM } from '../src/index.js';
import { deferred, startHub, T0 } from './hub-fixture.js';

describe('retention', () => {
  it('purges an ended activity once the retention period has passed, not before', async () => {
    const { hub, clock } = await startHub({ retentionMs: 10_000 });
    const a = await hub.create({ type: 'upload' }, SYSTEM);
    await hub.complete(a.id, { ok: true }, SYSTEM);
    await clock.advance(10_000);
    expect(await hub.result(a.id, SYSTEM)).toEqual({ ok: true });
    expect((await hub.list({ state: ['ended'] }, SYSTEM)).activities).toHaveLength(1);
    await clock.advance(hub.options.retentionCheckMs);
    await expect(hub.get(a.id, SYSTEM)).rejects.toBeInstanceOf(NotFoundError);
    await expect(hub.result(a.id, SYSTEM)).rejects.toBeInstanceOf(NotFoundError);
    expect((await hub.list({ state: ['all'] }, SYSTEM)).activities).toEqual([]);
  });

  it('counts from the end, never purges running work, and purges expired activities too', async () => {
    const { hub, clock } = await startHub({ retentionMs: 10_000, leaseMs: 1_000 });
    const hold = deferred();
    const { activity: longRunning, ended } = await hub.run({ type: 'library.update.section' }, () => hold.promise);
    const remote = await hub.create({ type: 'upload' }, SYSTEM); // expires at T0 + 1000
    await clock.advance(10_500);
    expect((await hub.get(remote.id, SYSTEM)).state).toBe('expired');
    await clock.advance(1_000); // T0 + 11.5 s: ended 10.5 s ago, kept
    expect((await hub.get(remote.id, SYSTEM)).state).toBe('expired');
    await clock.advance(500); // the check at T0 + 12 s purges it
    await expect(hub.get(remote.id, SYSTEM)).rejects.toBeInstanceOf(NotFoundError);
    expect((await hub.get(longRunning.id, SYSTEM)).state).toBe('running');
    hold.resolve();
    const done = await ended;
    expect(done.endedAt).toBe(T0 + 12_000);
    await clock.advance(9_999);
    expect((await hub.get(longRunning.id, SYSTEM)).state).toBe('completed');
    await clock.advance(1 + hub.options.retentionCheckMs);
    await expect(hub.get(longRunning.id, SYSTEM)).rejects.toBeInstanceOf(NotFoundError);
  });
});
