// Bad input on every native route (DESIGN 6, 11): each row is a request a buggy or hostile client
// may send. Every one answers its coded 4xx in the shape `{error: {code, message}}` — never a 500 —
// changes nothing in the store, and leaves the server serving.
import { SYSTEM } from '@activityd/core';
import type { Activity } from '@activityd/protocol';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectError, nativeServer, type NativeServer } from './native-server.js';

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

interface Row {
  /** What is wrong with the request. */
  what: string;
  method: Method;
  /** `{id}` is the running activity, `{ended}` a completed one. */
  url: string;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as is, as `application/json` unless `headers` say otherwise. */
  raw?: string;
  headers?: Record<string, string>;
  /** `null`: no credentials; default the admin token. */
  token?: string | null;
  status: number;
  code: string;
}

const JSON_TYPE = { 'content-type': 'application/json' };
const TWO_MB = 'x'.repeat(2 * 1024 * 1024);

const validation = (what: string, method: Method, url: string, input: Pick<Row, 'body' | 'raw' | 'headers'>): Row =>
  ({ what, method, url, ...input, status: 400, code: 'ACT_ERR_VALIDATION' });
const malformed = (method: Method, url: string, raw: string, what = `malformed JSON ${raw}`): Row =>
  validation(what, method, url, { raw });
const invalid = (method: Method, url: string, body: unknown, what = `invalid body ${JSON.stringify(body)}`): Row =>
  validation(what, method, url, { body });
const badQuery = (url: string, what = `bad query ${url.slice(url.indexOf('?'))}`): Row => validation(what, 'GET', url, {});
const tooLarge = (method: Method, url: string, raw: string): Row =>
  ({ what: '2 MB body', method, url, raw, status: 413, code: 'ACT_ERR_BODY_TOO_LARGE' });
const notFound = (method: Method, url: string, body?: unknown): Row =>
  ({ what: 'unknown id', method, url, ...(body ? { body } : {}), status: 404, code: 'ACT_ERR_NOT_FOUND' });
const unauthenticated = (method: Method, url: string, token: string | null, body?: unknown): Row =>
  ({ what: token === null ? 'no token' : `wrong token '${token}'`, method, url, token, ...(body ? { body } : {}), status: 401, code: 'ACT_ERR_UNAUTHENTICATED' });

const ONE = '/v1/activities/{id}';
const LIST = '/v1/activities';

const rows: Row[] = [
  // Malformed JSON, NaN-like values included (JSON cannot carry NaN or Infinity).
  malformed('POST', LIST, '{"type": "upload"'),
  malformed('POST', LIST, '{"type": "upload", "progress": NaN}'),
  malformed('PATCH', ONE, '{"progress": NaN}'),
  malformed('PATCH', ONE, '{"progress": Infinity}'),
  malformed('PATCH', ONE, '{"progress": -Infinity}'),
  malformed('PATCH', ONE, '{progress: 5}'),
  malformed('PATCH', ONE, '{"progress": 5,}'),
  malformed('PATCH', ONE, '{"progress": 5} {"progress": 6}'),
  malformed('PATCH', ONE, '{"state": "completed", "result": {"__proto__": {"admin": true}}}', 'prototype poisoning'),
  malformed('DELETE', ONE, '{"reason": ', 'malformed JSON on a cancel'),
  malformed('POST', '/v1/changes', '{"changes": [{"model": "a", "id": 1}'),
  malformed('POST', '/v1/changes/index', '[[['),
  malformed('POST', '/v1/admin/users', '{"name": "bob", "groups": ["root"]'),
  // Wrong types: bodies are never coerced.
  invalid('PATCH', ONE, { progress: '50' }),
  invalid('PATCH', ONE, { progress: true }),
  invalid('POST', LIST, { type: 'upload', cancellable: 'yes' }),
  invalid('POST', LIST, { type: 5 }),
  invalid('POST', LIST, { type: 'not a dotted name' }),
  invalid('POST', LIST, { type: 'upload', groups: 'root' }),
  invalid('POST', LIST, { type: 'upload', progress: '10' }),
  invalid('PATCH', ONE, { title: 5 }),
  invalid('PATCH', ONE, { subtitle: ['step'] }),
  invalid('PATCH', ONE, { context: { nested: { a: 1 } } }),
  invalid('PATCH', ONE, { context: 'librarySectionID=1' }),
  invalid('PATCH', ONE, { state: 'completed', result: 'done' }),
  invalid('PATCH', ONE, { state: 'failed', error: 'boom' }),
  invalid('PATCH', ONE, { state: 'failed', error: { code: 'boom' } }),
  invalid('PATCH', ONE, []),
  invalid('PATCH', ONE, 'progress'),
  invalid('PATCH', ONE, 42),
  invalid('POST', '/v1/admin/tokens', { userId: '1' }),
  invalid('POST', '/v1/changes', { changes: [{ model: 'a', id: { nested: 1 } }] }),
  // Progress outside 0..100.
  invalid('POST', LIST, { type: 'upload', progress: -1 }),
  invalid('POST', LIST, { type: 'upload', progress: 101 }),
  invalid('PATCH', ONE, { progress: -1 }),
  invalid('PATCH', ONE, { progress: 101 }),
  invalid('PATCH', ONE, { progress: 100.0001 }),
  malformed('PATCH', ONE, '{"progress": 1e400}', 'progress 1e400 (Infinity once parsed)'),
  // Unknown fields and states a PATCH may not set.
  invalid('POST', LIST, { type: 'upload', colour: 'red' }),
  invalid('PATCH', ONE, { progress: 5, percent: 5 }),
  invalid('PATCH', ONE, { state: 'failed', error: { message: 'x', stack: 'at y' } }),
  invalid('PATCH', ONE, { state: 'cancelled' }),
  invalid('PATCH', ONE, { state: 'running' }),
  invalid('PATCH', ONE, { result: { a: 1 } }, 'result without state: completed'),
  invalid('PATCH', ONE, { error: { message: 'x' } }, 'error without state: failed'),
  invalid('PATCH', ONE, { state: 'failed' }, 'state: failed without an error'),
  invalid('POST', LIST, { title: 'no type' }),
  invalid('POST', '/v1/changes', { changes: [{ model: 'a', id: 1 }], extra: true }),
  invalid('POST', '/v1/admin/users', { name: 'bob', groups: ['root'], superuser: true }),
  // Missing bodies.
  validation('POST without a body', 'POST', LIST, {}),
  validation('PATCH without a body', 'PATCH', ONE, {}),
  validation('POST with content-type json and an empty body', 'POST', LIST, { raw: '', headers: JSON_TYPE }),
  validation('PATCH with a blank body', 'PATCH', ONE, { raw: '  \n ' }),
  validation('PATCH with body null', 'PATCH', ONE, { raw: 'null' }),
  validation('POST /v1/changes without a body', 'POST', '/v1/changes', {}),
  // Wrong content types.
  validation('text/plain body', 'POST', LIST, { raw: '{"type":"upload"}', headers: { 'content-type': 'text/plain' } }),
  validation('form body', 'PATCH', ONE, { raw: 'progress=50', headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
  validation('XML body', 'PATCH', ONE, { raw: '<progress>50</progress>', headers: { 'content-type': 'application/xml' } }),
  // Bad Idempotency-Keys.
  validation('an empty Idempotency-Key', 'POST', LIST, { raw: '{"type":"upload"}', headers: { ...JSON_TYPE, 'idempotency-key': '' } }),
  validation('an Idempotency-Key of 256 characters', 'POST', LIST, { raw: '{"type":"upload"}', headers: { ...JSON_TYPE, 'idempotency-key': 'k'.repeat(256) } }),
  validation('an Idempotency-Key with a space', 'POST', LIST, { raw: '{"type":"upload"}', headers: { ...JSON_TYPE, 'idempotency-key': 'two words' } }),
  // Oversize bodies.
  tooLarge('POST', LIST, JSON.stringify({ type: 'upload', title: TWO_MB })),
  tooLarge('PATCH', ONE, JSON.stringify({ subtitle: TWO_MB })),
  tooLarge('DELETE', ONE, JSON.stringify({ reason: TWO_MB })),
  tooLarge('POST', '/v1/changes', JSON.stringify({ changes: [{ model: TWO_MB, id: 1 }] })),
  // Unknown ids.
  notFound('GET', '/v1/activities/no-such-activity'),
  notFound('GET', '/v1/activities/no-such-activity?wait=5'),
  notFound('PATCH', '/v1/activities/no-such-activity', { progress: 5 }),
  notFound('PATCH', '/v1/activities/no-such-activity', { state: 'completed' }),
  notFound('DELETE', '/v1/activities/no-such-activity'),
  notFound('GET', '/v1/activities/no-such-activity/result'),
  validation('id of 300 characters', 'GET', `/v1/activities/${'a'.repeat(300)}`, {}),
  validation('id of 300 characters', 'DELETE', `/v1/activities/${'a'.repeat(300)}`, {}),
  validation('a malformed URL escape in the id', 'PATCH', '/v1/activities/%E0%A4%A', { body: { progress: 5 } }),
  // Bad query values.
  badQuery(`${LIST}?limit=0`),
  badQuery(`${LIST}?limit=abc`),
  badQuery(`${LIST}?limit=-1`),
  badQuery(`${LIST}?limit=2.5`),
  badQuery(`${LIST}?limit=1001`),
  badQuery(`${LIST}?state=bogus`),
  badQuery(`${LIST}?state=active,bogus`),
  badQuery(`${LIST}?state=running&state=done`),
  badQuery(`${LIST}?owner=abc`),
  badQuery(`${LIST}?owner=-1`),
  badQuery(`${LIST}?cursor=garbage`),
  badQuery(`${ONE}?wait=999`),
  badQuery(`${ONE}?wait=-1`),
  badQuery(`${ONE}?wait=abc`),
  badQuery('/v1/changes?include=bogus'),
  badQuery('/v1/changes?since=yesterday'),
  badQuery('/v1/events?since=-1'),
  // Missing or wrong credentials.
  unauthenticated('GET', LIST, null),
  unauthenticated('GET', ONE, 'wrong-token'),
  unauthenticated('POST', LIST, null, { type: 'upload' }),
  unauthenticated('PATCH', ONE, 'wrong-token', { progress: 99 }),
  unauthenticated('PATCH', ONE, '', { state: 'completed' }),
  unauthenticated('DELETE', ONE, 'wrong-token'),
  unauthenticated('GET', `${ONE}/result`, null),
  unauthenticated('POST', '/v1/changes', 'wrong-token', { changes: [{ model: 'a', id: 1 }] }),
  unauthenticated('POST', '/v1/admin/users', null, { name: 'bob', groups: ['root'] }),
  { ...unauthenticated('GET', LIST, null), what: 'Basic credentials', headers: { authorization: 'Basic dGVzdDp0ZXN0' } },
];

/** Everything a request could have changed: activities, access records and the change feed. */
async function world(hub: NativeServer['hub']) {
  const { now: _now, ...feed } = await hub.changes.read({ include: ['modelChanges', 'modelChangesES'] }, SYSTEM);
  return {
    activities: (await hub.list({ state: ['all'], limit: 1000 }, SYSTEM)).activities,
    users: await hub.access.listUsers(SYSTEM),
    groups: await hub.access.listGroups(SYSTEM),
    tokens: await hub.access.listTokens(SYSTEM),
    keys: await hub.access.listKeys(SYSTEM),
    feed,
  };
}

describe('bad input on every native route', () => {
  let s: NativeServer;
  let running: Activity;
  let ended: Activity;
  let address = 0;

  beforeAll(async () => {
    s = await nativeServer({ shared: true });
    running = await s.create({ type: 'media.transcode', progress: 30, context: { mediaContainerId: 7 } });
    ended = await s.create({ type: 'upload' });
    await s.ok(200, 'PATCH', `/v1/activities/${ended.id}`, { body: { state: 'completed', result: { bytes: 1 } } });
    await s.ok(202, 'POST', '/v1/changes', { body: { changes: [{ model: 'mediaContainer', id: 7 }] } });
  });

  it.each(rows)('$method $url: $what → $status $code', async (row) => {
    const url = row.url.replace('{id}', running.id).replace('{ended}', ended.id);
    const before = await world(s.hub);
    const reply = await s.call(row.method, url, {
      token: row.token,
      ...(row.body !== undefined ? { body: row.body } : {}),
      ...(row.raw !== undefined ? { raw: row.raw, headers: { ...JSON_TYPE, ...row.headers } } : { headers: row.headers }),
      // Each row from its own address: the failed-authentication limit is not what this tests.
      remoteAddress: `10.1.${Math.floor(++address / 250)}.${address % 250}`,
    });
    expect(reply.status, reply.text.slice(0, 300)).toBeLessThan(500);
    expectError(reply, row.status, row.code);
    expect(await world(s.hub)).toEqual(before);
    // Still serving: the running activity reads back as it was.
    expect(await s.ok(200, 'GET', `/v1/activities/${running.id}`)).toEqual(before.activities.find((a) => a.id === running.id));
  });

  it('covers every native activity route and method', () => {
    const covered = new Set(rows.map((r) => `${r.method} ${r.url.split('?')[0]!.replace(/no-such-activity|a{300}|%E0%A4%A/, '{id}')}`));
    for (const route of [`GET ${LIST}`, `POST ${LIST}`, `GET ${ONE}`, `PATCH ${ONE}`, `DELETE ${ONE}`, `GET ${ONE}/result`]) {
      expect(covered, route).toContain(route);
    }
  });
});
