import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ActivityHub, ManualClock, MemoryStore, SYSTEM, type ActivityStore, type Principal } from '../../src/index.js';
import { SqliteStore } from '../../src/sqlite/index.js';
import { expectedPrincipal, expectVisible, outcome, worldArbitrary, type EndAs, type Expected, type World } from './helpers.js';

const T0 = 1_700_000_000_000;

interface Made { id: string; owner: number | null; groups: string[]; state: EndAs; cancellable: boolean; result: Record<string, unknown> }

/** Builds the world through the public API: groups, users and tokens through `hub.access`, activities through the hub. */
async function build(world: World, store: ActivityStore) {
  const hub = new ActivityHub({ store, clock: new ManualClock(T0) });
  await hub.start();
  await hub.access.bootstrap('admin-token');
  for (const g of world.groups) await hub.access.createGroup(SYSTEM, { id: g.id, name: `group ${g.id}`, parentId: g.parent });
  const userIds: number[] = [];
  for (const u of world.users) userIds.push((await hub.access.createUser(SYSTEM, u)).id);
  const principals: Array<{ who: Principal; exp: Expected }> = [];
  for (const t of world.tokens) {
    const userId = userIds[t.user]!;
    const { token } = await hub.access.createToken(SYSTEM, { userId, scopes: t.scopes, service: t.service });
    principals.push({ who: await hub.access.authenticate({ token }), exp: expectedPrincipal(world.users[t.user]!, userId, t) });
  }
  const made: Made[] = [];
  for (const [i, a] of world.activities.entries()) {
    const owner = a.owner === null ? null : userIds[a.owner]!;
    const created = await hub.create({ type: 'job', groups: a.groups, owner, cancellable: a.cancellable }, SYSTEM);
    expect(created).toMatchObject({ owner, groups: a.groups });
    const result = { n: i };
    if (a.end === 'completed') await hub.complete(created.id, result, SYSTEM);
    if (a.end === 'failed') await hub.fail(created.id, { message: 'boom' }, SYSTEM);
    if (a.end === 'cancelled') await hub.cancel(created.id, SYSTEM);
    made.push({ id: created.id, owner, groups: a.groups, state: a.end, cancellable: a.cancellable, result });
  }
  return { hub, userIds, principals, made };
}

const sorted = (ids: Iterable<string | number>) => [...ids].map(String).sort();

async function checkWorld(world: World, store: ActivityStore): Promise<void> {
  const { hub, userIds, principals, made } = await build(world, store);
  try {
    const allIds = made.map((a) => a.id);

    // Reading: list, get, result — exactly what the rule allows.
    for (const { who, exp } of principals) {
      expect({ userId: who.userId, admin: who.admin, service: who.service }).toEqual({ userId: exp.userId, admin: exp.admin, service: exp.service });
      if (!exp.has('read')) {
        expect(await outcome(() => hub.list({ state: ['all'], limit: 1000 }, who))).toBe('ACT_ERR_FORBIDDEN');
        for (const id of allIds) expect(await outcome(() => hub.get(id, who))).toBe('ACT_ERR_FORBIDDEN');
        continue;
      }
      const visible = made.filter((a) => expectVisible(exp, a, world.groups));
      const listed = await hub.list({ state: ['all'], limit: 1000 }, who);
      expect(sorted(listed.activities.map((a) => a.id))).toEqual(sorted(visible.map((a) => a.id)));
      expect(listed.nextCursor).toBeNull();
      // Filters narrow what is visible; they never widen it.
      const byId = await hub.list({ state: ['all'], id: allIds.length ? allIds : ['none'], limit: 1000 }, who);
      expect(sorted(byId.activities.map((a) => a.id))).toEqual(sorted(visible.map((a) => a.id)));
      const running = await hub.list({ state: ['active'], limit: 1000 }, who);
      expect(sorted(running.activities.map((a) => a.id))).toEqual(sorted(visible.filter((a) => a.state === 'running').map((a) => a.id)));
      const owned = await hub.list({ state: ['all'], owner: userIds, limit: 1000 }, who);
      expect(sorted(owned.activities.map((a) => a.id))).toEqual(sorted(visible.filter((a) => a.owner !== null).map((a) => a.id)));

      for (const a of made) {
        const canSee = visible.includes(a);
        expect(await outcome(() => hub.get(a.id, who)), `get ${a.id}`).toBe(canSee ? 'ok' : 'ACT_ERR_NOT_FOUND');
        if (canSee) expect((await hub.get(a.id, who)).id).toBe(a.id);
        const expectedResult = !canSee ? 'ACT_ERR_NOT_FOUND' : a.state === 'completed' ? 'ok' : 'ACT_ERR_NOT_COMPLETED';
        expect(await outcome(() => hub.result(a.id, who)), `result ${a.id}`).toBe(expectedResult);
        if (expectedResult === 'ok') expect(await hub.result(a.id, who)).toEqual(a.result);
        expect(await outcome(() => hub.wait(a.id, 0, who))).toBe(canSee ? 'ok' : 'ACT_ERR_NOT_FOUND');
      }
      expect(await outcome(() => hub.get('no-such-activity', who))).toBe('ACT_ERR_NOT_FOUND');
    }

    // Presence: every user that listed is seen; each principal sees those users the rule allows.
    const seen = new Set(principals.filter((p) => p.exp.has('read')).map((p) => p.exp.userId));
    for (const { who, exp } of principals) {
      if (!exp.has('read')) {
        expect(await outcome(() => hub.access.presence(who))).toBe('ACT_ERR_FORBIDDEN');
        continue;
      }
      const expected = [...seen].filter((id) => {
        const user = world.users[userIds.indexOf(id)]!;
        return expectVisible(exp, { owner: id, groups: user.groups }, world.groups);
      });
      expect(sorted((await hub.access.presence(who)).map((p) => p.userId))).toEqual(sorted(expected));
    }
    expect(sorted((await hub.access.presence(SYSTEM)).map((p) => p.userId))).toEqual(sorted(seen));

    // Update: visibility (a service token reports on any activity, DESIGN 11), the report scope,
    // and ownership or a service token; ended ones are 409.
    for (const { who, exp } of principals) {
      for (const a of made) {
        const expected = !exp.service && !expectVisible(exp, a, world.groups) ? 'ACT_ERR_NOT_FOUND'
          : !exp.has('report') ? 'ACT_ERR_FORBIDDEN'
            : !(exp.admin || exp.service || a.owner === exp.userId) ? 'ACT_ERR_FORBIDDEN'
              : a.state !== 'running' ? 'ACT_ERR_ENDED' : 'ok';
        expect(await outcome(() => hub.update(a.id, { progress: 42 }, who)), `update ${a.id}`).toBe(expected);
      }
    }

    // Cancel: visibility and the cancel scope; then only running, cancellable ones.
    for (const { who, exp } of principals) {
      for (const a of made) {
        const expected = !expectVisible(exp, a, world.groups) ? 'ACT_ERR_NOT_FOUND'
          : !exp.has('cancel') ? 'ACT_ERR_FORBIDDEN'
            : a.state !== 'running' ? 'ACT_ERR_ENDED'
              : !a.cancellable ? 'ACT_ERR_NOT_CANCELLABLE' : 'ok';
        expect(await outcome(() => hub.cancel(a.id, who)), `cancel ${a.id}`).toBe(expected);
        if (expected === 'ok') a.state = 'cancelled';
      }
    }
    for (const a of made) expect((await hub.get(a.id, SYSTEM)).state).toBe(a.state);
  } finally {
    await hub.stop();
  }
}

describe('visibility and permissions: one rule on every core call (property)', () => {
  it('MemoryStore: list, get, result, presence, update and cancel obey the rule for every principal', async () => {
    await fc.assert(fc.asyncProperty(worldArbitrary(), (world) => checkWorld(world, new MemoryStore())), { numRuns: 50 });
  });

  it('SqliteStore: the same with the access records and activities in SQLite', async () => {
    await fc.assert(fc.asyncProperty(worldArbitrary(), (world) => checkWorld(world, new SqliteStore({ filename: ':memory:' }))), { numRuns: 15 });
  });

  it('a deep chain: a member of a middle group sees its group and below, never above', async () => {
    const world: World = {
      groups: [{ id: 'g0', parent: 'root' }, { id: 'g1', parent: 'g0' }, { id: 'g2', parent: 'g1' }],
      users: [{ name: 'mid', groups: ['g1'], admin: false }],
      tokens: [{ user: 0, scopes: ['read'], service: false }],
      activities: ['root', 'g0', 'g1', 'g2'].map((g) => ({ owner: null, groups: [g], end: 'running' as const, cancellable: true })),
    };
    const { hub, principals, made } = await build(world, new MemoryStore());
    try {
      const { activities } = await hub.list({ state: ['all'], limit: 1000 }, principals[0]!.who);
      expect(sorted(activities.flatMap((a) => a.groups))).toEqual(['g1', 'g2']);
      expect(made).toHaveLength(4);
    } finally {
      await hub.stop();
    }
  });
});
