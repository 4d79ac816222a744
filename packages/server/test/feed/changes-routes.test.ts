import { ManualClock } from '@activityd/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { feedServer, T0, type FeedBody } from './feed-server.js';

const doc = (id: unknown, first = T0 - 100, last = T0 - 50, updated = T0) => ({ model: 'es:mediacontainer', id, affectedModels: { mediaContainer: { timeRange: [first, last], updated } } });

describe('/v1/changes routes', () => {
  it('POST /v1/changes records a batch → 202 {recorded}; GET returns it with `now`', async () => {
    const { ok, feed } = await feedServer();
    expect(await ok(202, 'POST', '/v1/changes', { changes: [{ model: 'metadata', id: 1 }, { model: 'metadata', id: 2, action: 'delete', at: T0 - 5, groups: ['root'] }] })).toEqual({ recorded: 2 });
    expect(await feed()).toEqual({
      now: T0 - 1,
      modelChanges: [
        { model: 'metadata', id: 1, action: 'update', at: T0, owner: 1, groups: ['root'] },
        { model: 'metadata', id: 2, action: 'delete', at: T0 - 5, owner: 1, groups: ['root'] },
      ],
      modelChangesES: [],
    });
  });

  it('POST /v1/changes/index → 202 {recorded}; a later batch merges into the entry', async () => {
    const clock = new ManualClock(T0);
    const { ok, feed } = await feedServer(clock);
    expect(await ok(202, 'POST', '/v1/changes/index', { entries: [doc(123), doc(124)] })).toEqual({ recorded: 2 });
    await clock.advance(250);
    await ok(202, 'POST', '/v1/changes/index', { entries: [{ model: 'es:mediacontainer', id: 123, affectedModels: { metadata: { timeRange: [T0 + 100, T0 + 200], updated: T0 + 250 } } }] });
    const { modelChangesES } = await feed('?include=modelChangesES');
    expect(modelChangesES).toEqual([
      { model: 'es:mediacontainer', id: 124, affectedModels: { mediaContainer: { timeRange: [T0 - 100, T0 - 50], updated: T0 } }, updated: T0, owner: 1, groups: ['root'] },
      {
        model: 'es:mediacontainer', id: 123, owner: 1, groups: ['root'], updated: T0 + 250,
        affectedModels: { mediaContainer: { timeRange: [T0 - 100, T0 - 50], updated: T0 }, metadata: { timeRange: [T0 + 100, T0 + 200], updated: T0 + 250 } },
      },
    ]);
  });

  it('`id` keeps its JSON type: 1 and "1" are different documents', async () => {
    const { ok, feed } = await feedServer();
    await ok(202, 'POST', '/v1/changes', { changes: [{ model: 'metadata', id: 1 }, { model: 'metadata', id: '1' }] });
    await ok(202, 'POST', '/v1/changes/index', { entries: [doc(1), doc('1')] });
    const reply = await feed();
    expect(reply.modelChanges.map((c) => c.id)).toEqual([1, '1']);
    expect(reply.modelChangesES.map((e) => e.id)).toEqual([1, '1']);
  });

  it('GET ?since= returns only entries written after it; `now` chains reads', async () => {
    const clock = new ManualClock(T0);
    const { ok, feed } = await feedServer(clock);
    await ok(202, 'POST', '/v1/changes', { changes: [{ model: 'm', id: 'a' }] });
    await clock.advance(10);
    const first = await feed();
    expect(first.modelChanges.map((c) => c.id)).toEqual(['a']);
    await clock.advance(10);
    await ok(202, 'POST', '/v1/changes', { changes: [{ model: 'm', id: 'b' }] });
    await ok(202, 'POST', '/v1/changes/index', { entries: [doc('x', T0, T0 + 20, T0 + 20)] });
    await clock.advance(10);
    const second = await feed(`?since=${first.now}`);
    expect(second.modelChanges.map((c) => c.id)).toEqual(['b']);
    expect(second.modelChangesES.map((e) => e.id)).toEqual(['x']);
    expect(await feed(`?since=${second.now}`)).toEqual({ now: T0 + 29, modelChanges: [], modelChangesES: [] });
    expect((await feed(`?since=${T0 - 1}`)).modelChanges).toHaveLength(2);
  });

  it.each([
    ['?include=modelChanges', ['modelChanges', 'now']],
    ['?include=modelChangesES', ['modelChangesES', 'now']],
    ['?include=modelChanges,modelChangesES', ['modelChanges', 'modelChangesES', 'now']],
    ['?include=modelChanges&include=modelChangesES', ['modelChanges', 'modelChangesES', 'now']],
    ['?include=modelChangesES,&include=modelChangesES', ['modelChangesES', 'now']],
    ['', ['modelChanges', 'modelChangesES', 'now']],
  ])('GET %s answers exactly those keys', async (query, keys) => {
    const { ok, feed } = await feedServer();
    await ok(202, 'POST', '/v1/changes', { changes: [{ model: 'm', id: 1 }] });
    await ok(202, 'POST', '/v1/changes/index', { entries: [doc(1)] });
    const reply = await feed(query);
    expect(Object.keys(reply).sort()).toEqual(keys);
    for (const key of keys.filter((k) => k !== 'now')) expect((reply as unknown as Record<string, unknown[]>)[key]).toHaveLength(1);
  });

  it('a non-admin reads only what it may see, over HTTP too', async () => {
    const { ok, feed, user } = await feedServer();
    const alice = await user('alice', ['studio']);
    const carol = await user('carol', ['other']);
    await ok(202, 'POST', '/v1/changes', { changes: [{ model: 'm', id: 'alice' }] }, alice.token);
    await ok(202, 'POST', '/v1/changes', { changes: [{ model: 'm', id: 'other', groups: ['other'] }, { model: 'm', id: 'admin-only', groups: [] }] });
    await ok(202, 'POST', '/v1/changes/index', { entries: [{ ...doc('s'), groups: ['studio'] }, { ...doc('o'), groups: ['other'] }] });
    const ids = (r: FeedBody) => [r.modelChanges.map((c) => c.id), r.modelChangesES.map((e) => e.id)];
    expect(ids(await feed('', alice.token))).toEqual([['alice'], ['s']]);
    expect(ids(await feed('', carol.token))).toEqual([['other'], ['o']]);
    expect(ids(await feed())).toEqual([['alice', 'other', 'admin-only'], ['s', 'o']]);
  });
});

describe('/v1/changes bad input: a coded 4xx that records nothing', () => {
  const entries = (n: number) => Array.from({ length: n }, (_, i) => ({ model: 'metadata', id: i }));
  const good = { model: 'metadata', id: 7 };
  const bigModel = 'm'.repeat(200);
  const changeCases: Array<[string, unknown, number, string]> = [
    ['a missing model', { changes: [good, { id: 1 }] }, 400, 'ACT_ERR_VALIDATION'],
    ['a missing id', { changes: [good, { model: 'metadata' }] }, 400, 'ACT_ERR_VALIDATION'],
    ['a fractional id (1.5)', { changes: [{ model: 'metadata', id: 1.5 }] }, 400, 'ACT_ERR_VALIDATION'],
    ['a boolean id', { changes: [{ model: 'metadata', id: true }] }, 400, 'ACT_ERR_VALIDATION'],
    ['an object id', { changes: [{ model: 'metadata', id: {} }] }, 400, 'ACT_ERR_VALIDATION'],
    ['an array id', { changes: [{ model: 'metadata', id: [1] }] }, 400, 'ACT_ERR_VALIDATION'],
    ['a null id', { changes: [{ model: 'metadata', id: null }] }, 400, 'ACT_ERR_VALIDATION'],
    ['an empty string id', { changes: [{ model: 'metadata', id: '' }] }, 400, 'ACT_ERR_VALIDATION'],
    ['an integer id beyond 2^53', { changes: [{ model: 'metadata', id: 2 ** 60 }] }, 400, 'ACT_ERR_VALIDATION'],
    ['`at` 60.001 s in the future', { changes: [good, { model: 'metadata', id: 8, at: T0 + 60_001 }] }, 400, 'ACT_ERR_VALIDATION'],
    ['`at` as a string', { changes: [{ model: 'metadata', id: 8, at: String(T0) }] }, 400, 'ACT_ERR_VALIDATION'],
    ['a negative `at`', { changes: [{ model: 'metadata', id: 8, at: -1 }] }, 400, 'ACT_ERR_VALIDATION'],
    ['10,001 entries', { changes: entries(10_001) }, 400, 'ACT_ERR_VALIDATION'],
    ['a body over 1 MiB', { changes: Array.from({ length: 6_000 }, (_, i) => ({ model: bigModel, id: i })) }, 413, 'ACT_ERR_BODY_TOO_LARGE'],
    ['an unknown entry field', { changes: [good, { model: 'metadata', id: 2, extra: 1 }] }, 400, 'ACT_ERR_VALIDATION'],
    ['an unknown top-level field', { changes: [good], dryRun: true }, 400, 'ACT_ERR_VALIDATION'],
    ['an empty batch', { changes: [] }, 400, 'ACT_ERR_VALIDATION'],
    ['no `changes`', { entries: [good] }, 400, 'ACT_ERR_VALIDATION'],
    ['an array body', [good], 400, 'ACT_ERR_VALIDATION'],
    ['groups as a string', { changes: [{ ...good, groups: 'root' }] }, 400, 'ACT_ERR_VALIDATION'],
  ];
  const indexCases: Array<[string, unknown, number, string]> = [
    ['a timeRange with first after last', { entries: [doc(1), doc(2, T0, T0 - 1)] }, 400, 'ACT_ERR_VALIDATION'],
    ['a missing model', { entries: [{ id: 1, affectedModels: doc(1).affectedModels }] }, 400, 'ACT_ERR_VALIDATION'],
    ['a missing id', { entries: [{ model: 'es:m', affectedModels: doc(1).affectedModels }] }, 400, 'ACT_ERR_VALIDATION'],
    ['a fractional id', { entries: [doc(1.5)] }, 400, 'ACT_ERR_VALIDATION'],
    ['a boolean id', { entries: [doc(true)] }, 400, 'ACT_ERR_VALIDATION'],
    ['an object id', { entries: [doc({})] }, 400, 'ACT_ERR_VALIDATION'],
    ['no affected model', { entries: [{ model: 'es:m', id: 1, affectedModels: {} }] }, 400, 'ACT_ERR_VALIDATION'],
    ['a three-value timeRange', { entries: [{ model: 'es:m', id: 1, affectedModels: { m: { timeRange: [1, 2, 3], updated: 3 } } }] }, 400, 'ACT_ERR_VALIDATION'],
    ['an unknown field in an affected model', { entries: [{ model: 'es:m', id: 1, affectedModels: { m: { timeRange: [1, 2], updated: 3, x: 1 } } }] }, 400, 'ACT_ERR_VALIDATION'],
    ['an unknown entry field', { entries: [{ ...doc(1), updated: T0 }] }, 400, 'ACT_ERR_VALIDATION'],
    ['`updated` 60.001 s in the future', { entries: [doc(1), doc(2, T0, T0, T0 + 60_001)] }, 400, 'ACT_ERR_VALIDATION'],
    ['10,001 entries', { entries: Array.from({ length: 10_001 }, (_, i) => ({ model: 'e', id: i, affectedModels: { m: { timeRange: [1, 2], updated: 3 } } })) }, 400, 'ACT_ERR_VALIDATION'],
    ['a body over 1 MiB', { entries: Array.from({ length: 5_000 }, (_, i) => ({ ...doc(i), model: bigModel })) }, 413, 'ACT_ERR_BODY_TOO_LARGE'],
  ];

  // One server for the refused batches: each is checked against the feed just before it.
  let s: Awaited<ReturnType<typeof feedServer>>;
  beforeAll(async () => {
    s = await feedServer(undefined, true);
    await s.ok(202, 'POST', '/v1/changes', { changes: [{ model: 'before', id: 0 }] });
    await s.ok(202, 'POST', '/v1/changes/index', { entries: [doc('before')] });
  });

  async function expectRefused(path: string, body: unknown, status: number, code: string) {
    const before = await s.feed();
    expect(before.modelChanges).toHaveLength(1);
    expect(before.modelChangesES).toHaveLength(1);
    const reply = await s.call('POST', path, body);
    expect(reply.status).toBe(status);
    expect(reply.body.error.code).toBe(code);
    expect(await s.feed()).toEqual(before);
  }

  it('the size fixtures are what they claim', () => {
    expect(JSON.stringify(changeCases.find(([n]) => n === 'a body over 1 MiB')![1]).length).toBeGreaterThan(1024 * 1024);
    expect(JSON.stringify(changeCases.find(([n]) => n === '10,001 entries')![1]).length).toBeLessThan(1024 * 1024);
    expect(JSON.stringify(indexCases.find(([n]) => n === '10,001 entries')![1]).length).toBeLessThan(1024 * 1024);
  });

  it.each(changeCases)('POST /v1/changes with %s', async (_name, body, status, code) => expectRefused('/v1/changes', body, status, code));
  it.each(indexCases)('POST /v1/changes/index with %s', async (_name, body, status, code) => expectRefused('/v1/changes/index', body, status, code));

  it.each([
    ['no body', undefined, undefined],
    ['malformed JSON', undefined, '{"changes": [{"model": "m", "id": 1}'],
    ['an empty JSON body', undefined, ''],
  ])('POST /v1/changes with %s → 400', async (_name, body, raw) => {
    const before = await s.feed();
    const reply = await s.call('POST', '/v1/changes', body, undefined, raw);
    expect(reply.status).toBe(400);
    expect(reply.body.error.code).toBe('ACT_ERR_VALIDATION');
    expect(await s.feed()).toEqual(before);
  });

  it('exactly 10,000 entries and `at` exactly 60 s ahead are accepted', async () => {
    const { ok, feed } = await feedServer();
    expect(await ok(202, 'POST', '/v1/changes', { changes: entries(10_000) })).toEqual({ recorded: 10_000 });
    await ok(202, 'POST', '/v1/changes', { changes: [{ model: 'm', id: 'edge', at: T0 + 60_000 }] });
    expect((await feed('?include=modelChanges')).modelChanges).toHaveLength(10_001);
  });

  it.each([
    ['?include=activities', 'ACT_ERR_VALIDATION'],
    ['?include=modelChanges,bogus', 'ACT_ERR_VALIDATION'],
    ['?include=modelChanges&include=bogus', 'ACT_ERR_VALIDATION'],
    ['?since=yesterday', 'ACT_ERR_VALIDATION'],
    ['?since=-1', 'ACT_ERR_VALIDATION'],
    ['?since=1.5', 'ACT_ERR_VALIDATION'],
  ])('GET /v1/changes%s → 400', async (query, code) => {
    const reply = await s.call('GET', `/v1/changes${query}`);
    expect(reply.status).toBe(400);
    expect(reply.body.error.code).toBe(code);
  });

  it('401 without a token or with a wrong one, on every feed route; nothing recorded', async () => {
    const { call, feed } = await feedServer();
    for (const token of [null, 'wrong']) {
      for (const [method, path, body] of [['POST', '/v1/changes', { changes: [good] }], ['POST', '/v1/changes/index', { entries: [doc(1)] }], ['GET', '/v1/changes', undefined]] as const) {
        const reply = await call(method, path, body, token);
        expect(reply.status, `${method} ${path} with ${token}`).toBe(401);
        expect(reply.body.error.code).toBe('ACT_ERR_UNAUTHENTICATED');
      }
    }
    expect(await feed()).toMatchObject({ modelChanges: [], modelChangesES: [] });
  });

  it('a non-admin naming a group it is not in → 403, and nothing of the batch is recorded', async () => {
    const { ok, call, feed, user } = await feedServer();
    const alice = await user('alice', ['studio']);
    await ok(201, 'POST', '/v1/admin/groups', { id: 'other', name: 'other' });
    const refused = await call('POST', '/v1/changes', { changes: [good, { ...good, id: 8, groups: ['other'] }] }, alice.token);
    expect([refused.status, refused.body.error.code]).toEqual([403, 'ACT_ERR_FORBIDDEN']);
    const refusedIndex = await call('POST', '/v1/changes/index', { entries: [doc(1), { ...doc(2), groups: ['other'] }] }, alice.token);
    expect([refusedIndex.status, refusedIndex.body.error.code]).toEqual([403, 'ACT_ERR_FORBIDDEN']);
    expect(await feed()).toMatchObject({ modelChanges: [], modelChangesES: [] });
  });
});
