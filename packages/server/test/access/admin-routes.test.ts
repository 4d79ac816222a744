import { createHash } from 'node:crypto';
import { SYSTEM } from '@activityd/core';
import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { adminAuth, bearer, call, newUser, startApp } from './helpers.js';

const admin = (app: FastifyInstance, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown) =>
  call(app, { method, url, headers: adminAuth, ...(payload !== undefined ? { payload: payload as object } : {}) });
const code = (res: { status: number; body: { error?: { code?: string } } | undefined }) => [res.status, res.body?.error?.code];

describe('/v1/admin/groups', () => {
  it('root always exists and is the default parent; unknown parents, deleting root or a group with children are 400', async () => {
    const { app } = await startApp();
    expect((await admin(app, 'GET', '/v1/admin/groups')).body.groups).toContainEqual(expect.objectContaining({ id: 'root', parentId: null }));
    const team = await admin(app, 'POST', '/v1/admin/groups', { name: 'Team A' });
    expect(team.status).toBe(201);
    expect(team.body).toMatchObject({ id: expect.any(String), name: 'Team A', parentId: 'root' });
    const sub = await admin(app, 'POST', '/v1/admin/groups', { name: 'Sub', id: 'sub', parentId: team.body.id });
    expect(sub.body).toMatchObject({ id: 'sub', name: 'Sub', parentId: team.body.id });
    expect(code(await admin(app, 'POST', '/v1/admin/groups', { name: 'Orphan', parentId: 'nope' }))).toEqual([400, 'ACT_ERR_VALIDATION']);
    expect(code(await admin(app, 'POST', '/v1/admin/groups', { name: 'Again', id: 'sub' }))).toEqual([400, 'ACT_ERR_VALIDATION']);
    expect(code(await admin(app, 'DELETE', '/v1/admin/groups/root'))).toEqual([400, 'ACT_ERR_VALIDATION']);
    expect(code(await admin(app, 'DELETE', `/v1/admin/groups/${team.body.id}`))).toEqual([400, 'ACT_ERR_VALIDATION']);
    expect(code(await admin(app, 'DELETE', '/v1/admin/groups/never-made'))).toEqual([404, 'ACT_ERR_NOT_FOUND']);
    expect((await admin(app, 'DELETE', '/v1/admin/groups/sub')).status).toBe(204);
    expect((await admin(app, 'DELETE', `/v1/admin/groups/${team.body.id}`)).status).toBe(204);
    expect((await admin(app, 'GET', '/v1/admin/groups')).body.groups.map((g: { id: string }) => g.id)).toEqual(['root']);
  });
});

describe('/v1/admin/users', () => {
  it('creates users with positive integer ids; unknown groups are 400; deleting one removes its tokens', async () => {
    const { app } = await startApp();
    expect(code(await admin(app, 'POST', '/v1/admin/users', { name: 'ann', groups: ['nope'] }))).toEqual([400, 'ACT_ERR_VALIDATION']);
    const ann = await admin(app, 'POST', '/v1/admin/users', { name: 'ann', groups: ['root'] });
    expect(ann.status).toBe(201);
    expect(ann.body).toMatchObject({ name: 'ann', groups: ['root'], admin: false });
    expect(Number.isInteger(ann.body.id) && ann.body.id > 0).toBe(true);
    const bob = await admin(app, 'POST', '/v1/admin/users', { name: 'bob', groups: [], admin: true });
    expect(bob.body).toMatchObject({ name: 'bob', groups: [], admin: true });
    expect(bob.body.id).toBeGreaterThan(ann.body.id);
    expect((await admin(app, 'GET', '/v1/admin/users')).body.users.map((u: { name: string }) => u.name)).toEqual(expect.arrayContaining(['ann', 'bob']));

    const { token } = (await admin(app, 'POST', '/v1/admin/tokens', { userId: ann.body.id })).body as { token: string };
    expect((await call(app, { method: 'GET', url: '/v1/activities', headers: bearer(token) })).status).toBe(200);
    expect(code(await admin(app, 'DELETE', '/v1/admin/users/abc'))).toEqual([400, 'ACT_ERR_VALIDATION']);
    expect(code(await admin(app, 'DELETE', '/v1/admin/users/99999'))).toEqual([404, 'ACT_ERR_NOT_FOUND']);
    expect((await admin(app, 'DELETE', `/v1/admin/users/${ann.body.id}`)).status).toBe(204);
    expect(code(await call(app, { method: 'GET', url: '/v1/activities', headers: bearer(token) }))).toEqual([401, 'ACT_ERR_UNAUTHENTICATED']);
  });
});

describe('/v1/admin/tokens and /v1/admin/keys', () => {
  it('a token is shown once: the list never holds the token or its hash', async () => {
    const { app } = await startApp();
    const user = (await admin(app, 'POST', '/v1/admin/users', { name: 'ann', groups: ['root'] })).body as { id: number };
    const made = await admin(app, 'POST', '/v1/admin/tokens', { userId: user.id, name: 'ci' });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ id: expect.any(String), token: expect.any(String), userId: user.id, scopes: ['read', 'report', 'cancel'] });
    const scoped = await admin(app, 'POST', '/v1/admin/tokens', { userId: user.id, scopes: ['read'], service: true });
    expect(scoped.body.scopes).toEqual(['read']);
    const listed = await admin(app, 'GET', '/v1/admin/tokens');
    expect(listed.status).toBe(200);
    for (const secret of [made.body.token, scoped.body.token, 'admin-token']) {
      expect(listed.text).not.toContain(secret);
      expect(listed.text).not.toContain(createHash('sha256').update(secret).digest('hex'));
    }
    for (const t of listed.body.tokens) {
      expect(t).not.toHaveProperty('token');
      expect(t).not.toHaveProperty('hash');
    }
    expect(listed.body.tokens).toContainEqual(expect.objectContaining({ id: made.body.id, userId: user.id, name: 'ci', service: false }));
    expect(listed.body.tokens).toContainEqual(expect.objectContaining({ id: scoped.body.id, scopes: ['read'], service: true }));
    expect(code(await admin(app, 'POST', '/v1/admin/tokens', { userId: 99999 }))).toEqual([400, 'ACT_ERR_VALIDATION']);
    expect((await admin(app, 'DELETE', `/v1/admin/tokens/${made.body.id}`)).status).toBe(204);
    expect(code(await admin(app, 'DELETE', `/v1/admin/tokens/${made.body.id}`))).toEqual([404, 'ACT_ERR_NOT_FOUND']);
  });

  it('a key\'s secret is shown once: the list never holds a secret or salt', async () => {
    const { app } = await startApp();
    const user = (await admin(app, 'POST', '/v1/admin/users', { name: 'ann', groups: ['root'] })).body as { id: number };
    const made = await admin(app, 'POST', '/v1/admin/keys', { userId: user.id });
    expect(made.status).toBe(201);
    expect(made.body).toEqual({ accessKey: expect.any(String), accessSecret: expect.any(String), userId: user.id });
    const listed = await admin(app, 'GET', '/v1/admin/keys');
    expect(listed.text).not.toContain(made.body.accessSecret);
    expect(listed.body.keys).toEqual([expect.objectContaining({ accessKey: made.body.accessKey, userId: user.id, service: false })]);
    for (const k of listed.body.keys) {
      expect(Object.keys(k).sort()).toEqual(['accessKey', 'createdAt', 'service', 'userId']);
    }
    expect(code(await admin(app, 'POST', '/v1/admin/keys', { userId: 99999 }))).toEqual([400, 'ACT_ERR_VALIDATION']);
    expect(code(await admin(app, 'DELETE', '/v1/admin/keys/AKNOPE'))).toEqual([404, 'ACT_ERR_NOT_FOUND']);
  });
});

describe('who may manage, and what a body may hold', () => {
  const routes: Array<['GET' | 'POST' | 'DELETE', string, unknown?]> = [
    ['GET', '/v1/admin/groups'], ['POST', '/v1/admin/groups', { name: 'x' }], ['DELETE', '/v1/admin/groups/x'],
    ['GET', '/v1/admin/users'], ['POST', '/v1/admin/users', { name: 'x', groups: [] }], ['DELETE', '/v1/admin/users/1'],
    ['GET', '/v1/admin/tokens'], ['POST', '/v1/admin/tokens', { userId: 1 }], ['DELETE', '/v1/admin/tokens/tok_bootstrap'],
    ['GET', '/v1/admin/keys'], ['POST', '/v1/admin/keys', { userId: 1 }], ['DELETE', '/v1/admin/keys/AK1'],
  ];

  it('every admin route: 403 for non-admin tokens (also an admin user\'s token without the admin scope), 401 without one', async () => {
    const { hub, app } = await startApp();
    const plain = await newUser(hub, ['root']);
    const claimsAdmin = await newUser(hub, ['root'], { scopes: ['read', 'admin'] }); // a non-admin user: the scope is void
    const adminUser = (await hub.access.listUsers(SYSTEM)).find((u) => u.admin)!;
    const unscoped = await hub.access.createToken(SYSTEM, { userId: adminUser.id, scopes: ['read', 'report', 'cancel'] });
    for (const [method, url, payload] of routes) {
      for (const token of [plain.token, claimsAdmin.token, unscoped.token]) {
        const res = await call(app, { method, url, headers: bearer(token), ...(payload ? { payload: payload as object } : {}) });
        expect(code(res), `${method} ${url}`).toEqual([403, 'ACT_ERR_FORBIDDEN']);
      }
      expect(code(await call(app, { method, url, ...(payload ? { payload: payload as object } : {}) })), `${method} ${url}`).toEqual([401, 'ACT_ERR_UNAUTHENTICATED']);
    }
    // Nothing was made or removed.
    expect((await hub.access.listGroups(SYSTEM)).map((g) => g.id)).toEqual(['root']);
    expect((await hub.access.listTokens(SYSTEM)).map((t) => t.id)).toContain('tok_bootstrap');
    expect(await hub.access.listKeys(SYSTEM)).toEqual([]);
  });

  it('bad bodies (unknown fields, wrong types, bad values) are 400 and make nothing', async () => {
    const { hub, app } = await startApp();
    const cases: Array<[string, unknown]> = [
      ['/v1/admin/groups', { name: 'x', colour: 'red' }], ['/v1/admin/groups', { name: 5 }], ['/v1/admin/groups', { name: 'x', parentId: ['root'] }],
      ['/v1/admin/groups', {}], ['/v1/admin/groups', { name: 'x', id: 'no spaces' }], ['/v1/admin/users', { name: 'x', groups: 'root' }],
      ['/v1/admin/users', { name: 'x', groups: [], admin: 'yes' }], ['/v1/admin/users', { name: 'x', groups: [], extra: 1 }],
      ['/v1/admin/tokens', { userId: '1' }], ['/v1/admin/tokens', { userId: 1, scopes: ['root'] }], ['/v1/admin/tokens', { userId: 1, scopes: [] }],
      ['/v1/admin/tokens', { userId: 1.5 }], ['/v1/admin/tokens', { userId: 1, service: 'true' }], ['/v1/admin/keys', { userId: 0 }],
      ['/v1/admin/keys', { userId: 1, secret: 'mine' }], ['/v1/admin/keys', [1]],
    ];
    const before = { users: (await hub.access.listUsers(SYSTEM)).length, tokens: (await hub.access.listTokens(SYSTEM)).length };
    for (const [url, payload] of cases) {
      expect(code(await admin(app, 'POST', url, payload)), `POST ${url} ${JSON.stringify(payload)}`).toEqual([400, 'ACT_ERR_VALIDATION']);
    }
    expect((await hub.access.listGroups(SYSTEM)).map((g) => g.id)).toEqual(['root']);
    expect({ users: (await hub.access.listUsers(SYSTEM)).length, tokens: (await hub.access.listTokens(SYSTEM)).length }).toEqual(before);
    expect(await hub.access.listKeys(SYSTEM)).toEqual([]);
  });

  it('a malformed or missing JSON body is 400', async () => {
    const { app } = await startApp();
    const raw = await call(app, { method: 'POST', url: '/v1/admin/groups', headers: { ...adminAuth, 'content-type': 'application/json' }, payload: '{"name":' });
    expect(code(raw)).toEqual([400, 'ACT_ERR_VALIDATION']);
    expect(code(await call(app, { method: 'POST', url: '/v1/admin/users', headers: adminAuth }))).toEqual([400, 'ACT_ERR_VALIDATION']);
  });
});

describe('the groups and owner of a created activity', () => {
  async function setUp() {
    const { hub, app } = await startApp();
    for (const id of ['team', 'other', 'backend']) await hub.access.createGroup(SYSTEM, { id, name: id });
    await hub.access.createGroup(SYSTEM, { id: 'team-sub', name: 'team-sub', parentId: 'team' });
    const member = await newUser(hub, ['team', 'other'], { name: 'member' });
    const customer = await newUser(hub, ['team'], { name: 'customer' });
    const service = await newUser(hub, ['backend'], { name: 'backend', service: true });
    const post = (token: string, payload: object) => call(app, { method: 'POST', url: '/v1/activities', headers: bearer(token), payload });
    return { hub, app, member, customer, service, post };
  }

  it('default to the creator\'s groups; a non-admin may name only groups it is in', async () => {
    const { member, post } = await setUp();
    expect((await post(member.token, { type: 'upload' })).body).toMatchObject({ owner: member.user.id, groups: ['team', 'other'] });
    expect((await post(member.token, { type: 'upload', groups: ['other'] })).body).toMatchObject({ owner: member.user.id, groups: ['other'] });
    expect(code(await post(member.token, { type: 'upload', groups: ['backend'] }))).toEqual([403, 'ACT_ERR_FORBIDDEN']);
    expect(code(await post(member.token, { type: 'upload', groups: ['team', 'root'] }))).toEqual([403, 'ACT_ERR_FORBIDDEN']);
    expect(code(await post(member.token, { type: 'upload', groups: ['team-sub'] }))).toEqual([403, 'ACT_ERR_FORBIDDEN']);
    const byAdmin = await post('admin-token', { type: 'upload', groups: ['backend'] });
    expect([byAdmin.status, byAdmin.body.groups]).toEqual([201, ['backend']]);
  });

  it('a service token creates on behalf of a user, who gets the activity in their groups; others may not name another owner', async () => {
    const { hub, app, member, customer, service, post } = await setUp();
    const onBehalf = await post(service.token, { type: 'upload', owner: customer.user.id });
    expect(onBehalf.status).toBe(201);
    expect(onBehalf.body).toMatchObject({ owner: customer.user.id, groups: ['team'] });
    // The customer sees it and may report on it.
    const id = onBehalf.body.id as string;
    expect((await call(app, { method: 'GET', url: `/v1/activities/${id}`, headers: bearer(customer.token) })).status).toBe(200);
    const patch = (token: string) => call(app, { method: 'PATCH', url: `/v1/activities/${id}`, headers: bearer(token), payload: { progress: 30 } });
    expect((await patch(customer.token)).body.progress).toBe(30);
    // A service token whose user sees the customer's group (here: a member of root) reports on it too.
    const rootService = await newUser(hub, ['root'], { name: 'root backend', service: true });
    expect((await patch(rootService.token)).status).toBe(200);
    // A member of the same group who is not the owner and not a service may not.
    const peer = await newUser(hub, ['team'], { name: 'peer' });
    expect(code(await patch(peer.token))).toEqual([403, 'ACT_ERR_FORBIDDEN']);
    expect(code(await post(member.token, { type: 'upload', owner: customer.user.id }))).toEqual([403, 'ACT_ERR_FORBIDDEN']);
    expect((await post(member.token, { type: 'upload', owner: member.user.id })).body.owner).toBe(member.user.id);
    expect(code(await post(service.token, { type: 'upload', owner: 99999 }))).toEqual([400, 'ACT_ERR_VALIDATION']);
  });
});
