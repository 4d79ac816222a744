import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Database } from '../src/sqlite/driver.js';
import { afterEach, describe, expect, it } from 'vitest';
import { applyPatch, newActivity, type StoredActivity } from '../src/index.js';
import { SqliteStore, type SqliteStoreOptions } from '../src/sqlite/index.js';

// A progress update is committed as its event row only; the activity's row catches up later (before
// the log is trimmed, before a lease query, on close) and, after a crash, from the log on open.
// These tests leave the first store unclosed, as a killed process would: what it committed is in
// the WAL, and a second store opened on the file must see every acknowledged update.

const LEASE = { leaseMs: 1_000, heartbeatMs: 500 };
const dirs: string[] = [];
const open: SqliteStore[] = [];

afterEach(async () => {
  for (const store of open.splice(0)) await store.close();
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function fileStore(options: Partial<SqliteStoreOptions> = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'activityd-rows-'));
  dirs.push(dir);
  const filename = join(dir, 'activityd.db');
  const make = async () => {
    const store = new SqliteStore({ filename, ...options });
    await store.open();
    open.push(store);
    return store;
  };
  /** The store's row for `id` as it is on disk: its progress and seq. */
  const row = (id: string) => {
    const db = new Database(filename, { readonly: true });
    try {
      const r = db.prepare<[string], { seq: number; doc: string }>('SELECT seq, doc FROM activities WHERE id = ?').get(id)!;
      return { seq: r.seq, progress: (JSON.parse(r.doc) as StoredActivity).progress };
    } finally {
      db.close();
    }
  };
  return { store: await make(), reopen: make, row };
}

async function create(store: SqliteStore, at = 1_000): Promise<StoredActivity> {
  const event = await store.write({ type: 'activity.started', activity: newActivity({ type: 'upload' }, at, LEASE, null), expectSeq: null });
  return (await store.get(event!.activity.id))!;
}

async function progress(store: SqliteStore, a: StoredActivity, value: number, at: number): Promise<StoredActivity> {
  const event = await store.write({ type: 'activity.updated', activity: applyPatch(a, { progress: value }, at), expectSeq: a.seq });
  expect(event).not.toBeNull();
  return (await store.get(a.id))!;
}

describe('SqliteStore: rows behind the event log', () => {
  it('a crash after acknowledged progress updates loses none of them: open replays the log into the rows', async () => {
    const { store, reopen, row } = await fileStore();
    let a = await create(store);
    for (const p of [10, 20, 30]) a = await progress(store, a, p, 1_000 + p);
    expect(row(a.id).progress).toBeNull(); // the row is behind: this test exercises the replay

    const after = await reopen(); // the first store is never closed, as if killed
    expect(await after.get(a.id)).toEqual(a);
    expect((await after.list({ limit: 10 })).activities).toEqual([a]);
    expect(await after.runningRemote(10)).toEqual([a]);
    expect(row(a.id)).toEqual({ seq: a.seq, progress: 30 });
    // And the reopened store goes on from there: its next write's compare-and-set holds.
    expect(await after.write({ type: 'activity.updated', activity: applyPatch(a, { progress: 40 }, 1_100), expectSeq: a.seq - 1 })).toBeNull();
    await progress(after, a, 40, 1_100);
  });

  it('a lease renewed by progress updates alone has not lapsed', async () => {
    const { store } = await fileStore();
    let a = await create(store, 1_000); // lease until 2,000
    a = await progress(store, a, 50, 1_800); // renewed until 2,800, in the log only
    expect(await store.lapsed(2_500, 10)).toEqual([]);
    expect((await store.lapsed(2_800, 10)).map((x) => x.id)).toEqual([a.id]);
  });

  it('trimming the log first brings every row up to date, so an update whose event is trimmed is still kept', async () => {
    const { store, reopen } = await fileStore({ eventLogSize: 5 });
    let quiet = await create(store);
    quiet = await progress(store, quiet, 42, 1_001); // its only update, soon far older than the log keeps
    let busy = await create(store);
    for (let i = 0; i < 1_100; i++) busy = await progress(store, busy, i % 101, 1_002 + i);
    expect((await store.logBounds()).first).toBeGreaterThan(quiet.seq); // the log no longer has quiet's update

    const after = await reopen();
    expect(await after.get(quiet.id)).toEqual(quiet);
    expect(await after.get(busy.id)).toEqual(busy);
  });

  it('a clean close leaves every row up to date', async () => {
    const { store, row } = await fileStore();
    let a = await create(store);
    a = await progress(store, a, 77, 1_077);
    await store.close();
    expect(row(a.id)).toEqual({ seq: a.seq, progress: 77 });
  });
});
