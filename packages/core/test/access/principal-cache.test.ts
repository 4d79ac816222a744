import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UnauthenticatedError } from '@activityd/protocol/errors';
import { afterEach, describe, expect, it } from 'vitest';
import { AccessService, ManualClock, MemoryStore, SYSTEM, type ActivityStore } from '../../src/index.js';
import { VersionedCache } from '../../src/access/versioned-cache.js';
import { SqliteStore } from '../../src/sqlite/index.js';

const T0 = 1_700_000_000_000;
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('AccessService caches principals, and forgets them on any access change', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  async function sqliteFile() {
    const dir = await mkdtemp(join(tmpdir(), 'activityd-cache-'));
    const filename = join(dir, 'activityd.db');
    const made: SqliteStore[] = [];
    cleanups.push(async () => {
      for (const s of made) await s.close();
      await rm(dir, { recursive: true, force: true });
    });
    return async () => {
      const store = new SqliteStore({ filename });
      made.push(store);
      await store.open();
      return store;
    };
  }

  async function service(store: ActivityStore) {
    await store.open();
    const access = new AccessService({ store: store.access, clock: new ManualClock(T0) });
    await access.ensureAdmin();
    const group = await access.createGroup(SYSTEM, { name: 'team' });
    const user = await access.createUser(SYSTEM, { name: 'alice', groups: [group.id] });
    const { id, token } = await access.createToken(SYSTEM, { userId: user.id });
    return { access, user, group, tokenId: id, token };
  }

  /** A memory store whose version is read asynchronously, as a store shared by several nodes does. */
  function asyncVersion(): MemoryStore {
    const store = new MemoryStore();
    const sync = store.access.version.bind(store.access);
    Object.assign(store.access, { version: async () => sync() });
    return store;
  }

  for (const [name, make] of [
    ['memory', async () => new MemoryStore()],
    ['memory, version read asynchronously', async () => asyncVersion()],
    ['SQLite', async () => (await sqliteFile())()],
  ] as const) {
    it(`${name}: a revoked token, a deleted user and a new group below apply to the very next call`, async () => {
      const { access, user, group, tokenId, token } = await service(await make());
      const first = await access.authenticate({ token });
      expect(await access.authenticate({ token })).toBe(first); // cached
      const below = await access.createGroup(SYSTEM, { name: 'sub', parentId: group.id });
      expect((await access.authenticate({ token })).visibleGroups).toContain(below.id);
      await access.deleteToken(SYSTEM, tokenId);
      await expect(access.authenticate({ token })).rejects.toBeInstanceOf(UnauthenticatedError);
      const again = await access.createToken(SYSTEM, { userId: user.id });
      expect((await access.authenticate({ token: again.token })).userId).toBe(user.id);
      await access.deleteUser(SYSTEM, user.id);
      await expect(access.authenticate({ token: again.token })).rejects.toBeInstanceOf(UnauthenticatedError);
    });
  }

  it('SQLite: a token revoked by another process on the same file (the CLI) is refused from the next turn on', async () => {
    const open = await sqliteFile();
    const server = await service(await open());
    expect((await server.access.authenticate({ token: server.token })).userId).toBe(server.user.id);
    const cli = new AccessService({ store: (await open()).access, clock: new ManualClock(T0) });
    await cli.deleteToken(SYSTEM, server.tokenId);
    await nextTurn();
    await expect(server.access.authenticate({ token: server.token })).rejects.toBeInstanceOf(UnauthenticatedError);
  });

  it('keeps no value built under a version older than one seen meanwhile (asynchronous version)', async () => {
    let version = 1;
    const cache = new VersionedCache<string>(async () => version);
    const before = await cache.current();
    version = 2; // a change lands while the value is being built
    const after = await cache.current();
    cache.set('k', 'built before the change', before);
    expect(cache.get('k', after)).toBeUndefined();
    cache.set('k', 'built after', after);
    expect(cache.get('k', after)).toBe('built after');
    expect(cache.get('k', before)).toBeUndefined();
  });
});
