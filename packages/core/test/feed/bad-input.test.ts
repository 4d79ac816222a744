import { ValidationError } from '@activityd/protocol/errors';
import { describe, expect, it } from 'vitest';
import { MAX_FEED_BATCH, type ChangeInput, type IndexInput } from '../../src/index.js';
import { feedHub, STORES, T0 } from './feed-fixture.js';

// In-process callers get the same rules as HTTP ones: each bad batch is a ValidationError and
// records nothing, not even its good entries; no event is emitted for it.
const good: ChangeInput = { model: 'metadata', id: 1 };
const goodIndex: IndexInput = { model: 'es:m', id: 1, affectedModels: { metadata: { timeRange: [T0 - 10, T0], updated: T0 } } };
const asChange = (v: unknown) => v as ChangeInput;
const asIndex = (v: unknown) => v as IndexInput;

const badChanges: Array<[string, ChangeInput[]]> = [
  ['a missing model', [good, asChange({ id: 2 })]],
  ['an empty model', [asChange({ model: '', id: 2 })]],
  ['a non-string model', [asChange({ model: 7, id: 2 })]],
  ['a missing id', [good, asChange({ model: 'metadata' })]],
  ['a fractional id', [asChange({ model: 'metadata', id: 1.5 })]],
  ['a boolean id', [asChange({ model: 'metadata', id: true })]],
  ['an object id', [asChange({ model: 'metadata', id: {} })]],
  ['a null id', [asChange({ model: 'metadata', id: null })]],
  ['an empty string id', [asChange({ model: 'metadata', id: '' })]],
  ['an unsafe integer id', [asChange({ model: 'metadata', id: 2 ** 53 })]],
  ['a NaN id', [asChange({ model: 'metadata', id: NaN })]],
  ['an `at` more than 60 s ahead', [good, { model: 'metadata', id: 2, at: T0 + 60_001 }]],
  ['a negative `at`', [{ model: 'metadata', id: 2, at: -1 }]],
  ['a fractional `at`', [{ model: 'metadata', id: 2, at: T0 + 0.5 }]],
  ['a string `at`', [asChange({ model: 'metadata', id: 2, at: String(T0) })]],
  ['an empty action', [{ model: 'metadata', id: 2, action: '' }]],
  ['an empty batch', []],
  [`more than ${MAX_FEED_BATCH} entries`, Array.from({ length: MAX_FEED_BATCH + 1 }, (_, i) => ({ model: 'm', id: i }))],
];

const range = (first: number, last: number, updated = T0) => ({ metadata: { timeRange: [first, last] as [number, number], updated } });
const badIndex: Array<[string, IndexInput[]]> = [
  ['a missing model', [goodIndex, asIndex({ id: 2, affectedModels: range(1, 2) })]],
  ['a missing id', [asIndex({ model: 'es:m', affectedModels: range(1, 2) })]],
  ['a fractional id', [asIndex({ model: 'es:m', id: 1.5, affectedModels: range(1, 2) })]],
  ['a boolean id', [asIndex({ model: 'es:m', id: false, affectedModels: range(1, 2) })]],
  ['no affected model', [{ model: 'es:m', id: 2, affectedModels: {} }]],
  ['missing affectedModels', [asIndex({ model: 'es:m', id: 2 })]],
  ['a timeRange with first after last', [goodIndex, { model: 'es:m', id: 2, affectedModels: range(T0, T0 - 1) }]],
  ['a timeRange of one value', [asIndex({ model: 'es:m', id: 2, affectedModels: { metadata: { timeRange: [T0], updated: T0 } } })]],
  ['a missing updated', [asIndex({ model: 'es:m', id: 2, affectedModels: { metadata: { timeRange: [1, 2] } } })]],
  ['a timeRange ending more than 60 s ahead', [{ model: 'es:m', id: 2, affectedModels: range(T0, T0 + 60_001, T0) }]],
  ['an updated more than 60 s ahead', [{ model: 'es:m', id: 2, affectedModels: range(T0, T0, T0 + 60_001) }]],
  ['an empty batch', []],
  [`more than ${MAX_FEED_BATCH} entries`, Array.from({ length: MAX_FEED_BATCH + 1 }, (_, i) => ({ ...goodIndex, id: i }))],
];

describe.each(STORES)('bad feed input in-process (%s)', (_name, makeStore) => {
  it.each(badChanges)('record: %s rejects the whole batch', async (_what, batch) => {
    const { hub, read, events } = await feedHub({ store: makeStore() });
    await hub.changes.record({ model: 'before', id: 0 });
    const before = await read();
    const error = await hub.changes.record(batch).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ code: 'ACT_ERR_VALIDATION', status: 400 });
    expect(await read()).toEqual(before);
    expect(events).toHaveLength(1);
  });

  it.each(badIndex)('indexed: %s rejects the whole batch', async (_what, batch) => {
    const { hub, read, events } = await feedHub({ store: makeStore() });
    await hub.changes.indexed({ ...goodIndex, id: 'before' });
    const before = await read();
    await expect(hub.changes.indexed(batch)).rejects.toBeInstanceOf(ValidationError);
    expect(await read()).toEqual(before);
    expect(events).toHaveLength(1);
  });

  it('the limits themselves are accepted: 60 s ahead exactly, 10,000 entries, epoch 0, a one-point range', async () => {
    const { hub, read } = await feedHub({ store: makeStore() });
    await hub.changes.record({ model: 'metadata', id: 'edge', at: T0 + 60_000 });
    await hub.changes.record({ model: 'metadata', id: 'zero', at: 0 });
    expect(await hub.changes.record(Array.from({ length: MAX_FEED_BATCH }, (_, i) => ({ model: 'm', id: i })))).toHaveLength(MAX_FEED_BATCH);
    await hub.changes.indexed({ model: 'es:m', id: 1, affectedModels: range(T0 + 60_000, T0 + 60_000, T0 + 60_000) });
    const feed = await read();
    expect(feed.modelChanges).toHaveLength(MAX_FEED_BATCH + 2);
    expect(feed.modelChanges!.slice(0, 2).map((c) => c.at)).toEqual([T0 + 60_000, 0]);
    expect(feed.modelChangesES).toHaveLength(1);
  });

  it('ids keep their JSON type: 1 and "1" are different documents', async () => {
    const { hub, read } = await feedHub({ store: makeStore() });
    await hub.changes.record([{ model: 'metadata', id: 1 }, { model: 'metadata', id: '1' }]);
    await hub.changes.indexed([{ ...goodIndex, id: 1 }, { ...goodIndex, id: '1' }]);
    const feed = await read();
    expect(feed.modelChanges!.map((c) => c.id)).toEqual([1, '1']);
    expect(feed.modelChangesES!.map((e) => e.id)).toEqual([1, '1']);
  });

  it('action defaults to "update" and at to the write time; a given action is kept', async () => {
    const { hub, read } = await feedHub({ store: makeStore() });
    await hub.changes.record([{ model: 'metadata', id: 1 }, { model: 'metadata', id: 2, action: 'delete', at: T0 - 3 }]);
    expect((await read()).modelChanges!.map((c) => [c.action, c.at])).toEqual([['update', T0], ['delete', T0 - 3]]);
  });
});
