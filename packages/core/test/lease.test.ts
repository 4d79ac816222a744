import { EndedError } from '@activityd/protocol/errors';
import { describe, expect, it } from 'vitest';
import { ActivityHub, MemoryStore, SYSTEM } from '../src/index.js';
import { deferred, startHub, T0 } from './hub-fixture.js';

describe('lease options', () => {
  const options = (o: { leaseMs?: number; heartbeatMs?: number }) => new ActivityHub({ store: new MemoryStore(), ...o }).options;

  it('defaults to a 90 s lease, a 30 s heartbeat, and a check every second', () => {
    expect(options({})).toMatchObject({ leaseMs: 90_000, heartbeatMs: 30_000, leaseCheckMs: 1_000 });
  });

  it('derives the heartbeat as min(30 s, lease / 3) and the check as min(1 s, lease / 4)', () => {
    expect(options({ leaseMs: 1_000 })).toMatchObject({ heartbeatMs: 333, leaseCheckMs: 250 });
    expect(options({ leaseMs: 600_000 })).toMatchObject({ heartbeatMs: 30_000, leaseCheckMs: 1_000 });
    expect(options({ leaseMs: 1_000, heartbeatMs: 999 }).heartbeatMs).toBe(999);
  });

  it('refuses an explicit heartbeat at or above the lease at construction', () => {
    expect(() => options({ leaseMs: 1_000, heartbeatMs: 1_000 })).toThrow(RangeError);
    expect(() => options({ leaseMs: 1_000, heartbeatMs: 5_000 })).toThrow(RangeError);
    expect(() => options({ leaseMs: 0 })).toThrow(RangeError);
  });
});

describe('leases of remote activities', () => {
  it('a remote activity carries its lease, heartbeat and expiry; in-process work has none', async () => {
    const { hub } = await startHub({ leaseMs: 1_000 });
    expect(await hub.create({ type: 'upload' }, SYSTEM)).toMatchObject({ leaseMs: 1_000, heartbeatMs: 333, leaseExpiresAt: T0 + 1_000 });
    const hold = deferred();
    const { activity, ended } = await hub.run({ type: 'upload' }, () => hold.promise);
    expect(activity).toMatchObject({ leaseMs: null, heartbeatMs: null, leaseExpiresAt: null });
    hold.resolve();
    await ended;
  });

  it('expires a remote activity once its lease lapses, exactly once', async () => {
    const { hub, clock, eventsOf } = await startHub({ leaseMs: 1_000 });
    const a = await hub.create({ type: 'upload' }, SYSTEM);
    await clock.advance(999);
    expect((await hub.get(a.id, SYSTEM)).state).toBe('running');
    await clock.advance(1);
    expect(await hub.get(a.id, SYSTEM)).toMatchObject({
      state: 'expired', error: { code: 'lease_expired' }, endedAt: T0 + 1_000, leaseExpiresAt: null,
    });
    await clock.advance(10_000);
    expect(eventsOf(a.id, 'activity.ended')).toHaveLength(1);
    const late = await hub.update(a.id, { progress: 50 }, SYSTEM).catch((e: unknown) => e);
    expect(late).toBeInstanceOf(EndedError);
    expect(late).toMatchObject({ details: { state: 'expired' } });
  });

  it('every update renews the lease from the time of the update', async () => {
    const { hub, clock } = await startHub({ leaseMs: 1_000 });
    const a = await hub.create({ type: 'upload' }, SYSTEM);
    await clock.advance(600);
    expect(await hub.update(a.id, { progress: 10 }, SYSTEM)).toMatchObject({ leaseExpiresAt: T0 + 1_600 });
    await clock.advance(999); // the first lease lapsed at T0 + 1000
    expect((await hub.get(a.id, SYSTEM)).state).toBe('running');
    await clock.advance(1 + hub.options.leaseCheckMs);
    expect(await hub.get(a.id, SYSTEM)).toMatchObject({ state: 'expired' });
    expect((await hub.get(a.id, SYSTEM)).endedAt).toBeLessThanOrEqual(T0 + 1_600 + hub.options.leaseCheckMs);
  });

  it('never expires in-process work, however long it runs', async () => {
    const { hub, clock } = await startHub({ leaseMs: 1_000 });
    const hold = deferred();
    const { activity, ended } = await hub.run({ type: 'upload' }, () => hold.promise);
    await clock.advance(20_000);
    expect((await hub.get(activity.id, SYSTEM)).state).toBe('running');
    hold.resolve();
    expect((await ended).state).toBe('completed');
  });
});
