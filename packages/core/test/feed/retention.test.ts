import { describe, expect, it } from 'vitest';
import { advanceTo, feedHub, keys, STORES, T0 } from './feed-fixture.js';

// Retention runs on the hub's own timer (every min(1 s, retention / 10)), so an entry is dropped
// at the first check after it turned 60 s old: never before, and at most one check interval late.
const doc = (updated: number) => ({ model: 'es:mediacontainer', id: 1, affectedModels: { mediaContainer: { timeRange: [updated - 10, updated - 5] as [number, number], updated } } });

describe.each(STORES)('feed retention (%s)', (_name, makeStore) => {
  it('a change is kept 60 s after its write, then dropped', async () => {
    const { hub, clock, read } = await feedHub({ store: makeStore() });
    await advanceTo(clock, T0 + 500);
    await hub.changes.record({ model: 'metadata', id: 1 });
    await advanceTo(clock, T0 + 10_000);
    await hub.changes.record({ model: 'metadata', id: 2 });

    await advanceTo(clock, T0 + 60_500);
    expect(keys((await read()).modelChanges)).toEqual(['metadata/1', 'metadata/2']);
    await advanceTo(clock, T0 + 61_500);
    expect(keys((await read()).modelChanges)).toEqual(['metadata/2']);
    await advanceTo(clock, T0 + 70_000);
    expect(keys((await read()).modelChanges)).toEqual(['metadata/2']);
    await advanceTo(clock, T0 + 71_000);
    expect((await read()).modelChanges).toEqual([]);
  });

  it('an index entry lives 60 s after its LAST write: re-written at 30 s, it lives until 90 s', async () => {
    const { hub, clock, read } = await feedHub({ store: makeStore() });
    await hub.changes.indexed(doc(T0));
    await hub.changes.indexed({ ...doc(T0), id: 2 }); // never re-written: the control
    await advanceTo(clock, T0 + 30_000);
    await hub.changes.indexed(doc(T0 + 30_000));

    await advanceTo(clock, T0 + 61_000);
    expect(keys((await read()).modelChangesES)).toEqual(['es:mediacontainer/1']);
    await advanceTo(clock, T0 + 90_000);
    const [kept] = (await read()).modelChangesES!;
    expect(kept).toMatchObject({ id: 1, affectedModels: { mediaContainer: { timeRange: [T0 - 10, T0 + 29_995], updated: T0 + 30_000 } } });
    await advanceTo(clock, T0 + 91_000);
    expect((await read()).modelChangesES).toEqual([]);
  });

  it('a re-write through the batcher also renews the entry', async () => {
    const { hub, clock, read } = await feedHub({ store: makeStore() });
    const batcher = hub.changes.batchForIndex({ route: (c) => ({ model: 'es:x', id: c.id }), flush: async () => {}, debounceMs: 100 });
    await hub.changes.record({ model: 'metadata', id: 1 });
    await advanceTo(clock, T0 + 39_900);
    await hub.changes.record({ model: 'metadata', id: 1 });
    await advanceTo(clock, T0 + 40_000); // flushed: the entry is re-written at 40 s
    await advanceTo(clock, T0 + 100_000);
    expect(keys((await read()).modelChangesES)).toEqual(['es:x/1']);
    expect((await read()).modelChanges).toEqual([]); // the last change itself was written at 39.9 s
    await advanceTo(clock, T0 + 101_000);
    expect((await read()).modelChangesES).toEqual([]);
    await batcher.close();
  });

  it('is configurable: feedRetentionMs 5 s', async () => {
    const { hub, clock, read } = await feedHub({ store: makeStore(), feedRetentionMs: 5_000 });
    await hub.changes.record({ model: 'metadata', id: 1 });
    await hub.changes.indexed(doc(T0));
    await advanceTo(clock, T0 + 5_000);
    expect(keys((await read()).modelChanges)).toEqual(['metadata/1']);
    expect(keys((await read()).modelChangesES)).toEqual(['es:mediacontainer/1']);
    await advanceTo(clock, T0 + 5_500); // the check runs every 500 ms
    expect(await read()).toEqual({ now: T0 + 5_499, modelChanges: [], modelChangesES: [] });
  });

  it('a longer retention keeps entries past 60 s', async () => {
    const { hub, clock, read } = await feedHub({ store: makeStore(), feedRetentionMs: 120_000 });
    await hub.changes.record({ model: 'metadata', id: 1 });
    await advanceTo(clock, T0 + 100_000);
    expect(keys((await read()).modelChanges)).toEqual(['metadata/1']);
    await advanceTo(clock, T0 + 121_000);
    expect((await read()).modelChanges).toEqual([]);
  });

  it('client timestamps far in the past are stored as given and do not shorten retention', async () => {
    const { hub, clock, read } = await feedHub({ store: makeStore() });
    await hub.changes.record([{ model: 'metadata', id: 1, at: 1 }, { model: 'metadata', id: 2, at: T0 - 86_400_000 }]);
    await hub.changes.indexed({ model: 'es:m', id: 1, affectedModels: { metadata: { timeRange: [0, 1], updated: 2 } } });
    await advanceTo(clock, T0 + 60_000);
    const feed = await read();
    expect(feed.modelChanges!.map((c) => c.at)).toEqual([1, T0 - 86_400_000]);
    expect(feed.modelChangesES).toEqual([{ model: 'es:m', id: 1, affectedModels: { metadata: { timeRange: [0, 1], updated: 2 } }, updated: 2, owner: null, groups: [] }]);
    await advanceTo(clock, T0 + 61_000);
    expect(await read()).toMatchObject({ modelChanges: [], modelChangesES: [] });
  });

  it('drops thousands of expired entries (purged in chunks), keeping the fresh ones', async () => {
    const { hub, clock, read } = await feedHub({ store: makeStore() });
    for (let i = 0; i < 3; i++) await hub.changes.record(Array.from({ length: 1_000 }, (_, j) => ({ model: 'm', id: i * 1_000 + j })));
    await hub.changes.indexed(Array.from({ length: 2_500 }, (_, j) => ({ model: 'es:m', id: j, affectedModels: { m: { timeRange: [1, 2] as [number, number], updated: 3 } } })));
    await advanceTo(clock, T0 + 30_000);
    await hub.changes.record({ model: 'fresh', id: 1 });
    await advanceTo(clock, T0 + 61_000);
    const feed = await read();
    expect(keys(feed.modelChanges)).toEqual(['fresh/1']);
    expect(feed.modelChangesES).toEqual([]);
  });
});
