import { ForbiddenError, ValidationError } from '@activityd/protocol/errors';
import { describe, expect, it } from 'vitest';
import { SYSTEM, type Principal } from '../../src/index.js';
import { accessWorld, advanceTo, feedHub, keys, STORES, T0 } from './feed-fixture.js';

const indexed = (id: number, updated: number) => ({ model: 'es:m', id, affectedModels: { m: { timeRange: [updated - 1, updated - 1] as [number, number], updated } } });

describe.each(STORES)('reading the feed (%s)', (_name, makeStore) => {
  it('`since` returns only entries written after it', async () => {
    const { hub, clock, read } = await feedHub({ store: makeStore() });
    await hub.changes.record({ model: 'm', id: 1 });
    await hub.changes.indexed(indexed(1, T0));
    await advanceTo(clock, T0 + 10);
    await hub.changes.record({ model: 'm', id: 2, at: T0 - 5_000 }); // an old `at` is not a write time
    await hub.changes.indexed(indexed(2, T0 + 10));
    await advanceTo(clock, T0 + 20);

    expect(keys((await read(T0 - 1)).modelChanges)).toEqual(['m/1', 'm/2']);
    expect(keys((await read(T0)).modelChanges)).toEqual(['m/2']);
    expect(keys((await read(T0)).modelChangesES)).toEqual(['es:m/2']);
    expect(keys((await read(T0 + 9)).modelChanges)).toEqual(['m/2']);
    expect(await read(T0 + 10)).toEqual({ now: T0 + 19, modelChanges: [], modelChangesES: [] });
    expect(keys((await read()).modelChanges)).toEqual(['m/1', 'm/2']); // no since: everything kept
  });

  it('the reply\'s `now`, used as the next `since`, misses nothing and repeats nothing', async () => {
    const { hub, clock, read } = await feedHub({ store: makeStore() });
    await hub.changes.record([{ model: 'm', id: 1 }, { model: 'm', id: 2 }]);
    await hub.changes.indexed(indexed(1, T0));
    await advanceTo(clock, T0 + 5);
    const first = await read();
    expect(keys(first.modelChanges)).toEqual(['m/1', 'm/2']);
    expect(keys(first.modelChangesES)).toEqual(['es:m/1']);
    expect(first.now).toBeLessThan(T0 + 5);

    await advanceTo(clock, T0 + 6);
    await hub.changes.record({ model: 'm', id: 3 });
    await hub.changes.indexed(indexed(1, T0 + 6)); // the same document, re-indexed: it is new again
    await advanceTo(clock, T0 + 7);
    const second = await read(first.now);
    expect(keys(second.modelChanges)).toEqual(['m/3']);
    expect(second.modelChangesES).toEqual([expect.objectContaining({ id: 1, affectedModels: { m: { timeRange: [T0 - 1, T0 + 5], updated: T0 + 6 } }, updated: T0 + 6 })]);

    await advanceTo(clock, T0 + 50);
    const third = await read(second.now);
    expect(third).toEqual({ now: T0 + 49, modelChanges: [], modelChangesES: [] });
  });

  it('a write in the same millisecond as the read, after it, is in the next read', async () => {
    const { hub, clock, read } = await feedHub({ store: makeStore() });
    await advanceTo(clock, T0 + 100);
    const first = await read();
    expect(first).toEqual({ now: T0 + 99, modelChanges: [], modelChangesES: [] });
    await hub.changes.record({ model: 'm', id: 'late' }); // clock not moved: same ms as the read
    await hub.changes.indexed(indexed(9, T0 + 100));
    const next = await read(first.now);
    expect(keys(next.modelChanges)).toEqual(['m/"late"']);
    expect(keys(next.modelChangesES)).toEqual(['es:m/9']);
  });

  it('`include` selects exactly the requested views; absent views are absent keys', async () => {
    const { hub } = await feedHub({ store: makeStore() });
    await hub.changes.record({ model: 'm', id: 1 });
    await hub.changes.indexed(indexed(1, T0));
    const onlyChanges = await hub.changes.read({ include: ['modelChanges'] }, SYSTEM);
    expect(Object.keys(onlyChanges).sort()).toEqual(['modelChanges', 'now']);
    expect(keys(onlyChanges.modelChanges)).toEqual(['m/1']);
    const onlyIndex = await hub.changes.read({ include: ['modelChangesES'] }, SYSTEM);
    expect(Object.keys(onlyIndex).sort()).toEqual(['modelChangesES', 'now']);
    expect(keys(onlyIndex.modelChangesES)).toEqual(['es:m/1']);
    for (const include of [undefined, [], ['modelChanges', 'modelChangesES'], ['modelChangesES', 'modelChanges', 'modelChanges']]) {
      const both = await hub.changes.read({ include }, SYSTEM);
      expect(Object.keys(both).sort()).toEqual(['modelChanges', 'modelChangesES', 'now']);
    }
    // Requested but empty is an empty array, not an absent key.
    const empty = await hub.changes.read({ since: T0, include: ['modelChangesES'] }, SYSTEM);
    expect(empty).toEqual({ now: T0 - 1, modelChangesES: [] });
  });

  it.each([[['modelchanges']], [['modelChanges', 'activities']], [['']], [['modelChangesES ']]])('an unknown include %j is a ValidationError', async (include) => {
    const { hub } = await feedHub({ store: makeStore() });
    await expect(hub.changes.read({ include }, SYSTEM)).rejects.toBeInstanceOf(ValidationError);
  });

  it('the wire form of an entry: no write time, no version', async () => {
    const { hub, read } = await feedHub({ store: makeStore() });
    await hub.changes.record({ model: 'm', id: 1, action: 'delete', at: 42, groups: ['g'] });
    await hub.changes.indexed({ ...indexed(1, T0), groups: ['g'] });
    const feed = await read();
    expect(feed.modelChanges).toEqual([{ model: 'm', id: 1, action: 'delete', at: 42, owner: null, groups: ['g'] }]);
    expect(feed.modelChangesES).toEqual([{ ...indexed(1, T0), updated: T0, owner: null, groups: ['g'] }]);
  });
});

describe.each(STORES)('feed access (%s)', (_name, makeStore) => {
  async function world() {
    const f = await feedHub({ store: makeStore() });
    const people = await accessWorld(f.hub);
    const { hub } = f;
    await hub.changes.record({ model: 'm', id: 'alice-own' }, people.alice); // owner alice, groups [studio-a]
    await hub.changes.record({ model: 'm', id: 'carol-private', groups: [] }, people.carol); // owner carol, no group
    await hub.changes.record([
      { model: 'm', id: 'studio', groups: ['studio'] },
      { model: 'm', id: 'studio-a', groups: ['studio-a'] },
      { model: 'm', id: 'other', groups: ['other'] },
      { model: 'm', id: 'nobody' }, // the admin's own: no owner, no group
    ], SYSTEM);
    await hub.changes.indexed([
      { ...indexed(1, T0), groups: ['studio-a'] },
      { ...indexed(2, T0), groups: ['other'] },
      { ...indexed(3, T0), groups: ['studio', 'other'] },
    ], SYSTEM);
    await hub.changes.indexed({ ...indexed(4, T0) }, people.carol); // owner carol, groups [other]
    return { ...f, ...people };
  }
  const seen = async (f: Awaited<ReturnType<typeof world>>, who: Principal) => {
    const feed = await f.hub.changes.read({}, who);
    return { changes: feed.modelChanges!.map((c) => c.id), index: feed.modelChangesES!.map((e) => e.id) };
  };

  it('entries carry the recorder as owner and its groups', async () => {
    const f = await world();
    const feed = await f.hub.changes.read({}, SYSTEM);
    expect(feed.modelChanges!.find((c) => c.id === 'alice-own')).toMatchObject({ owner: f.alice.userId, groups: ['studio-a'] });
    expect(feed.modelChanges!.find((c) => c.id === 'carol-private')).toMatchObject({ owner: f.carol.userId, groups: [] });
    expect(feed.modelChangesES!.find((e) => e.id === 4)).toMatchObject({ owner: f.carol.userId, groups: ['other'] });
  });

  it('an admin sees everything', async () => {
    const f = await world();
    expect(await seen(f, SYSTEM)).toEqual({ changes: ['alice-own', 'carol-private', 'studio', 'studio-a', 'other', 'nobody'], index: [1, 2, 3, 4] });
  });

  it('a user sees what it owns and what shares a group at or below its own, never above', async () => {
    const f = await world();
    expect(await seen(f, f.alice)).toEqual({ changes: ['alice-own', 'studio-a'], index: [1] });
    expect(await seen(f, f.bob)).toEqual({ changes: ['alice-own', 'studio', 'studio-a'], index: [1, 3] });
    expect(await seen(f, f.carol)).toEqual({ changes: ['carol-private', 'other'], index: [2, 3, 4] });
  });

  it('a hand-built principal follows the same rule', async () => {
    const f = await world();
    const outsider: Principal = { userId: 999, admin: false, scopes: ['read', 'report', 'cancel'], groups: ['other'], visibleGroups: ['other'], service: false };
    expect(await seen(f, outsider)).toEqual({ changes: ['other'], index: [2, 3, 4] });
    const stranger: Principal = { ...outsider, groups: ['elsewhere'], visibleGroups: ['elsewhere'] };
    expect(await seen(f, stranger)).toEqual({ changes: [], index: [] });
  });

  it('a user may name only its own groups; a refused batch records nothing', async () => {
    const f = await world();
    const before = await f.hub.changes.read({}, SYSTEM);
    await expect(f.hub.changes.record([{ model: 'm', id: 'x' }, { model: 'm', id: 'y', groups: ['other'] }], f.alice)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(f.hub.changes.indexed({ ...indexed(9, T0), groups: ['studio'] }, f.alice)).rejects.toBeInstanceOf(ForbiddenError);
    // The refused entry second in its batch: the first one is not written either.
    await expect(f.hub.changes.indexed([indexed(8, T0), { ...indexed(9, T0), groups: ['studio'] }], f.alice)).rejects.toBeInstanceOf(ForbiddenError);
    expect(await f.hub.changes.read({}, SYSTEM)).toEqual(before);
  });

  it('reading needs the read scope, recording the report scope', async () => {
    const f = await world();
    const reporterOnly: Principal = { ...f.alice, scopes: ['report'] };
    const readerOnly: Principal = { ...f.alice, scopes: ['read'] };
    await expect(f.hub.changes.read({}, reporterOnly)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(f.hub.changes.record({ model: 'm', id: 1 }, readerOnly)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(f.hub.changes.indexed(indexed(1, T0), readerOnly)).rejects.toBeInstanceOf(ForbiddenError);
  });
});
