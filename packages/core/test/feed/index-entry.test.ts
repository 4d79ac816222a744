import type { IndexEntry } from '@activityd/protocol';
import { describe, expect, it } from 'vitest';
import { mergeIndexEntry, SYSTEM } from '../../src/index.js';
import { advanceTo, feedHub, mediaRoute, recordingFlush, STORES } from './feed-fixture.js';

describe.each(STORES)('the documented example (%s)', (_name, makeStore) => {
  it('three mediaContainer changes at 0, 50 and 100 ms, indexed as one batch at 200', async () => {
    // The clock starts at 0 so the numbers are exactly those of DESIGN.md section 3.
    const { hub, clock, indexEvents, read } = await feedHub({ store: makeStore() }, 0);
    const { calls, flush } = recordingFlush(clock);
    const batcher = hub.changes.batchForIndex({ route: mediaRoute, flush, debounceMs: 100, maxAgeMs: 1000 });

    await hub.changes.record({ model: 'mediaContainer', id: 123 });
    await advanceTo(clock, 50);
    await hub.changes.record({ model: 'mediaContainer', id: 123 });
    await advanceTo(clock, 100);
    await hub.changes.record({ model: 'mediaContainer', id: 123 });
    await advanceTo(clock, 199);
    expect(calls).toEqual([]); // still inside the debounce window of the change at 100

    await advanceTo(clock, 200);
    expect(calls).toEqual([{ at: 200, batches: [{ model: 'es:mediacontainer', id: 123, affectedModels: { mediaContainer: { timeRange: [0, 100] } } }] }]);
    const first = { model: 'es:mediacontainer', id: 123, affectedModels: { mediaContainer: { timeRange: [0, 100], updated: 200 } }, updated: 200 };
    expect((await read()).modelChangesES).toEqual([{ ...first, owner: null, groups: [] }]);
    expect(indexEvents.map((e) => e.change)).toEqual([{ ...first, owner: null, groups: [] }]);
    expect(indexEvents[0]).toMatchObject({ type: 'change.index', at: 200 });

    // A second model of the same document changes, and is indexed at 250.
    await advanceTo(clock, 220);
    await hub.changes.record({ model: 'metadata', id: 123 });
    await advanceTo(clock, 250);
    await batcher.close(); // flushes what waits, now
    expect(calls.slice(1)).toEqual([{ at: 250, batches: [{ model: 'es:mediacontainer', id: 123, affectedModels: { metadata: { timeRange: [220, 220] } } }] }]);
    const merged = {
      model: 'es:mediacontainer', id: 123,
      affectedModels: { mediaContainer: { timeRange: [0, 100], updated: 200 }, metadata: { timeRange: [220, 220], updated: 250 } },
      updated: 250, owner: null, groups: [],
    };
    expect((await read()).modelChangesES).toEqual([merged]);
    expect(indexEvents.map((e) => e.change)).toEqual([{ ...first, owner: null, groups: [] }, merged]);
  });

  it('the same through reported batches (hub.changes.indexed)', async () => {
    const { hub, clock, indexEvents, read } = await feedHub({ store: makeStore() }, 0);
    await advanceTo(clock, 200);
    const [entry] = await hub.changes.indexed({ model: 'es:mediacontainer', id: 123, affectedModels: { mediaContainer: { timeRange: [0, 100], updated: 200 } } });
    expect(entry).toEqual({ model: 'es:mediacontainer', id: 123, affectedModels: { mediaContainer: { timeRange: [0, 100], updated: 200 } }, updated: 200, owner: null, groups: [] });

    await advanceTo(clock, 250);
    const [second] = await hub.changes.indexed([{ model: 'es:mediacontainer', id: 123, affectedModels: { metadata: { timeRange: [150, 240], updated: 250 } } }]);
    const merged = {
      model: 'es:mediacontainer', id: 123,
      affectedModels: { mediaContainer: { timeRange: [0, 100], updated: 200 }, metadata: { timeRange: [150, 240], updated: 250 } },
      updated: 250, owner: null, groups: [],
    };
    expect(second).toEqual(merged);
    expect((await read()).modelChangesES).toEqual([merged]);
    expect(indexEvents.map((e) => [e.at, e.change])).toEqual([[200, entry], [250, merged]]);
  });

  it('a later reported batch widens the timeRange and moves updated on, never back', async () => {
    const { hub, clock, read } = await feedHub({ store: makeStore() }, 0);
    await advanceTo(clock, 1_000);
    const doc = { model: 'es:mediacontainer', id: 'abc' };
    await hub.changes.indexed({ ...doc, affectedModels: { mediaContainer: { timeRange: [300, 500], updated: 600 } } });
    // Earlier first, later last, later updated.
    await hub.changes.indexed({ ...doc, affectedModels: { mediaContainer: { timeRange: [200, 700], updated: 800 } } });
    expect((await read()).modelChangesES![0]!.affectedModels).toEqual({ mediaContainer: { timeRange: [200, 700], updated: 800 } });
    // A stale report (inside the range, older updated) changes nothing of the values.
    const [stale] = await hub.changes.indexed({ ...doc, affectedModels: { mediaContainer: { timeRange: [400, 450], updated: 100 } } });
    expect(stale).toMatchObject({ affectedModels: { mediaContainer: { timeRange: [200, 700], updated: 800 } }, updated: 800 });
    // A model indexed earlier than the root does not pull the root back.
    const [other] = await hub.changes.indexed({ ...doc, affectedModels: { metadata: { timeRange: [10, 20], updated: 30 } } });
    expect(other).toMatchObject({ affectedModels: { mediaContainer: { updated: 800 }, metadata: { timeRange: [10, 20], updated: 30 } }, updated: 800 });
    expect((await read()).modelChangesES).toHaveLength(1);
  });

  it('keeps 1 and "1" apart, and documents of different index models apart', async () => {
    const { hub, read } = await feedHub({ store: makeStore() });
    const affectedModels = { mediaContainer: { timeRange: [1, 2] as [number, number], updated: 3 } };
    await hub.changes.indexed([
      { model: 'es:mediacontainer', id: 1, affectedModels },
      { model: 'es:mediacontainer', id: '1', affectedModels },
      { model: 'es:other', id: 1, affectedModels },
    ]);
    const entries = (await read()).modelChangesES!;
    expect(entries.map((e) => [e.model, e.id])).toEqual([['es:mediacontainer', 1], ['es:mediacontainer', '1'], ['es:other', 1]]);
  });
});

describe('mergeIndexEntry', () => {
  const entry = (affectedModels: IndexEntry['affectedModels'], extra: Partial<IndexEntry> = {}): IndexEntry => ({
    model: 'es:mediacontainer', id: 123, affectedModels,
    updated: Math.max(...Object.values(affectedModels).map((a) => a.updated)), owner: null, groups: [], ...extra,
  });

  it('takes the incoming entry as is when there is none yet', () => {
    const incoming = entry({ mediaContainer: { timeRange: [0, 100], updated: 200 } });
    expect(mergeIndexEntry(undefined, incoming)).toEqual(incoming);
  });

  it.each([
    ['a later batch', [150, 250], 400, [100, 250], 400],
    ['a batch with earlier changes', [50, 120], 400, [50, 200], 400],
    ['a batch reaching both ways', [10, 500], 350, [10, 500], 350],
    ['a late report of an older indexing', [120, 180], 250, [100, 200], 300],
  ] as const)('%s: earliest first, latest last, latest updated', (_name, range, updated, wantRange, wantUpdated) => {
    const existing = entry({ mediaContainer: { timeRange: [100, 200], updated: 300 } });
    const merged = mergeIndexEntry(existing, entry({ mediaContainer: { timeRange: [range[0], range[1]], updated } }));
    expect(merged.affectedModels.mediaContainer).toEqual({ timeRange: wantRange, updated: wantUpdated });
    expect(merged.updated).toBe(wantUpdated);
  });

  it('a second model joins; the root is the latest over all models and never moves back', () => {
    const existing = entry({ mediaContainer: { timeRange: [0, 100], updated: 200 } });
    const later = mergeIndexEntry(existing, entry({ metadata: { timeRange: [210, 240], updated: 250 } }));
    expect(later).toEqual(entry({ mediaContainer: { timeRange: [0, 100], updated: 200 }, metadata: { timeRange: [210, 240], updated: 250 } }));
    expect(later.updated).toBe(250);
    const older = mergeIndexEntry(later, entry({ poster: { timeRange: [1, 2], updated: 3 } }));
    expect(older.updated).toBe(250);
    expect(older.affectedModels.mediaContainer).toEqual({ timeRange: [0, 100], updated: 200 });
  });

  it('keeps the first owner and unites the groups', () => {
    const existing = entry({ m: { timeRange: [0, 1], updated: 2 } }, { owner: 7, groups: ['a', 'b'] });
    const merged = mergeIndexEntry(existing, entry({ m: { timeRange: [0, 1], updated: 3 } }, { owner: 9, groups: ['b', 'c'] }));
    expect(merged.owner).toBe(7);
    expect([...merged.groups].sort()).toEqual(['a', 'b', 'c']);
  });

  it('does not change the entries it is given', () => {
    const existing = entry({ m: { timeRange: [0, 100], updated: 200 } });
    const copy = structuredClone(existing);
    mergeIndexEntry(existing, entry({ m: { timeRange: [-5, 500], updated: 900 } }));
    expect(existing).toEqual(copy);
  });
});

describe('index entries of the batcher carry the changes\' groups', () => {
  it('the union of the groups of the changes folded in; owner null', async () => {
    const { hub, clock, read } = await feedHub();
    const { flush } = recordingFlush(clock);
    hub.changes.batchForIndex({ route: mediaRoute, flush, debounceMs: 100 });
    await hub.changes.record([{ model: 'mediaContainer', id: 5, groups: ['a'] }, { model: 'metadata', id: 5, groups: ['b'] }], SYSTEM);
    await clock.advance(100);
    const [e] = (await read()).modelChangesES!;
    expect(e!.owner).toBeNull();
    expect([...e!.groups].sort()).toEqual(['a', 'b']);
  });
});
