// The AdmiralCloud activity controller against the real `activityd serve`, every request signed by
// AdmiralCloud's reference signer `ac-signature` (version 5, and version 1 as the published examples do).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acs, eventually, getActivity, group, ok, signed, sleep, startServer, user, type Server, type Signing, type TestUser } from './dialect-helpers.js';

type Job = { jobId: string; percent: number | null; status: string; type: string; title: string; [k: string]: unknown };
type Find = { now: number; activities?: Job[]; modelChanges?: unknown[]; modelChangesES?: unknown[] };

let server: Server;
let nora: TestUser;
let sam: TestUser;

beforeAll(async () => {
  server = await startServer('e2e-ac-admin');
  // Sibling groups: neither sees the other's work.
  nora = await user(server, 'nora', [await group(server, 'ac-north')]);
  sam = await user(server, 'sam', [await group(server, 'ac-south')]);
});
afterAll(async () => {
  await server?.serve.stop();
});

/** Signed calls as one user; each POST/DELETE signature is new (a replayed one is refused). */
const as = (who: TestUser) => ({
  create: (body: Record<string, unknown>, signing?: Signing) => signed<Job>(server, who, 'POST', '/v5/activity', { body, signing }),
  update: (jobId: string, body: Record<string, unknown>, signing?: Signing) => signed<{ jobId: string; percent: number | null }>(server, who, 'PUT', `/v5/activity/${jobId}`, { body, signing }),
  destroy: (jobId: string, signing?: Signing) => signed<Job & { message?: string }>(server, who, 'DELETE', `/v5/activity/${jobId}`, { signing }),
  jobResult: (jobId: string, signing?: Signing) => signed<Record<string, unknown>>(server, who, 'GET', `/v5/activity/jobResult/${jobId}`, { signing }),
  find: (query?: Record<string, string>, signing?: Signing) => signed<Find & { message?: string; status?: number }>(server, who, 'GET', '/v5/activity', { query, signing }),
});

describe('jobs, signed with ac-signature version 5', () => {
  it('create → update → jobResult before (ok: true) and after 100 % (the jobResult); later updates ignored', async () => {
    const n = as(nora);
    const created = await n.create({ type: 'upload', title: `holiday-${randomUUID()}.mov`, context: { mediaContainerId: 42 } });
    expect(created.status).toBe(200);
    const job = created.body;
    expect(job).toMatchObject({ type: 'upload', percent: null, status: 'running', owner: nora.id, groups: ['ac-north'], context: { mediaContainerId: 42 } });
    expect(job.jobId).toMatch(/^[0-9a-f-]{36}$/);
    for (const native of ['id', 'progress', 'state']) expect(job).not.toHaveProperty(native);

    expect(await n.jobResult(job.jobId)).toEqual({ status: 200, body: { ok: true } });
    expect(await n.update(job.jobId, { percent: 40 })).toEqual({ status: 200, body: { jobId: job.jobId, percent: 40 } });
    expect(await n.jobResult(job.jobId)).toEqual({ status: 200, body: { ok: true } });
    expect(await n.update(job.jobId, { percent: 100, jobResult: { assetId: 7, format: 'mov' } })).toEqual({ status: 200, body: { jobId: job.jobId, percent: 100 } });
    expect(await n.jobResult(job.jobId)).toEqual({ status: 200, body: { assetId: 7, format: 'mov' } });
    expect((await getActivity(server, job.jobId)).state).toBe('completed');

    // After the end an update is ignored and answers the job's percent; an unknown job answers the sent one.
    expect(await n.update(job.jobId, { percent: 50 })).toEqual({ status: 200, body: { jobId: job.jobId, percent: 100 } });
    const unknown = randomUUID();
    expect(await n.update(unknown, { percent: 30 })).toEqual({ status: 200, body: { jobId: unknown, percent: 30 } });

    // 100 % with no jobResult: the result is {}.
    const bare = (await n.create({ type: 'upload', title: `bare-${randomUUID()}` })).body;
    expect((await n.update(bare.jobId, { percent: 100 })).body).toEqual({ jobId: bare.jobId, percent: 100 });
    expect(await n.jobResult(bare.jobId)).toEqual({ status: 200, body: {} });

    // The list shows running jobs and those that ended recently.
    const list = (await n.find({ fields: 'activities' })).body.activities!;
    expect(list.find((j) => j.jobId === job.jobId)).toMatchObject({ status: 'completed', percent: 100 });
  });

  it('destroy (DELETE) cancels a job: its jobResult is a coded 409; unknown jobs are 404 {message, status}', async () => {
    const n = as(nora);
    const job = (await n.create({ type: 'upload', title: `cancelled-${randomUUID()}.mov` })).body;
    await n.update(job.jobId, { percent: 25 });
    const destroyed = await n.destroy(job.jobId);
    expect(destroyed.status).toBe(200);
    expect(destroyed.body).toMatchObject({ jobId: job.jobId, status: 'cancelled', percent: 25 });
    expect(await n.jobResult(job.jobId)).toEqual({ status: 409, body: { message: 'ACT_ERR_NOT_COMPLETED', status: 409 } });
    expect(await n.update(job.jobId, { percent: 60 })).toEqual({ status: 200, body: { jobId: job.jobId, percent: 25 } });

    const unknown = randomUUID();
    expect(await n.destroy(unknown)).toEqual({ status: 404, body: { message: 'ACT_ERR_NOT_FOUND', status: 404 } });
    expect(await n.jobResult(unknown)).toEqual({ status: 404, body: { message: 'ACT_ERR_NOT_FOUND', status: 404 } });
  });

  it('fields selects the properties of the reply (plus now); an unknown field is a 400; finding records presence', async () => {
    const n = as(nora);
    const keys = async (fields?: string) => {
      const reply = await n.find(fields === undefined ? undefined : { fields });
      expect(reply.status).toBe(200);
      expect(Number.isInteger(reply.body.now)).toBe(true);
      return Object.keys(reply.body).sort();
    };
    expect(await keys('activities')).toEqual(['activities', 'now']);
    expect(await keys('modelChanges')).toEqual(['modelChanges', 'now']);
    expect(await keys('modelChangesES')).toEqual(['modelChangesES', 'now']);
    expect(await keys('activities,modelChangesES')).toEqual(['activities', 'modelChangesES', 'now']);
    expect(await keys()).toEqual(['activities', 'modelChanges', 'modelChangesES', 'now']);
    expect(await n.find({ fields: 'activities,bogus' })).toEqual({ status: 400, body: { message: 'ACT_ERR_VALIDATION', status: 400 } });

    const { presence } = await ok<{ presence: Array<{ userId: number }> }>(server, 200, 'GET', '/v1/presence');
    expect(presence.map((p) => p.userId)).toContain(nora.id);
  });

  it('modelChangesES holds DESIGN\'s example entry, with the root updated: 200, for its group only', async () => {
    const example = { model: 'es:mediacontainer', id: 123, affectedModels: { mediaContainer: { timeRange: [0, 100], updated: 200 } } };
    // The indexer reports its flushed batch with a signed request too (signed requests work on every route).
    const before = (await as(nora).find({ fields: 'modelChangesES' })).body.now;
    const indexed = await signed<{ recorded: number }>(server, nora, 'POST', '/v1/changes/index', { body: { entries: [example] } });
    expect(indexed).toEqual({ status: 202, body: { recorded: 1 } });

    const reply = (await as(nora).find({ fields: 'modelChangesES' })).body;
    expect(Object.keys(reply).sort()).toEqual(['modelChangesES', 'now']);
    expect(reply.modelChangesES).toEqual([{ ...example, updated: 200, owner: nora.id, groups: ['ac-north'] }]);
    // `since` (epoch ms of the server, from `now`) keeps only newer entries.
    expect((await as(nora).find({ fields: 'modelChangesES', since: String(before) })).body.modelChangesES).toHaveLength(1);
    expect((await as(nora).find({ fields: 'modelChangesES', since: String(reply.now) })).body.modelChangesES).toEqual([]);
    // Another group never sees it.
    expect((await as(sam).find({ fields: 'modelChangesES' })).body.modelChangesES).toEqual([]);
  });

  it('another group\'s job is never visible: not listed, updates ignored, destroy and jobResult 404', async () => {
    const job = (await as(nora).create({ type: 'media.transcode', title: `north-${randomUUID()}` })).body;
    const own = (await as(sam).create({ type: 'media.transcode', title: `south-${randomUUID()}` })).body;

    const samSees = (await as(sam).find({ fields: 'activities' })).body.activities!.map((j) => j.jobId);
    expect(samSees).toContain(own.jobId);
    expect(samSees).not.toContain(job.jobId);
    const noraSees = (await as(nora).find({ fields: 'activities' })).body.activities!.map((j) => j.jobId);
    expect(noraSees).toContain(job.jobId);
    expect(noraSees).not.toContain(own.jobId);

    expect(await as(sam).update(job.jobId, { percent: 90 })).toEqual({ status: 200, body: { jobId: job.jobId, percent: 90 } });
    expect(await as(sam).destroy(job.jobId)).toEqual({ status: 404, body: { message: 'ACT_ERR_NOT_FOUND', status: 404 } });
    expect((await as(sam).jobResult(job.jobId)).status).toBe(404);
    expect(await getActivity(server, job.jobId)).toMatchObject({ state: 'running', progress: null });
  });

  it('refuses a tampered signature (401 acsignature_hashMismatch) and a replayed POST; accepts a bearer token', async () => {
    const tampered = await signed(server, nora, 'GET', '/v5/activity', { query: { fields: 'activities' }, tamper: true });
    expect(tampered).toEqual({ status: 401, body: { message: 'acsignature_hashMismatch', status: 401 } });
    const otherBody = await signed(server, nora, 'POST', '/v5/activity', { body: { type: 'upload', title: 'signed-title' }, tamper: true });
    expect(otherBody).toEqual({ status: 401, body: { message: 'acsignature_hashMismatch', status: 401 } });

    const body = JSON.stringify({ type: 'upload', title: `replayed-${randomUUID()}` });
    const { hash, timestamp } = acs.sign({ accessSecret: nora.accessSecret, path: '/v5/activity', payload: JSON.parse(body) }, { version: 5 });
    const headers = {
      'x-admiralcloud-accesskey': nora.accessKey, 'x-admiralcloud-rts': String(timestamp), 'x-admiralcloud-hash': hash,
      'x-admiralcloud-version': '5', 'content-type': 'application/json',
    };
    expect((await fetch(`${server.url}/v5/activity`, { method: 'POST', headers, body })).status).toBe(200);
    const replayed = await fetch(`${server.url}/v5/activity`, { method: 'POST', headers, body });
    expect(replayed.status).toBe(401);
    expect(await replayed.json()).toEqual({ message: 'acsignature_replayed', status: 401 });

    const bearer = await fetch(`${server.url}/v5/activity?fields=activities`, { headers: { authorization: `Bearer ${nora.token}` } });
    expect(bearer.status).toBe(200);
  });
});

describe('jobs, signed with ac-signature version 1 (controller/action, path parameters in the payload)', () => {
  it('create, update, jobResult, find and destroy', async () => {
    const n = as(nora);
    const v1 = (action: 'find' | 'create' | 'update' | 'destroy' | 'jobResult', params?: Record<string, unknown>): Signing => ({ version: 1, action, ...(params ? { params } : {}) });
    const created = await n.create({ type: 'upload', title: `v1-${randomUUID()}.mov` }, v1('create'));
    expect(created.status).toBe(200);
    const { jobId } = created.body;
    expect(await n.jobResult(jobId, v1('jobResult', { jobId }))).toEqual({ status: 200, body: { ok: true } });
    expect(await n.update(jobId, { percent: 100, jobResult: { assetId: 9 } }, v1('update', { jobId }))).toEqual({ status: 200, body: { jobId, percent: 100 } });
    expect(await n.jobResult(jobId, v1('jobResult', { jobId }))).toEqual({ status: 200, body: { assetId: 9 } });
    const found = await n.find({ fields: 'activities' }, v1('find'));
    expect(found.status).toBe(200);
    expect(found.body.activities!.map((j) => j.jobId)).toContain(jobId);

    const other = (await n.create({ type: 'upload', title: `v1-${randomUUID()}.mov` }, v1('create'))).body;
    expect(await n.destroy(other.jobId, v1('destroy', { jobId: other.jobId }))).toMatchObject({ status: 200, body: { jobId: other.jobId, status: 'cancelled' } });
    // A version-1 signature over another action, or without the path parameter, does not match.
    expect((await n.jobResult(jobId, v1('find'))).body).toEqual({ message: 'acsignature_hashMismatch', status: 401 });
  });
});

describe('the lease of remote jobs', () => {
  let short: Server;
  beforeAll(async () => {
    short = await startServer('e2e-ac-lease-admin', '2s');
  });
  afterAll(async () => {
    await short?.serve.stop();
  });

  it('a job with no update within the lease (2 s here) ends expired; one updated in time keeps running', async () => {
    const ann = await user(short, 'ann', ['root']);
    const create = (title: string) => signed<Job>(short, ann, 'POST', '/v5/activity', { body: { type: 'upload', title } });
    const silent = (await create('silent')).body;
    const alive = (await create('alive')).body;
    expect(silent).toMatchObject({ status: 'running', leaseMs: 2_000 });

    const started = Date.now();
    let percent = 0;
    while (Date.now() - started < 3_500) {
      percent += 5;
      expect((await signed(short, ann, 'PUT', `/v5/activity/${alive.jobId}`, { body: { percent } })).body).toEqual({ jobId: alive.jobId, percent });
      await sleep(400);
    }
    await eventually(async () => {
      const jobs = (await signed<Find>(short, ann, 'GET', '/v5/activity', { query: { fields: 'activities' } })).body.activities!;
      expect(jobs.find((j) => j.jobId === silent.jobId)?.status).toBe('expired');
    }, 3_000);
    const jobs = (await signed<Find>(short, ann, 'GET', '/v5/activity', { query: { fields: 'activities' } })).body.activities!;
    expect(jobs.find((j) => j.jobId === alive.jobId)).toMatchObject({ status: 'running', percent });
    expect(await signed(short, ann, 'GET', `/v5/activity/jobResult/${silent.jobId}`)).toEqual({ status: 409, body: { message: 'ACT_ERR_NOT_COMPLETED', status: 409 } });
    // Its reporter's late update is ignored.
    expect((await signed(short, ann, 'PUT', `/v5/activity/${silent.jobId}`, { body: { percent: 80 } })).body).toEqual({ jobId: silent.jobId, percent: null });
  });
});
