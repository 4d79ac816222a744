// Every typed method of the client against a real `activityd serve` process.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UnauthenticatedError, type Activity, type ActivitydClient } from '@activityd/client';
import { clientOf, startServe, TOKEN, type ServeProcess } from './support/servers.js';

let server: ServeProcess;
let client: ActivitydClient;
beforeAll(async () => {
  server = await startServe(['serve', '--port', '0', '--store', 'memory', '--log-level', 'warn'], { ACTIVITYD_ADMIN_TOKEN: TOKEN });
  client = clientOf(server.url);
});
afterAll(async () => {
  await server?.kill();
});

/** A unique type per test, so lists in one shared server do not see each other's activities. */
let n = 0;
const uniqueType = (base: string) => `${base}.t${++n}${Date.now().toString(36)}`;

describe('activities', () => {
  it('create, get, update, complete and result round-trip the wire types', async () => {
    const type = uniqueType('media.transcode');
    const created = await client.create({ type, title: 'Transcoding Alien (1979)', context: { mediaContainerId: 42 } });
    expect(created).toMatchObject({
      type, title: 'Transcoding Alien (1979)', state: 'running', progress: null, cancellable: true,
      context: { mediaContainerId: 42 }, result: null, error: null, leaseMs: 90_000, heartbeatMs: 30_000,
    });
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await client.get(created.id)).toEqual(created);

    const updated = await client.update(created.id, { progress: 40, subtitle: '1080p → 720p' });
    expect(updated).toMatchObject({ progress: 40, subtitle: '1080p → 720p', state: 'running' });
    expect(updated.seq).toBeGreaterThan(created.seq);
    expect(updated.leaseExpiresAt!).toBeGreaterThanOrEqual(created.leaseExpiresAt!);

    const completed = await client.complete(created.id, { bytes: 1234, path: '/out/alien.mkv' });
    expect(completed).toMatchObject({ state: 'completed', progress: 100, result: { bytes: 1234, path: '/out/alien.mkv' } });
    expect(completed.endedAt).toEqual(expect.any(Number));
    expect(await client.result(created.id)).toEqual({ bytes: 1234, path: '/out/alien.mkv' });
  });

  it('complete without a result gives `{}` as the result', async () => {
    const a = await client.create({ type: uniqueType('job') });
    expect(a.title).toBe(a.type);
    await client.complete(a.id);
    expect(await client.result(a.id)).toEqual({});
  });

  it('fail ends with the error (code defaults to `failed`); cancel ends cancelled', async () => {
    const a = await client.create({ type: uniqueType('job') });
    expect(await client.fail(a.id, { code: 'disk_full', message: 'no space left' })).toMatchObject({
      state: 'failed', error: { code: 'disk_full', message: 'no space left' },
    });
    const b = await client.create({ type: uniqueType('job') });
    expect((await client.fail(b.id, { message: 'broken' })).error).toEqual({ code: 'failed', message: 'broken' });
    const c = await client.create({ type: uniqueType('job') });
    expect(await client.cancel(c.id)).toMatchObject({ id: c.id, state: 'cancelled' });
    expect((await client.get(c.id)).state).toBe('cancelled');
  });

  it('get with waitSeconds long-polls until the activity ends', async () => {
    const a = await client.create({ type: uniqueType('job') });
    const started = Date.now();
    const waiting = client.get(a.id, { waitSeconds: 10 });
    await new Promise((resolve) => setTimeout(resolve, 150));
    await client.complete(a.id, { ok: true });
    const ended = await waiting;
    expect(ended).toMatchObject({ state: 'completed', result: { ok: true } });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('list filters by state, type (prefix), id and parentId, and pages with limit and cursor', async () => {
    const base = uniqueType('media');
    const a = await client.create({ type: `${base}.transcode`, title: 'A' });
    const b = await client.create({ type: `${base}.transcode`, title: 'B' });
    const c = await client.create({ type: `${base}.upload`, title: 'C', parentId: a.id });
    await client.complete(b.id);
    const ids = (page: { activities: Activity[] }) => page.activities.map((x) => x.id);

    expect(ids(await client.list({ type: [`${base}.*`] }))).toEqual([c.id, b.id, a.id]); // newest first
    expect(ids(await client.list({ type: [`${base}.*`], state: ['running'] }))).toEqual([c.id, a.id]);
    expect(ids(await client.list({ type: [`${base}.transcode`], state: ['ended'] }))).toEqual([b.id]);
    expect(ids(await client.list({ id: [a.id, c.id] }))).toEqual([c.id, a.id]);
    expect(ids(await client.list({ parentId: a.id }))).toEqual([c.id]);

    const first = await client.list({ type: [`${base}.*`], limit: 2 });
    expect(ids(first)).toEqual([c.id, b.id]);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await client.list({ type: [`${base}.*`], limit: 2, cursor: first.nextCursor! });
    expect(ids(second)).toEqual([a.id]);
    expect(second.nextCursor).toBeNull();
  });
});

describe('change feed and presence', () => {
  it('recordChanges, then changes since the previous `now` returns them (ids keep their JSON type)', async () => {
    const before = await client.changes({ include: ['modelChanges'] });
    expect(before.now).toEqual(expect.any(Number));
    expect(await client.recordChanges([
      { model: 'movie', id: 42, action: 'updated' },
      { model: 'show', id: 'breaking-bad' },
    ])).toEqual({ recorded: 2 });
    const after = await client.changes({ since: before.now, include: ['modelChanges'] });
    expect(after.modelChangesES).toBeUndefined();
    expect(after.modelChanges).toEqual(expect.arrayContaining([
      expect.objectContaining({ model: 'movie', id: 42, action: 'updated' }),
      expect.objectContaining({ model: 'show', id: 'breaking-bad', action: 'update' }),
    ]));
    const both = await client.changes({ since: before.now });
    expect(both.modelChangesES).toEqual(expect.any(Array));
    const later = await client.changes({ since: after.now, include: ['modelChanges'] });
    expect(later.modelChanges).toEqual([]);
  });

  it('presence lists who listed activities', async () => {
    await client.list({ limit: 1 });
    const { presence } = await client.presence();
    expect(presence).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'admin', seenAt: expect.any(Number) })]));
  });
});

describe('me', () => {
  it('says whose token it is and what it may do: the admin, then a read-only user', async () => {
    expect(await client.me()).toEqual({ userId: 1, admin: true, scopes: ['read', 'report', 'cancel', 'admin'], groups: ['root'], service: true });
    const group = await client.admin.create<{ id: string }>('groups', { name: 'Viewers', id: `viewers-${++n}` });
    const user = await client.admin.create<{ id: number }>('users', { name: 'viewer', groups: [group.id] });
    const { token } = await client.admin.create<{ token: string }>('tokens', { userId: user.id, scopes: ['read'] });
    expect(await clientOf(server.url, token).me()).toEqual({ userId: user.id, admin: false, scopes: ['read'], groups: [group.id], service: false });
  });
});

describe('admin', () => {
  it('create, list and remove groups, users, tokens and keys; a removed token stops working', async () => {
    const groupId = `editors-${++n}`;
    const group = await client.admin.create<{ id: string; name: string }>('groups', { name: 'Editors', id: groupId });
    expect(group).toMatchObject({ id: groupId, name: 'Editors' });
    const user = await client.admin.create<{ id: number; name: string }>('users', { name: `alice${n}`, groups: [groupId] });
    expect(user).toMatchObject({ name: `alice${n}`, groups: [groupId], admin: false });
    const token = await client.admin.create<{ id: string; token: string; scopes: string[] }>('tokens', { userId: user.id, scopes: ['read'], name: 'alice cli' });
    expect(token).toMatchObject({ userId: user.id, scopes: ['read'], token: expect.any(String) });
    const key = await client.admin.create<{ accessKey: string; accessSecret: string }>('keys', { userId: user.id });
    expect(key).toMatchObject({ userId: user.id, accessKey: expect.any(String), accessSecret: expect.any(String) });

    expect(await client.admin.list('groups')).toEqual(expect.arrayContaining([expect.objectContaining({ id: groupId })]));
    expect(await client.admin.list('users')).toEqual(expect.arrayContaining([expect.objectContaining({ id: user.id })]));
    expect(await client.admin.list('tokens')).toEqual(expect.arrayContaining([expect.objectContaining({ id: token.id, name: 'alice cli' })]));
    expect(await client.admin.list('keys')).toEqual(expect.arrayContaining([expect.objectContaining({ accessKey: key.accessKey })]));

    const alice = clientOf(server.url, token.token);
    expect((await alice.list()).activities).toEqual([]); // sees nothing of root's
    await client.admin.remove('tokens', token.id);
    await expect(alice.list()).rejects.toBeInstanceOf(UnauthenticatedError);

    await client.admin.remove('keys', key.accessKey);
    await client.admin.remove('users', user.id);
    await client.admin.remove('groups', groupId);
    expect(await client.admin.list<{ id: string }>('tokens')).not.toEqual(expect.arrayContaining([expect.objectContaining({ id: token.id })]));
    expect(await client.admin.list('keys')).not.toEqual(expect.arrayContaining([expect.objectContaining({ accessKey: key.accessKey })]));
    expect(await client.admin.list('users')).not.toEqual(expect.arrayContaining([expect.objectContaining({ id: user.id })]));
    expect(await client.admin.list('groups')).not.toEqual(expect.arrayContaining([expect.objectContaining({ id: groupId })]));
  });
});
