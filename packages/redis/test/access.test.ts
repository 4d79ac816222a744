import { UnauthenticatedError } from '@activityd/protocol/errors';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AccessService, ManualClock, SYSTEM } from '@activityd/core';
import type { RedisStore } from '../src/index.js';
import { Redis } from 'ioredis';
import { REDIS_URL, redisAvailable, redisFixture } from './redis-fixture.js';

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

  it('caches a principal per node, reused without the three reads; a change on another node applies to the next request', async () => {
    const { stores: [storeA], services: [a, b] } = await nodes(2);
    await a!.ensureAdmin();
    const group = await a!.createGroup(SYSTEM, { name: 'team' });
    const user = await a!.createUser(SYSTEM, { name: 'ann', groups: [group.id] });
    const { id, token } = await a!.createToken(SYSTEM, { userId: user.id });
    const first = await a!.authenticate({ token });
    const reads = (['tokenByHash', 'getUser', 'listGroups'] as const).map((m) => vi.spyOn(storeA!.access, m));
    expect(await a!.authenticate({ token })).toBe(first);
    expect(reads.map((r) => r.mock.calls.length)).toEqual([0, 0, 0]);
    const below = await b!.createGroup(SYSTEM, { name: 'sub', parentId: group.id });
    expect((await a!.authenticate({ token })).visibleGroups).toContain(below.id);
    expect(reads.map((r) => r.mock.calls.length)).toEqual([1, 1, 1]);
    await b!.deleteToken(SYSTEM, id);
    await expect(a!.authenticate({ token })).rejects.toBeInstanceOf(UnauthenticatedError);
  });

  it('forgets cached principals when the connection to Redis was lost (a Redis restarted without its data)', async () => {
    const { stores: [store], services: [a] } = await nodes(1);
    await a!.ensureAdmin();
    const user = await a!.createUser(SYSTEM, { name: 'ann', groups: ['root'] });
    const { token } = await a!.createToken(SYSTEM, { userId: user.id });
    const first = await a!.authenticate({ token });
    const before = await store!.access.version();
    // This node's own command connection (by its client id, not by name: other suites share this Redis).
    const own = (store!.access as unknown as { redis: Redis }).redis;
    const id = await own.client('ID');
    const admin = new Redis(REDIS_URL, { maxRetriesPerRequest: 0 });
    try {
      await admin.client('KILL', 'ID', String(id));
    } finally {
      admin.disconnect();
    }
    let after = before;
    for (let i = 0; i < 40 && after === before; i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      after = await store!.access.version().catch(() => before);
    }
    expect(after).not.toBe(before);
    expect(await a!.authenticate({ token })).not.toBe(first); // built again, not served from the cache
  });

  it('shares one version read among the requests of one turn, sent after all of them: a change made before a request is still seen', async () => {
    const { stores: [storeA, storeB] } = await nodes(2);
    const get = vi.spyOn(storeA!['redis'], 'get');
    const before = await storeA!.access.version();
    get.mockClear();
    // Three requests in one turn: one GET, sent at the end of the turn.
    const reads = [storeA!.access.version(), storeA!.access.version(), storeA!.access.version()];
    expect(get).not.toHaveBeenCalled();
    expect(new Set(reads).size).toBe(1);
    expect(await Promise.all(reads)).toEqual([before, before, before]);
    expect(get).toHaveBeenCalledTimes(1);
    // A change on another node, then a request on A in a later turn: its own read sees it.
    await storeB!.access.createGroup({ id: 'shared-read', name: 'shared-read', parentId: 'root', createdAt: T0 });
    expect(await storeA!.access.version()).toBeGreaterThan(before);
    get.mockRestore();
  });

  it('moves the access version with every change of users, groups, tokens and keys, not with presence or signatures', async () => {
    const { stores: [s] } = await nodes(1);
    const access = s!.access;
    let last = await access.version();
    const moved = async () => {
      const now = await access.version();
      const changed = now !== last;
      last = now;
      return changed;
    };
    const user = await access.createUser({ name: 'a', groups: [], admin: false, createdAt: T0 });
    expect(await moved()).toBe(true);
    await access.createGroup({ id: 'g', name: 'G', parentId: null, createdAt: T0 });
    expect(await moved()).toBe(true);
    await access.deleteGroup('g');
    expect(await moved()).toBe(true);
    await access.createToken({ id: 'tok_1', userId: user.id, scopes: ['read'], name: null, service: false, hash: 'h1', createdAt: T0 });
    expect(await moved()).toBe(true);
    await access.deleteToken('tok_1');
    expect(await moved()).toBe(true);
    await access.createKey({ accessKey: 'k', userId: user.id, service: false, salt: 's', createdAt: T0 });
    expect(await moved()).toBe(true);
    await access.deleteKey('k');
    expect(await moved()).toBe(true);
    await access.touchPresence(user.id, T0);
    await access.rememberSignature('sig', T0, T0 + 1_000);
    expect(await moved()).toBe(false);
    await access.deleteUser(user.id);
    expect(await moved()).toBe(true);
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
