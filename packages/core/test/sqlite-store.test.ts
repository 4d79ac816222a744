import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { newActivity } from '../src/index.js';
import { SqliteStore } from '../src/sqlite/index.js';
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
});
