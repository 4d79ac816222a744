import { UnauthenticatedError } from '@activityd/protocol/errors';
import { afterEach, describe, expect, it } from 'vitest';
import { AccessService, ManualClock, SYSTEM } from '@activityd/core';
import type { RedisStore } from '../src/index.js';
import { redisAvailable, redisFixture } from './redis-fixture.js';

// Access records on Redis, seen from several nodes: bootstrap by nodes starting at once, and
// changes on one node that every other must honour at once.
const available = await redisAvailable('Redis access store');
const T0 = 1_700_000_000_000;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** `n` access services (nodes) on one fresh prefix. */
async function nodes(n: number) {
  const fixture = redisFixture();
  cleanups.push(fixture.cleanup);
  const stores: RedisStore[] = [];
  for (let i = 0; i < n; i++) {
    const store = fixture.make();
    await store.open();
    stores.push(store);
  }
  const serverKey = Buffer.alloc(32, 7);
  return { stores, services: stores.map((s) => new AccessService({ store: s.access, clock: new ManualClock(T0), serverKey })) };
}

describe.runIf(available)('RedisAccessStore across nodes', () => {
  it('of several nodes bootstrapping at once, exactly one creates the admin token, and it works on all', async () => {
    const { services, stores } = await nodes(4);
    const results = await Promise.all(services.map((s) => s.bootstrap()));
    const created = results.map((r) => r.created).filter((t): t is string => t !== undefined);
    expect(created).toHaveLength(1);
    for (const s of services) expect(await s.authenticate({ token: created[0]! })).toMatchObject({ admin: true });
    expect((await stores[0]!.access.listUsers()).filter((u) => u.admin)).toHaveLength(1);
  });

  it('a token revoked on one node is refused on another at once; deleting a user takes its tokens and keys', async () => {
    const { services: [a, b] } = await nodes(2);
    await a!.ensureAdmin();
    const user = await a!.createUser(SYSTEM, { name: 'ann', groups: ['root'] });
    const one = await a!.createToken(SYSTEM, { userId: user.id });
    const two = await a!.createToken(SYSTEM, { userId: user.id });
    const key = await a!.createKey(SYSTEM, { userId: user.id });
    expect(await b!.authenticate({ token: one.token })).toMatchObject({ userId: user.id });
    await b!.deleteToken(SYSTEM, one.id);
    await expect(a!.authenticate({ token: one.token })).rejects.toBeInstanceOf(UnauthenticatedError);
    expect(await a!.authenticate({ token: two.token })).toMatchObject({ userId: user.id });
    await b!.deleteUser(SYSTEM, user.id);
    await expect(a!.authenticate({ token: two.token })).rejects.toBeInstanceOf(UnauthenticatedError);
    expect((await a!.listKeys(SYSTEM)).map((k) => k.accessKey)).not.toContain(key.accessKey);
    expect(await a!.listTokens(SYSTEM)).toEqual([]);
  });

  it('keeps records round-trip exact: users, groups, tokens, keys, presence (latest time wins)', async () => {
    const { stores: [s] } = await nodes(1);
    const access = s!.access;
    const u1 = await access.createUser({ name: 'a', groups: ['g'], admin: false, createdAt: T0 });
    const u2 = await access.createUser({ name: 'b', groups: [], admin: true, createdAt: T0 + 1 });
    expect(u2.id).toBe(u1.id + 1);
    expect(await access.getUser(u1.id)).toEqual(u1);
    expect(await access.createGroup({ id: 'g', name: 'G', parentId: null, createdAt: T0 })).toBe(true);
    expect(await access.createGroup({ id: 'g', name: 'again', parentId: null, createdAt: T0 })).toBe(false);
    expect(await access.listGroups()).toEqual([{ id: 'g', name: 'G', parentId: null, createdAt: T0 }]);
    const token = { id: 'tok_1', userId: u1.id, scopes: ['read' as const], name: null, service: false, hash: 'h1', createdAt: T0 };
    expect(await access.createToken(token)).toBe(true);
    expect(await access.createToken({ ...token, hash: 'h2' })).toBe(false);
    expect(await access.tokenByHash('h1')).toEqual(token);
    expect(await access.tokenByHash('h2')).toBeUndefined();
    await access.touchPresence(u1.id, T0 + 10);
    await access.touchPresence(u1.id, T0 + 5);
    await access.touchPresence(u2.id, T0 + 20);
    expect(await access.listPresence()).toEqual([{ userId: u2.id, seenAt: T0 + 20 }, { userId: u1.id, seenAt: T0 + 10 }]);
    expect(await access.deleteGroup('g')).toBe(true);
    expect(await access.deleteGroup('g')).toBe(false);
  });

  it('accepts a signature once across nodes until it expires', async () => {
    const { stores: [a, b] } = await nodes(2);
    expect(await a!.access.rememberSignature('sig', T0, T0 + 1_000)).toBe(true);
    expect(await b!.access.rememberSignature('sig', T0 + 500, T0 + 1_500)).toBe(false);
    expect(await b!.access.rememberSignature('sig', T0 + 1_000, T0 + 2_000)).toBe(true);
  });
});
