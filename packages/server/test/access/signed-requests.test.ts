import { SYSTEM } from '@activityd/core';
import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { adminAuth, bearer, call, newUser, signedHeaders, startApp } from './helpers.js';

const now = () => Math.floor(Date.now() / 1000);
const refused = (message: string) => ({ error: { code: 'ACT_ERR_UNAUTHENTICATED', message } });

/** An app, a group `team`, a user in it, and an access key for that user made over the admin route. */
async function withKey(options: { service?: boolean } = {}) {
  const { hub, app } = await startApp();
  await hub.access.createGroup(SYSTEM, { id: 'team', name: 'team' });
  const { user, token } = await newUser(hub, ['team'], { name: 'uploader' });
  const res = await call(app, { method: 'POST', url: '/v1/admin/keys', headers: adminAuth, payload: { userId: user.id, ...options } });
  expect(res.status).toBe(201);
  const { accessKey, accessSecret } = res.body as { accessKey: string; accessSecret: string };
  return { hub, app, user, token, accessKey, accessSecret };
}

type Key = { app: FastifyInstance; accessKey: string; accessSecret: string };

/** Sends a request signed by `ac-signature` over `signPath` and `signPayload` (default: what is sent). */
function send(k: Key, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: Record<string, unknown>, sign: {
  path?: string; payload?: Record<string, unknown>; version?: number; identifier?: string; ts?: number; drop?: string;
} = {}) {
  const headers = signedHeaders({
    accessKey: k.accessKey, accessSecret: k.accessSecret, path: sign.path ?? url, payload: sign.payload ?? body,
    version: sign.version, identifier: sign.identifier, ts: sign.ts,
  });
  if (sign.drop) delete headers[sign.drop];
  return call(k.app, { method, url, headers, ...(body ? { payload: body } : {}) });
}

describe('AdmiralCloud-signed requests on the native API (client: ac-signature)', () => {
  it.each([5, 3])('version %i: a signed GET and POST pass; the POST creates as the key\'s user, in its groups', async (version) => {
    const k = await withKey();
    expect((await send(k, 'GET', '/v1/activities', undefined, { version })).status).toBe(200);
    // Query parameters are signed too, numbers as the signer sends them.
    const listed = await send(k, 'GET', '/v1/activities?state=all&limit=5', undefined, { version, payload: { state: 'all', limit: 5 } });
    expect(listed.status).toBe(200);
    const created = await send(k, 'POST', '/v1/activities', { type: 'upload', title: 'photo.jpg', context: { b: 1, a: 2 } }, { version });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ type: 'upload', owner: k.user.id, groups: ['team'] });
    // Signed requests reach every route: the owner reports progress and cancels.
    const patched = await send(k, 'PATCH', `/v1/activities/${created.body.id}`, { progress: 40 }, { version });
    expect(patched.status).toBe(200);
    expect(patched.body.progress).toBe(40);
    const cancelled = await send(k, 'DELETE', `/v1/activities/${created.body.id}`, undefined, { version });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.state).toBe('cancelled');
  });

  it('version 1 signs controller/action: refused on a native route (no acAction there), accepted on the /v5 controller', async () => {
    const k = await withKey();
    const v1 = (path: string, action: string) => signedHeaders({ ...k, path, controller: 'activity', action, version: 1 });
    const native = await call(k.app, { method: 'GET', url: '/v1/activities', headers: v1('/v1/activities', 'find') });
    expect(native.status).toBe(401);
    expect(native.body).toMatchObject(refused('acsignature_hashMismatch'));
    // No version header means version 1 too: a path-signed (v5) hash does not match then.
    const unversioned = signedHeaders({ ...k, path: '/v1/activities', version: 5, sendVersion: false });
    expect((await call(k.app, { method: 'GET', url: '/v1/activities', headers: unversioned })).body).toMatchObject(refused('acsignature_hashMismatch'));
    const dialect = await call(k.app, { method: 'GET', url: '/v5/activity', headers: v1('/v5/activity', 'find') });
    expect(dialect.status).toBe(200);
    expect(dialect.body).toHaveProperty('activities');
  });

  it('a tampered body, another path, an unknown key and a missing hash are 401 with the coded message', async () => {
    const k = await withKey();
    const tampered = await send(k, 'POST', '/v1/activities', { type: 'upload', title: 'evil' }, { payload: { type: 'upload', title: 'photo.jpg' } });
    expect(tampered.status).toBe(401);
    expect(tampered.body).toMatchObject(refused('acsignature_hashMismatch'));
    const otherPath = await send(k, 'GET', '/v1/presence', undefined, { path: '/v1/activities' });
    expect([otherPath.status, otherPath.body]).toMatchObject([401, refused('acsignature_hashMismatch')]);
    const otherQuery = await send(k, 'GET', '/v1/activities?state=all', undefined, { payload: { state: 'active' } });
    expect([otherQuery.status, otherQuery.body]).toMatchObject([401, refused('acsignature_hashMismatch')]);
    const unknown = await send({ ...k, accessKey: 'AK00000000000000000000' }, 'GET', '/v1/activities');
    expect([unknown.status, unknown.body]).toMatchObject([401, refused('acsignature_hashMismatch')]);
    const wrongSecret = await send({ ...k, accessSecret: `${k.accessSecret}x` }, 'GET', '/v1/activities');
    expect([wrongSecret.status, wrongSecret.body]).toMatchObject([401, refused('acsignature_hashMismatch')]);
    const missing = await send(k, 'GET', '/v1/activities', undefined, { drop: 'x-admiralcloud-hash' });
    expect([missing.status, missing.body]).toMatchObject([401, refused('acsignature_hashMissing')]);
    expect(await k.hub.list({ state: ['all'] }, SYSTEM)).toMatchObject({ activities: [] });
  });

  it('a timestamp more than 10 s off either way is acsignature_rtsDeviation; within the skew it passes', async () => {
    const k = await withKey();
    for (const ts of [now() - 15, now() + 15, now() - 3600]) {
      const res = await send(k, 'GET', '/v1/activities', undefined, { ts });
      expect([res.status, res.body]).toMatchObject([401, refused('acsignature_rtsDeviation')]);
    }
    const stalePost = await send(k, 'POST', '/v1/activities', { type: 'upload' }, { ts: now() - 15 });
    expect([stalePost.status, stalePost.body]).toMatchObject([401, refused('acsignature_rtsDeviation')]);
    for (const ts of [now() - 7, now() + 7]) expect((await send(k, 'GET', '/v1/activities', undefined, { ts })).status).toBe(200);
  });

  it('a replayed POST or DELETE is acsignature_replayed; a replayed GET is accepted', async () => {
    const k = await withKey();
    const body = { type: 'upload', title: 'once' };
    const headers = signedHeaders({ ...k, path: '/v1/activities', payload: body });
    expect((await call(k.app, { method: 'POST', url: '/v1/activities', headers, payload: body })).status).toBe(201);
    const replay = await call(k.app, { method: 'POST', url: '/v1/activities', headers, payload: body });
    expect([replay.status, replay.body]).toMatchObject([401, refused('acsignature_replayed')]);
    expect((await k.hub.list({ state: ['all'] }, SYSTEM)).activities).toHaveLength(1);

    const id = (await k.hub.list({ state: ['all'] }, SYSTEM)).activities[0]!.id;
    const del = signedHeaders({ ...k, path: `/v1/activities/${id}` });
    expect((await call(k.app, { method: 'DELETE', url: `/v1/activities/${id}`, headers: del })).status).toBe(200);
    const delAgain = await call(k.app, { method: 'DELETE', url: `/v1/activities/${id}`, headers: del });
    expect([delAgain.status, delAgain.body]).toMatchObject([401, refused('acsignature_replayed')]);

    const get = signedHeaders({ ...k, path: '/v1/activities' });
    for (let i = 0; i < 3; i++) expect((await call(k.app, { method: 'GET', url: '/v1/activities', headers: get })).status).toBe(200);
  });

  it('a revoked key and a revoked token are refused at once', async () => {
    const k = await withKey();
    expect((await send(k, 'GET', '/v1/activities')).status).toBe(200);
    expect((await call(k.app, { method: 'GET', url: '/v1/admin/keys', headers: adminAuth })).body.keys.map((x: { accessKey: string }) => x.accessKey)).toContain(k.accessKey);
    expect((await call(k.app, { method: 'DELETE', url: `/v1/admin/keys/${k.accessKey}`, headers: adminAuth })).status).toBe(204);
    const afterKey = await send(k, 'GET', '/v1/activities');
    expect([afterKey.status, afterKey.body]).toMatchObject([401, refused('acsignature_hashMismatch')]);

    expect((await call(k.app, { method: 'GET', url: '/v1/activities', headers: bearer(k.token) })).status).toBe(200);
    const { tokens } = (await call(k.app, { method: 'GET', url: '/v1/admin/tokens', headers: adminAuth })).body as { tokens: Array<{ id: string; userId: number }> };
    const mine = tokens.find((t) => t.userId === k.user.id)!;
    expect((await call(k.app, { method: 'DELETE', url: `/v1/admin/tokens/${mine.id}`, headers: adminAuth })).status).toBe(204);
    const afterToken = await call(k.app, { method: 'GET', url: '/v1/activities', headers: bearer(k.token) });
    expect([afterToken.status, afterToken.body.error.code]).toEqual([401, 'ACT_ERR_UNAUTHENTICATED']);
  });

  it('a service key with x-admiralcloud-identifier acts as that user; a plain key ignores it; an unknown user is refused', async () => {
    const { hub, app } = await startApp();
    await hub.access.createGroup(SYSTEM, { id: 'backend', name: 'backend' });
    await hub.access.createGroup(SYSTEM, { id: 'customer', name: 'customer' });
    const backend = await newUser(hub, ['backend'], { name: 'backend' });
    const customer = await newUser(hub, ['customer'], { name: 'customer' });
    const service = { app, ...(await hub.access.createKey(SYSTEM, { userId: backend.user.id, service: true })) };
    const plain = { app, ...(await hub.access.createKey(SYSTEM, { userId: backend.user.id })) };
    const identifier = String(customer.user.id);

    const onBehalf = await send(service, 'POST', '/v1/activities', { type: 'upload' }, { identifier });
    expect(onBehalf.status).toBe(201);
    expect(onBehalf.body).toMatchObject({ owner: customer.user.id, groups: ['customer'] });
    const asCustomer = await send(service, 'GET', '/v1/activities', undefined, { identifier });
    expect(asCustomer.body.activities.map((a: { id: string }) => a.id)).toEqual([onBehalf.body.id]);
    // The backend itself does not see the customer's activity.
    expect((await send(service, 'GET', '/v1/activities')).body.activities).toEqual([]);

    const plainWithId = await send(plain, 'POST', '/v1/activities', { type: 'upload' }, { identifier });
    expect(plainWithId.body).toMatchObject({ owner: backend.user.id, groups: ['backend'] });
    const nobody = await send(service, 'GET', '/v1/activities', undefined, { identifier: '999' });
    expect([nobody.status, nobody.body]).toMatchObject([401, refused('acsignature_hashMismatch')]);
    // The identifier is signed (v5): changing it breaks the signature.
    const headers = signedHeaders({ ...service, path: '/v1/activities', identifier });
    headers['x-admiralcloud-identifier'] = String(backend.user.id);
    expect((await call(app, { method: 'GET', url: '/v1/activities', headers })).body).toMatchObject(refused('acsignature_hashMismatch'));
  });

  it('a signed request never has the admin scope, even for an admin user\'s key', async () => {
    const { hub, app } = await startApp();
    const admin = (await hub.access.listUsers(SYSTEM)).find((u) => u.admin)!;
    const key = { app, ...(await hub.access.createKey(SYSTEM, { userId: admin.id })) };
    const res = await send(key, 'GET', '/v1/admin/users');
    expect([res.status, res.body.error.code]).toEqual([403, 'ACT_ERR_FORBIDDEN']);
  });
});

describe('401 versus 403, and the failed-authentication limit', () => {
  it('no or a wrong token is 401 ACT_ERR_UNAUTHENTICATED; a valid token lacking the scope is 403 ACT_ERR_FORBIDDEN', async () => {
    const { hub, app } = await startApp();
    const reader = await newUser(hub, ['root'], { scopes: ['read'] });
    for (const headers of [{}, bearer('act_wrong'), { 'x-plex-token': 'wrong' }]) {
      const res = await call(app, { method: 'GET', url: '/v1/activities', headers });
      expect([res.status, res.body.error.code]).toEqual([401, 'ACT_ERR_UNAUTHENTICATED']);
    }
    expect((await call(app, { method: 'GET', url: `/v1/activities?token=${reader.token}` })).status).toBe(200);
    const create = await call(app, { method: 'POST', url: '/v1/activities', headers: bearer(reader.token), payload: { type: 'upload' } });
    expect([create.status, create.body.error.code]).toEqual([403, 'ACT_ERR_FORBIDDEN']);
    const admin = await call(app, { method: 'GET', url: '/v1/admin/users', headers: bearer(reader.token) });
    expect([admin.status, admin.body.error.code]).toEqual([403, 'ACT_ERR_FORBIDDEN']);
  });

  it('past 20 failures from one address within a minute: 429 with Retry-After; valid credentials from it still pass', async () => {
    const { hub, app } = await startApp();
    const good = await newUser(hub, ['root']);
    const key = { app, ...(await hub.access.createKey(SYSTEM, { userId: good.user.id })) };
    const from = (remoteAddress: string, headers: Record<string, string>) => call(app, { method: 'GET', url: '/v1/activities', headers, remoteAddress });
    for (let i = 0; i < 20; i++) {
      const res = await from('10.9.8.7', i % 2 ? bearer(`wrong-${i}`) : { 'x-admiralcloud-accesskey': 'AK1', 'x-admiralcloud-rts': String(now()), 'x-admiralcloud-hash': 'ab' });
      expect(res.status, `failure ${i + 1}`).toBe(401);
    }
    const limited = await from('10.9.8.7', bearer('wrong-21'));
    expect([limited.status, limited.body.error.code]).toEqual([429, 'ACT_ERR_RATE_LIMITED']);
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(limited.text).not.toContain('wrong-21');
    expect((await from('10.9.8.7', bearer(good.token))).status).toBe(200);
    const signed = signedHeaders({ ...key, path: '/v1/activities' });
    expect((await from('10.9.8.7', signed)).status).toBe(200);
    expect((await from('10.9.8.7', bearer('wrong-22'))).status).toBe(429);
    // Another address is not affected.
    expect((await from('10.9.8.8', bearer('wrong'))).status).toBe(401);
  });
});

