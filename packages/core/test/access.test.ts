import { ForbiddenError, NotFoundError } from '@activityd/protocol/errors';
import { describe, expect, it } from 'vitest';
import { SYSTEM } from '../src/index.js';
import { startHub, user } from './hub-fixture.js';

// The broad visibility rule (group tree, tokens) is property-tested in access/; these are the hub's calls, one rule at a time.
const alice = user(1, ['a']);
const bob = user(2, ['b']);
const carol = user(3, ['a']);
const backend = user(10, ['a'], ['read', 'report'], true);

async function world() {
  const fixture = await startHub();
  const { hub, clock } = fixture;
  // One millisecond apart, so the newest-first order is known.
  const create = async (...args: Parameters<typeof hub.create>) => {
    await clock.advance(1);
    return hub.create(...args);
  };
  const mine = await create({ type: 'upload' }, alice);
  const bobs = await create({ type: 'upload' }, bob);
  const shared = await create({ type: 'upload', groups: ['a'] }, carol);
  const carolsPrivate = await create({ type: 'upload', groups: [] }, carol);
  return { ...fixture, mine, bobs, shared, carolsPrivate };
}

const errorOf = (promise: Promise<unknown>) => promise.then(() => null, (e: unknown) => e);

describe('access through the hub', () => {
  it('a created activity belongs to its creator and the creator\'s groups', async () => {
    const { mine, shared, carolsPrivate } = await world();
    expect(mine).toMatchObject({ owner: 1, groups: ['a'] });
    expect(shared).toMatchObject({ owner: 3, groups: ['a'] });
    expect(carolsPrivate).toMatchObject({ owner: 3, groups: [] });
  });

  it('a user lists and gets what it owns or shares a group with, and nothing else', async () => {
    const { hub, mine, bobs, shared, carolsPrivate } = await world();
    const listed = (await hub.list({}, alice)).activities.map((a) => a.id);
    expect(listed).toEqual([shared.id, mine.id]);
    expect((await hub.get(shared.id, alice)).id).toBe(shared.id);
    expect((await hub.list({}, carol)).activities.map((a) => a.id)).toEqual([carolsPrivate.id, shared.id, mine.id]);
    expect((await hub.list({}, SYSTEM)).activities).toHaveLength(4);
    for (const hidden of [bobs.id, carolsPrivate.id]) {
      const error = await errorOf(hub.get(hidden, alice));
      expect(error).toBeInstanceOf(NotFoundError);
      // An invisible activity looks exactly like an unknown one.
      const unknown = await errorOf(hub.get('00000000-0000-0000-0000-000000000000', alice));
      expect([(error as NotFoundError).code, (error as NotFoundError).status]).toEqual([(unknown as NotFoundError).code, 404]);
      await expect(hub.result(hidden, alice)).rejects.toBeInstanceOf(NotFoundError);
      await expect(hub.wait(hidden, 1_000, alice)).rejects.toBeInstanceOf(NotFoundError);
      await expect(hub.cancel(hidden, alice)).rejects.toBeInstanceOf(NotFoundError);
      await expect(hub.update(hidden, { progress: 1 }, alice)).rejects.toBeInstanceOf(NotFoundError);
    }
  });

  it('only the owner of an activity it can see, or a service principal (any activity), may update it', async () => {
    const { hub, mine, shared, bobs } = await world();
    const error = await errorOf(hub.update(shared.id, { progress: 10 }, alice));
    expect(error).toBeInstanceOf(ForbiddenError);
    expect(error).toMatchObject({ code: 'ACT_ERR_FORBIDDEN', status: 403 });
    await expect(hub.complete(shared.id, {}, alice)).rejects.toBeInstanceOf(ForbiddenError);
    expect((await hub.get(shared.id, SYSTEM)).progress).toBeNull();
    expect(await hub.update(mine.id, { progress: 10 }, alice)).toMatchObject({ progress: 10 });
    expect(await hub.update(shared.id, { progress: 20 }, carol)).toMatchObject({ progress: 20 });
    expect(await hub.update(shared.id, { progress: 30 }, backend)).toMatchObject({ progress: 30 });
    // DESIGN 11: a service token may update any activity, also one created for a user outside its groups.
    expect(await hub.update(bobs.id, { progress: 30 }, backend)).toMatchObject({ progress: 30 });
    await expect(hub.update(bobs.id, { progress: 40 }, alice)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('cancel needs the cancel scope; with it, anyone who can see the activity may cancel', async () => {
    const { hub, mine, shared } = await world();
    const noCancel = user(1, ['a'], ['read', 'report']);
    const error = await errorOf(hub.cancel(mine.id, noCancel));
    expect(error).toBeInstanceOf(ForbiddenError);
    expect(error).toMatchObject({ details: { scope: 'cancel' } });
    expect((await hub.get(mine.id, SYSTEM)).state).toBe('running');
    await expect(hub.cancel(shared.id, backend)).rejects.toBeInstanceOf(ForbiddenError);
    expect((await hub.cancel(shared.id, alice)).state).toBe('cancelled');
    expect((await hub.cancel(mine.id, user(1, ['a'], ['admin']))).state).toBe('cancelled');
  });

  it('reading needs read, creating needs report', async () => {
    const { hub, mine } = await world();
    await expect(hub.get(mine.id, user(1, ['a'], ['report']))).rejects.toBeInstanceOf(ForbiddenError);
    await expect(hub.list({}, user(1, ['a'], ['report']))).rejects.toBeInstanceOf(ForbiddenError);
    await expect(hub.create({ type: 'upload' }, user(1, ['a'], ['read']))).rejects.toBeInstanceOf(ForbiddenError);
    expect((await hub.get(mine.id, user(1, ['a'], ['read']))).id).toBe(mine.id);
  });

  it('a non-admin may share only with its own groups, and create only for itself unless a service', async () => {
    const { hub } = await world();
    await expect(hub.create({ type: 'upload', groups: ['b'] }, alice)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(hub.create({ type: 'upload', owner: 2 }, alice)).rejects.toBeInstanceOf(ForbiddenError);
    expect(await hub.create({ type: 'upload', owner: 1, groups: ['a'] }, backend)).toMatchObject({ owner: 1, groups: ['a'] });
  });
});
