import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
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

  it('moves the activities of a file made before they were keyed by id alone, with their indexes', async () => {
    const fixture = await sqliteFixture();
    cleanups.push(fixture.cleanup);
    const old = new Database(fixture.filename);
    for (const [i, m] of MIGRATIONS.slice(0, 4).entries()) {
      old.exec(m);
      old.pragma(`user_version = ${i + 1}`);
    }
    const insert = old.prepare(`INSERT INTO activities (id, seq, state, parent_id, runner, created_at, ended_at, lease_expires_at, doc)
      VALUES (?, ?, ?, ?, NULL, ?, ?, ?, ?)`);
    const parent = { ...newActivity({ type: 'upload' }, 1_000, { leaseMs: 100, heartbeatMs: 50 }, null), seq: 1 };
    const child = { ...newActivity({ type: 'upload', parentId: parent.id }, 1_001, { leaseMs: 100, heartbeatMs: 50 }, null), seq: 2 };
    const ended = { ...applyEnd(newActivity({ type: 'scan' }, 1_002, null, null), { state: 'completed', result: { big: 'x'.repeat(5_000) } }, 1_003), seq: 3 };
    for (const a of [parent, child, ended]) {
      insert.run(a.id, a.seq, a.state, a.parentId, a.createdAt, a.endedAt, a.leaseExpiresAt, JSON.stringify({ ...a, runner: undefined }));
    }
    old.prepare('INSERT INTO events (seq, doc) VALUES (3, ?)').run(JSON.stringify({ seq: 3, type: 'activity.ended', at: 1003, activity: ended }));
    old.close();

    const store = fixture.store;
    await store.open();
    const file = new Database(fixture.filename, { readonly: true });
    const schema = file.prepare<[], { name: string; sql: string }>(
      "SELECT name, sql FROM sqlite_schema WHERE tbl_name = 'activities' ORDER BY name").all();
    file.close();
    expect(schema.find((s) => s.name === 'activities')?.sql).toMatch(/WITHOUT ROWID/);
    expect(schema.map((s) => s.name)).toEqual(
      ['activities', 'activities_ended', 'activities_newest', 'activities_parent', 'activities_running']);
    expect((await store.get(ended.id))?.result).toEqual({ big: 'x'.repeat(5_000) });
    expect((await store.list({ limit: 10 })).activities.map((a) => a.id)).toEqual([ended.id, child.id, parent.id]);
    expect((await store.list({ limit: 10, parentId: parent.id })).activities.map((a) => a.id)).toEqual([child.id]);
    expect((await store.lapsed(1_101, 10)).map((a) => a.id).sort()).toEqual([parent.id, child.id].sort());
    const patched = applyPatch((await store.get(child.id))!, { progress: 50 }, 1_200);
    expect((await store.write({ type: 'activity.updated', activity: patched, expectSeq: 2 }))?.seq).toBe(4);
    expect(await store.purgeEnded(1_004, 10)).toBe(1);
    expect(await store.countByState()).toEqual({ running: 2 });
  });
});
