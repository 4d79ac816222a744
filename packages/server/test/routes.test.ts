// The native API (`/v1`) over HTTP: every route's success reply (bare activity objects, DESIGN 11),
// its filters and paging, its coded 409s, long-polling, operations routes, authentication, and
// the `replyAccepted` helper in an embedding app.
import { ManualClock, SYSTEM } from '@activityd/core';
import type { Activity } from '@activityd/protocol';
import { activitydRoutes, generateOpenApi, replyAccepted } from '@activityd/server';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { call, expectError, nativeServer, onCleanup, sleep, TOKEN, type NativeServer } from './native-server.js';

const ACTIVITY_KEYS = [
  'id', 'type', 'title', 'subtitle', 'state', 'progress', 'cancellable', 'owner', 'groups', 'context', 'result', 'error',
  'parentId', 'createdAt', 'updatedAt', 'endedAt', 'leaseExpiresAt', 'leaseMs', 'heartbeatMs', 'seq',
];

/** A bare activity object: every field of DESIGN 2 at the top level, no envelope. */
function expectBareActivity(body: unknown): asserts body is Activity {
  expect(Object.keys(body as object).sort()).toEqual([...ACTIVITY_KEYS].sort());
}

const ids = (list: { activities: Activity[] }) => list.activities.map((a) => a.id).sort();
const sorted = (...activities: Activity[]) => activities.map((a) => a.id).sort();

describe('GET /v1/activities', () => {
  /** Running: transcode (parent), scan (not cancellable), upload (child of transcode), one for another owner. Ended: three. */
  async function world(s: NativeServer) {
    const transcode = await s.create({ type: 'media.transcode' });
    const scan = await s.create({ type: 'media.scan', cancellable: false });
    const upload = await s.create({ type: 'upload', parentId: transcode.id });
    const user = await s.hub.access.createUser(SYSTEM, { name: 'alice', groups: ['root'], admin: false });
    const theirs = await s.create({ type: 'library.update.section', owner: user.id });
    const done = await s.create({ type: 'media.thumbnails' });
    await s.ok(200, 'PATCH', `/v1/activities/${done.id}`, { body: { state: 'completed' } });
    const broken = await s.create({ type: 'upload' });
    await s.ok(200, 'PATCH', `/v1/activities/${broken.id}`, { body: { state: 'failed', error: { message: 'disk full' } } });
    const stopped = await s.create({ type: 'library.update.section' });
    await s.ok(200, 'DELETE', `/v1/activities/${stopped.id}`);
    return { transcode, scan, upload, theirs, done, broken, stopped, user };
  }

  it('answers {activities, nextCursor} with bare activities, newest first', async () => {
    const s = await nativeServer();
    const first = await s.create({ type: 'upload' });
    const second = await s.create({ type: 'upload' });
    const list = await s.ok(200, 'GET', '/v1/activities');
    expect(Object.keys(list).sort()).toEqual(['activities', 'nextCursor']);
    expect(list.nextCursor).toBeNull();
    list.activities.forEach(expectBareActivity);
    expect(list.activities.map((a: Activity) => a.id)).toEqual([second.id, first.id]);
  });

  it('filters by state: active, ended, all and single states, comma-separated or repeated', async () => {
    const s = await nativeServer();
    const w = await world(s);
    const running = sorted(w.transcode, w.scan, w.upload, w.theirs);
    const ended = sorted(w.done, w.broken, w.stopped);
    const list = (query: string) => s.ok(200, 'GET', `/v1/activities?${query}`).then(ids);
    expect(await list('')).toEqual(running.concat(ended).sort());
    expect(await list('state=active')).toEqual(running);
    expect(await list('state=running')).toEqual(running);
    expect(await list('state=ended')).toEqual(ended);
    expect(await list('state=all')).toEqual(running.concat(ended).sort());
    expect(await list('state=completed')).toEqual([w.done.id]);
    expect(await list('state=failed')).toEqual([w.broken.id]);
    expect(await list('state=cancelled')).toEqual([w.stopped.id]);
    expect(await list('state=expired')).toEqual([]);
    expect(await list('state=completed,failed')).toEqual(sorted(w.done, w.broken));
    expect(await list('state=completed&state=cancelled')).toEqual(sorted(w.done, w.stopped));
  });

  it('filters by type (a `.*` suffix matches as a prefix), id, owner and parentId', async () => {
    const s = await nativeServer();
    const w = await world(s);
    const list = (query: string) => s.ok(200, 'GET', `/v1/activities?state=all&${query}`).then(ids);
    expect(await list('type=media.*')).toEqual(sorted(w.transcode, w.scan, w.done));
    expect(await list('type=media.transcode')).toEqual([w.transcode.id]);
    expect(await list('type=media')).toEqual([]);
    expect(await list('type=upload,media.scan')).toEqual(sorted(w.scan, w.upload, w.broken));
    expect(await list('type=upload&type=media.scan')).toEqual(sorted(w.scan, w.upload, w.broken));
    expect(await list(`id=${w.transcode.id},${w.done.id}`)).toEqual(sorted(w.transcode, w.done));
    expect(await list(`id=${w.transcode.id}&id=${w.upload.id}`)).toEqual(sorted(w.transcode, w.upload));
    expect(await list(`owner=${w.user.id}`)).toEqual([w.theirs.id]);
    expect(await list(`owner=${w.transcode.owner}`)).toEqual(sorted(w.transcode, w.scan, w.upload, w.done, w.broken, w.stopped));
    expect(await list(`owner=${w.transcode.owner},${w.user.id}`)).toHaveLength(7);
    expect(await list(`parentId=${w.transcode.id}`)).toEqual([w.upload.id]);
    const combined = await s.ok(200, 'GET', `/v1/activities?state=active&type=upload,library.*&owner=${w.transcode.owner}`);
    expect(ids(combined)).toEqual([w.upload.id]);
  });

  it('pages with limit and cursor, visiting every activity exactly once, even ones created in the same millisecond', async () => {
    const s = await nativeServer({ clock: new ManualClock(1_700_000_000_000) });
    const created: string[] = [];
    for (let i = 0; i < 11; i++) created.push((await s.create({ type: 'upload' })).id);
    const seen: string[] = [];
    let url = '/v1/activities?limit=3';
    for (let page = 0; page < 10; page++) {
      const { activities, nextCursor } = await s.ok(200, 'GET', url);
      expect(activities.length).toBeLessThanOrEqual(3);
      seen.push(...activities.map((a: Activity) => a.id));
      if (nextCursor === null) break;
      url = `/v1/activities?limit=3&cursor=${encodeURIComponent(nextCursor)}`;
    }
    expect(seen).toHaveLength(11);
    expect([...seen].sort()).toEqual([...created].sort());
  });

  it('refuses a malformed cursor with 400 ACT_ERR_VALIDATION', async () => {
    const s = await nativeServer();
    await s.create({ type: 'upload' });
    expectError(await s.call('GET', '/v1/activities?cursor=not-a-cursor'), 400, 'ACT_ERR_VALIDATION');
  });
});

describe('one activity', () => {
  it('POST creates a remote activity → 201, bare, with leaseMs and heartbeatMs; the title defaults to the type', async () => {
    const s = await nativeServer();
    const reply = await s.call('POST', '/v1/activities', { body: { type: 'media.transcode', context: { mediaContainerId: 7 } } });
    expect(reply.status).toBe(201);
    expectBareActivity(reply.body);
    expect(reply.body).toMatchObject({
      type: 'media.transcode', title: 'media.transcode', state: 'running', cancellable: true, context: { mediaContainerId: 7 },
      result: null, error: null, endedAt: null,
    });
    expect(reply.body.leaseMs).toEqual(expect.any(Number));
    expect(reply.body.heartbeatMs).toEqual(expect.any(Number));
    expect(reply.body.heartbeatMs!).toBeLessThan(reply.body.leaseMs!);
    expect(await s.ok(201, 'POST', '/v1/activities', { body: { type: 'upload', title: 'Alien (1979)' } })).toMatchObject({ title: 'Alien (1979)' });
  });

  it('POST with an Idempotency-Key: a repeat (even with another body) gets the first activity as it is now, and creates nothing', async () => {
    const s = await nativeServer();
    const key = { 'idempotency-key': 'upload-7f3a' };
    const first = await s.call('POST', '/v1/activities', { body: { type: 'upload', title: 'one' }, headers: key });
    expect(first.status).toBe(201);
    await s.ok(200, 'PATCH', `/v1/activities/${first.body.id}`, { body: { progress: 40 } });
    const again = await s.call('POST', '/v1/activities', { body: { type: 'upload', title: 'two' }, headers: key });
    expect(again.status).toBe(201);
    expect(again.headers.location).toBe(first.headers.location);
    expect(again.body).toMatchObject({ id: first.body.id, title: 'one', progress: 40 });
    const other = await s.ok(201, 'POST', '/v1/activities', { body: { type: 'upload' }, headers: { 'idempotency-key': 'upload-other' } });
    const plain = await s.ok(201, 'POST', '/v1/activities', { body: { type: 'upload' } });
    expect((await s.ok(200, 'GET', '/v1/activities')).activities.map((a: Activity) => a.id).sort())
      .toEqual([first.body.id, other.id, plain.id].sort());
    expect((await s.hub.readLog(0, 100)).filter((e) => e.type === 'activity.started')).toHaveLength(3);
  });

  it('Idempotency-Keys are per user, and racing repeats make one activity', async () => {
    const s = await nativeServer();
    const alice = await s.hub.access.createUser(SYSTEM, { name: 'alice', groups: ['root'], admin: false });
    const { token } = await s.hub.access.createToken(SYSTEM, { userId: alice.id, scopes: ['read', 'report'] });
    const key = { 'idempotency-key': 'same-key' };
    const replies = await Promise.all(Array.from({ length: 10 }, () => s.call('POST', '/v1/activities', { body: { type: 'upload' }, headers: key })));
    expect(new Set(replies.map((r) => r.status))).toEqual(new Set([201]));
    expect(new Set(replies.map((r) => r.body.id)).size).toBe(1);
    const theirs = await s.call('POST', '/v1/activities', { body: { type: 'upload' }, headers: { ...key, authorization: `Bearer ${token}` } });
    expect(theirs.status).toBe(201);
    expect(theirs.body.id).not.toBe(replies[0]!.body.id);
    expect((await s.ok(200, 'GET', '/v1/activities')).activities).toHaveLength(2);
  });

  it('GET answers the bare activity as created', async () => {
    const s = await nativeServer();
    const created = await s.create({ type: 'upload', subtitle: 'starting' });
    const got = await s.ok(200, 'GET', `/v1/activities/${created.id}`);
    expectBareActivity(got);
    expect(got).toEqual(created);
  });

  it('PATCH reports progress and subtitle, merges context, and answers the bare activity', async () => {
    const s = await nativeServer();
    const a = await s.create({ type: 'upload', context: { librarySectionID: 1 } });
    const patched = await s.ok(200, 'PATCH', `/v1/activities/${a.id}`, { body: { progress: 40, subtitle: 'Scanning Alien (1979)', context: { mediaContainerId: 9 } } });
    expectBareActivity(patched);
    expect(patched).toMatchObject({ progress: 40, subtitle: 'Scanning Alien (1979)', state: 'running', context: { librarySectionID: 1, mediaContainerId: 9 } });
    expect(patched.seq).toBeGreaterThan(a.seq);
    expect(await s.ok(200, 'GET', `/v1/activities/${a.id}`)).toEqual(patched);
  });

  it('PATCH {state: completed, result} completes it at 100 with the result', async () => {
    const s = await nativeServer();
    const a = await s.create({ type: 'upload' });
    const ended = await s.ok(200, 'PATCH', `/v1/activities/${a.id}`, { body: { state: 'completed', result: { bytes: 1234 } } });
    expectBareActivity(ended);
    expect(ended).toMatchObject({ state: 'completed', progress: 100, result: { bytes: 1234 }, error: null, endedAt: expect.any(Number) });
  });

  it('PATCH {state: failed, error: {message}} fails it with that message', async () => {
    const s = await nativeServer();
    const a = await s.create({ type: 'upload' });
    const ended = await s.ok(200, 'PATCH', `/v1/activities/${a.id}`, { body: { state: 'failed', error: { message: 'disk full' } } });
    expect(ended).toMatchObject({ state: 'failed', error: { code: expect.any(String), message: 'disk full' }, endedAt: expect.any(Number) });
  });

  it('PATCH after the end is 409 ACT_ERR_ENDED with details.state, and changes nothing', async () => {
    const s = await nativeServer();
    const done = await s.create({ type: 'upload' });
    await s.ok(200, 'PATCH', `/v1/activities/${done.id}`, { body: { state: 'completed' } });
    const cancelled = await s.create({ type: 'upload' });
    await s.ok(200, 'DELETE', `/v1/activities/${cancelled.id}`);
    const before = await s.snapshot();
    const late = await s.call('PATCH', `/v1/activities/${done.id}`, { body: { progress: 50 } });
    expectError(late, 409, 'ACT_ERR_ENDED');
    expect(late.body.error.details.state).toBe('completed');
    const reporter = await s.call('PATCH', `/v1/activities/${cancelled.id}`, { body: { progress: 50 } });
    expectError(reporter, 409, 'ACT_ERR_ENDED');
    expect(reporter.body.error.details.state).toBe('cancelled');
    expect(await s.snapshot()).toEqual(before);
  });

  it('DELETE cancels → 200 with the cancelled activity, also when sent with content-type json and no body', async () => {
    const s = await nativeServer();
    const a = await s.create({ type: 'upload' });
    const cancelled = await s.ok(200, 'DELETE', `/v1/activities/${a.id}`);
    expectBareActivity(cancelled);
    expect(cancelled).toMatchObject({ id: a.id, state: 'cancelled', endedAt: expect.any(Number) });
    const b = await s.create({ type: 'upload' });
    const reply = await s.call('DELETE', `/v1/activities/${b.id}`, { headers: { 'content-type': 'application/json' } });
    expect(reply.status, reply.text).toBe(200);
    expect(reply.body).toMatchObject({ id: b.id, state: 'cancelled' });
  });

  it('DELETE of a non-cancellable activity is 409 ACT_ERR_NOT_CANCELLABLE and it keeps running', async () => {
    const s = await nativeServer();
    const a = await s.create({ type: 'library.scan', cancellable: false });
    expectError(await s.call('DELETE', `/v1/activities/${a.id}`), 409, 'ACT_ERR_NOT_CANCELLABLE');
    expect(await s.ok(200, 'GET', `/v1/activities/${a.id}`)).toEqual(a);
  });

  it('GET …/result: the result once completed, {} without one, 409 ACT_ERR_NOT_COMPLETED saying running or cancelled', async () => {
    const s = await nativeServer();
    const a = await s.create({ type: 'upload' });
    const running = await s.call('GET', `/v1/activities/${a.id}/result`);
    expectError(running, 409, 'ACT_ERR_NOT_COMPLETED');
    expect(running.body.error.details.state).toBe('running');
    await s.ok(200, 'PATCH', `/v1/activities/${a.id}`, { body: { state: 'completed', result: { url: '/files/1', parts: [1, 2] } } });
    expect(await s.ok(200, 'GET', `/v1/activities/${a.id}/result`)).toEqual({ url: '/files/1', parts: [1, 2] });

    const bare = await s.create({ type: 'upload' });
    await s.ok(200, 'PATCH', `/v1/activities/${bare.id}`, { body: { state: 'completed' } });
    expect(await s.ok(200, 'GET', `/v1/activities/${bare.id}/result`)).toEqual({});

    const c = await s.create({ type: 'upload' });
    await s.ok(200, 'DELETE', `/v1/activities/${c.id}`);
    const cancelled = await s.call('GET', `/v1/activities/${c.id}/result`);
    expectError(cancelled, 409, 'ACT_ERR_NOT_COMPLETED');
    expect(cancelled.body.error.details.state).toBe('cancelled');
  });

  it('an in-process activity has leaseMs and heartbeatMs null', async () => {
    const s = await nativeServer();
    const { activity } = await s.hub.run({ type: 'media.transcode' }, () => new Promise(() => {}));
    const got = await s.ok(200, 'GET', `/v1/activities/${activity.id}`);
    expect(got).toMatchObject({ leaseMs: null, heartbeatMs: null, state: 'running' });
    await s.hub.cancel(activity.id, SYSTEM);
  });
});

describe('GET /v1/activities/{id}?wait=', () => {
  it('returns as soon as the activity ends from another call', async () => {
    const s = await nativeServer();
    const a = await s.create({ type: 'upload' });
    const started = Date.now();
    const waiting = s.call('GET', `/v1/activities/${a.id}?wait=10`);
    await sleep(100);
    await s.ok(200, 'PATCH', `/v1/activities/${a.id}`, { body: { state: 'completed', result: { ok: true } } });
    const reply = await waiting;
    expect(reply.status).toBe(200);
    expectBareActivity(reply.body);
    expect(reply.body).toMatchObject({ id: a.id, state: 'completed', result: { ok: true } });
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('returns the running activity once the wait runs out', async () => {
    const s = await nativeServer();
    const a = await s.create({ type: 'upload' });
    const started = Date.now();
    const reply = await s.call('GET', `/v1/activities/${a.id}?wait=0.2`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual(a);
  });

  it('answers an ended activity at once', async () => {
    const s = await nativeServer();
    const a = await s.create({ type: 'upload' });
    await s.ok(200, 'DELETE', `/v1/activities/${a.id}`);
    const started = Date.now();
    expect(await s.ok(200, 'GET', `/v1/activities/${a.id}?wait=30`)).toMatchObject({ state: 'cancelled' });
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

describe('operations routes', () => {
  it('/healthz and /readyz answer 200 without credentials', async () => {
    const s = await nativeServer();
    expect(await s.ok(200, 'GET', '/healthz', { token: null })).toEqual({ ok: true });
    expect(await s.ok(200, 'GET', '/readyz', { token: null })).toEqual({ ok: true });
  });

  it('/metrics is Prometheus text with activities by state', async () => {
    const s = await nativeServer();
    await s.create({ type: 'upload' });
    await s.create({ type: 'upload' });
    const reply = await s.call('GET', '/metrics', { token: null });
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toMatch(/^text\/plain/);
    expect(reply.text).toContain('# TYPE activityd_activities gauge');
    expect(reply.text).toMatch(/^activityd_activities\{state="running"\} 2$/m);
  });

  it('an unknown route is 404 ACT_ERR_NOT_FOUND', async () => {
    const s = await nativeServer();
    expectError(await s.call('GET', '/v1/nothing-here'), 404, 'ACT_ERR_NOT_FOUND');
    expectError(await s.call('GET', '/nothing-here', { token: null }), 404, 'ACT_ERR_NOT_FOUND');
    expectError(await s.call('PUT', '/v1/activities'), 404, 'ACT_ERR_NOT_FOUND');
  });
});

describe('authentication', () => {
  /** Every documented /v1 route and method, with its path parameters filled in. */
  async function v1Routes(id: string): Promise<Array<[string, string]>> {
    const paths = (JSON.parse(await generateOpenApi()) as { paths: Record<string, object> }).paths;
    return Object.entries(paths)
      .filter(([path]) => path.startsWith('/v1/'))
      .flatMap(([path, methods]) => Object.keys(methods).map((m): [string, string] => [m.toUpperCase(), path.replace('{id}', id)]));
  }

  it('a missing or wrong token is 401 ACT_ERR_UNAUTHENTICATED on every /v1 route, and nothing changes', async () => {
    const s = await nativeServer();
    const a = await s.create({ type: 'upload' });
    const before = await s.snapshot();
    const routes = await v1Routes(a.id);
    expect(routes.length).toBeGreaterThanOrEqual(20);
    let n = 0;
    for (const [method, url] of routes) {
      for (const token of [null, 'wrong-token']) {
        // Each request from its own address: the failed-authentication limit is a separate feature.
        const body = method === 'POST' || method === 'PATCH' ? { body: {} } : {};
        const reply = await s.call(method, url, { token, remoteAddress: `10.0.0.${++n}`, ...body });
        expectError(reply, 401, 'ACT_ERR_UNAUTHENTICATED');
      }
    }
    expect(await s.snapshot()).toEqual(before);
  });

  it('accepts the token as Authorization: Bearer, X-Plex-Token header, ?X-Plex-Token= and ?token=', async () => {
    const s = await nativeServer();
    const a = await s.create({ type: 'upload' });
    const get = (url: string, headers: Record<string, string> = {}) => s.call('GET', url, { token: null, headers });
    for (const reply of [
      await get(`/v1/activities/${a.id}`, { authorization: `Bearer ${TOKEN}` }),
      await get(`/v1/activities/${a.id}`, { 'x-plex-token': TOKEN }),
      await get(`/v1/activities/${a.id}?X-Plex-Token=${TOKEN}`),
      await get(`/v1/activities/${a.id}?token=${TOKEN}`),
    ]) {
      expect(reply.status, reply.text).toBe(200);
      expect(reply.body.id).toBe(a.id);
    }
    expect((await get(`/v1/activities?token=${TOKEN}`)).status).toBe(200);
    expect((await s.call('DELETE', `/v1/activities/${a.id}?X-Plex-Token=${TOKEN}`, { token: null })).body.state).toBe('cancelled');
  });
});

describe('replyAccepted in an embedding app', () => {
  it('answers 202 with X-Activity, X-Plex-Activity and Location, and Location leads to the activity and its result', async () => {
    const s = await nativeServer();
    const app = Fastify();
    onCleanup(async () => void (await app.close()));
    await app.register(activitydRoutes, { prefix: '/v1', hub: s.hub, auth: s.auth });
    let finish!: () => void;
    const gate = new Promise<void>((resolve) => (finish = resolve));
    const runs: Array<Promise<Activity>> = [];
    app.post('/scan', async (_request, reply) => {
      const { activity, ended } = await s.hub.run({ type: 'library.scan', title: 'Scanning' }, async (ctx) => {
        await ctx.progress(10, 'starting');
        await gate;
        return { scanned: 3 };
      });
      runs.push(ended);
      return replyAccepted(reply, activity);
    });

    const accepted = await call(app, 'POST', '/scan', { token: null });
    expect(accepted.status).toBe(202);
    const id = accepted.body.id as string;
    expect(accepted.body).toMatchObject({ type: 'library.scan', title: 'Scanning', state: 'running' });
    expect(accepted.headers['x-activity']).toBe(id);
    expect(accepted.headers['x-plex-activity']).toBe(id);
    expect(accepted.headers.location).toBe(`/v1/activities/${id}`);

    const location = accepted.headers.location as string;
    const running = await call(app, 'GET', location);
    expect(running.status).toBe(200);
    expect(running.body).toMatchObject({ id, state: 'running' });
    // The mounted plugin brings its own authentication, strict bodies and coded errors.
    expectError(await call(app, 'GET', `${location}?wait=0`, { token: 'wrong' }), 401, 'ACT_ERR_UNAUTHENTICATED');
    expectError(await call(app, 'PATCH', location, { body: { progress: '50' } }), 400, 'ACT_ERR_VALIDATION');

    finish();
    await runs[0];
    expect((await call(app, 'GET', location)).body).toMatchObject({ id, state: 'completed', progress: 100 });
    expect((await call(app, 'GET', `${location}/result`)).body).toEqual({ scanned: 3 });
  });
});
