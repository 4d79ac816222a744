import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Database } from '../src/sqlite/driver.js';
import { afterEach, describe, expect, it } from 'vitest';
import { applyEnd, applyPatch, newActivity } from '../src/index.js';
import { SqliteStore } from '../src/sqlite/index.js';
import { MIGRATIONS } from '../src/sqlite/migrations/index.js';
import { describeStoreConformance, type StoreFactoryOptions } from './store-conformance.js';

/** A SQLite store on a file in a fresh temporary folder; `cleanup` closes every store made on it and removes the folder. */
async function sqliteFixture(options: StoreFactoryOptions = {}, subpath = 'activityd.db') {
  const dir = await mkdtemp(join(tmpdir(), 'activityd-sqlite-'));
  const filename = join(dir, subpath);
  const made: SqliteStore[] = [];
  const make = () => {
    const store = new SqliteStore({ filename, ...options });
    made.push(store);
    return store;
  };
  return {
    filename,
    store: make(),
    reopen: async () => make(),
    cleanup: async () => {
      for (const store of made) await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

describeStoreConformance('SqliteStore', (options) => sqliteFixture(options), { durable: true });

describe('SqliteStore on its own', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  it('creates a missing data folder on open', async () => {
    const fixture = await sqliteFixture({}, join('nested', 'deeper', 'activityd.db'));
    cleanups.push(fixture.cleanup);
    await fixture.store.open();
    expect(existsSync(fixture.filename)).toBe(true);
  });

  it('refuses calls before open and after close', async () => {
    const fixture = await sqliteFixture();
    cleanups.push(fixture.cleanup);
    await expect(fixture.store.get('x')).rejects.toThrow(/not open/);
    await fixture.store.open();
    await fixture.store.write({ type: 'activity.started', activity: newActivity({ type: 'upload' }, 1, null, null), expectSeq: null });
    await fixture.store.close();
    await expect(fixture.store.logBounds()).rejects.toThrow(/not open/);
  });

  it('opens a file made before the lease left the running index, and still finds lapsed leases', async () => {
    const fixture = await sqliteFixture();
    cleanups.push(fixture.cleanup);
    const old = new Database(fixture.filename);
    for (const [i, m] of MIGRATIONS.slice(0, 3).entries()) {
      old.exec(m);
      old.pragma(`user_version = ${i + 1}`);
    }
    const a = { ...newActivity({ type: 'upload' }, 1_000, { leaseMs: 100, heartbeatMs: 50 }, null), seq: 1 };
    old.prepare(`INSERT INTO activities (id, seq, state, parent_id, runner, created_at, ended_at, lease_expires_at, doc)
      VALUES (?, 1, 'running', NULL, NULL, 1000, NULL, 1100, ?)`).run(a.id, JSON.stringify({ ...a, runner: undefined }));
    old.prepare('INSERT INTO events (seq, doc) VALUES (1, ?)').run(JSON.stringify({ seq: 1, type: 'activity.created', at: 1000, activity: a }));
    old.close();

    const store = fixture.store;
    await store.open();
    expect((await store.lapsed(1_099, 10)).map((x) => x.id)).toEqual([]);
    expect((await store.lapsed(1_100, 10)).map((x) => x.id)).toEqual([a.id]);
    // A progress update renews the lease (the running index is left alone; the row's lease is not).
    const patched = applyPatch((await store.get(a.id))!, { progress: 5 }, 1_200);
    const updated = await store.write({ type: 'activity.updated', activity: patched, expectSeq: 1 });
    expect(updated?.activity.leaseExpiresAt).toBe(1_300);
    expect(await store.lapsed(1_299, 10)).toEqual([]);
    expect((await store.lapsed(1_300, 10)).map((x) => x.id)).toEqual([a.id]);
    await store.write({ type: 'activity.ended', activity: applyEnd(patched, { state: 'completed' }, 1_250), expectSeq: updated!.seq });
    expect(await store.lapsed(10_000, 10)).toEqual([]);
    expect(await store.countByState()).toEqual({ completed: 1 });
  });
});
