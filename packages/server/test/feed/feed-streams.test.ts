import { describe, expect, it } from 'vitest';
import { ADMIN, feedServer, listen, openSse, openWs, T0, type StreamEvent } from './feed-server.js';

// Feed events over real sockets: SSE read with fetch, WebSocket with `ws`. The requests that cause
// them go through app.inject; the events reach the sockets through the hub like any other.
const summary = (events: StreamEvent[]) => events.map((e) => [e.type, e.change ? e.change.id : e.activity?.type]);
const strictlyIncreasing = (events: StreamEvent[]) => events.every((e, i) => i === 0 || e.seq > events[i - 1]!.seq);
const index = (id: string, groups?: string[]) => ({ model: 'es:m', id, affectedModels: { m: { timeRange: [T0 - 2, T0 - 1], updated: T0 } }, ...(groups ? { groups } : {}) });

/** Activity events and feed events, interleaved; the last event is an activity's end. */
async function mixedTraffic(s: Awaited<ReturnType<typeof feedServer>>) {
  const a = await s.ok<{ id: string }>(201, 'POST', '/v1/activities', { type: 'library.update.section', title: 'Scan' });
  await s.ok(202, 'POST', '/v1/changes', { changes: [{ model: 'metadata', id: 1 }, { model: 'metadata', id: '1', action: 'delete' }] });
  expect((await s.app.inject({ method: 'PATCH', url: `/v1/activities/${a.id}`, headers: { authorization: `Bearer ${ADMIN}` }, payload: { progress: 50 } })).statusCode).toBe(200);
  await s.ok(202, 'POST', '/v1/changes/index', { entries: [index('doc')] });
  await s.hub.changes.record({ model: 'mediaContainer', id: 2 }); // in-process, same stream
  await s.ok(202, 'POST', '/v1/changes/index', { entries: [{ ...index('doc'), affectedModels: { n: { timeRange: [T0, T0], updated: T0 } } }] });
  expect((await s.app.inject({ method: 'PATCH', url: `/v1/activities/${a.id}`, headers: { authorization: `Bearer ${ADMIN}` }, payload: { state: 'completed' } })).statusCode).toBe(200);
}

const EXPECTED = [
  ['activity.started', 'library.update.section'],
  ['change.model', 1],
  ['change.model', '1'],
  ['activity.updated', 'library.update.section'],
  ['change.index', 'doc'],
  ['change.model', 2],
  ['change.index', 'doc'],
  ['activity.ended', 'library.update.section'],
];
const ended = (events: StreamEvent[]) => events.some((e) => e.type === 'activity.ended');

describe('feed events on the live streams', () => {
  it('SSE: change.model and change.index arrive as `event:` frames, in seq order with activity events', async () => {
    const s = await feedServer();
    const base = await listen(s.app);
    const sse = await openSse(`${base}/v1/events?token=${ADMIN}`);
    await mixedTraffic(s);
    const events = await sse.collector.until(ended);
    expect(summary(events)).toEqual(EXPECTED);
    expect(strictlyIncreasing(events)).toBe(true);
    expect(sse.eventLines).toEqual(EXPECTED.map(([type]) => `event: ${type}`));
    expect(events[1]).toMatchObject({ type: 'change.model', at: T0, change: { model: 'metadata', id: 1, action: 'update', at: T0, owner: 1, groups: ['root'] } });
    expect(events[2]!.change).toMatchObject({ id: '1', action: 'delete' });
    // Each index write carries the merged entry.
    expect(events[4]!.change).toEqual({ ...index('doc'), updated: T0, owner: 1, groups: ['root'] });
    expect(events[6]!.change!.affectedModels).toEqual({ m: { timeRange: [T0 - 2, T0 - 1], updated: T0 }, n: { timeRange: [T0, T0], updated: T0 } });
  });

  it('WebSocket: the same events as JSON frames, in the same order', async () => {
    const s = await feedServer();
    const base = await listen(s.app);
    const { collector } = await openWs(`${base.replace('http', 'ws')}/v1/ws`, ADMIN);
    await mixedTraffic(s);
    const events = await collector.until(ended);
    expect(summary(events)).toEqual(EXPECTED);
    expect(strictlyIncreasing(events)).toBe(true);
    expect(events[4]!.change).toEqual({ ...index('doc'), updated: T0, owner: 1, groups: ['root'] });
  });

  it('SSE and WebSocket subscribers see the same seqs', async () => {
    const s = await feedServer();
    const base = await listen(s.app);
    const sse = await openSse(`${base}/v1/events?token=${ADMIN}`);
    const ws = await openWs(`${base.replace('http', 'ws')}/v1/ws`, ADMIN);
    await mixedTraffic(s);
    const viaSse = await sse.collector.until(ended);
    const viaWs = await ws.collector.until(ended);
    expect(viaWs.map((e) => e.seq)).toEqual(viaSse.map((e) => e.seq));
  });

  it('feed=false on the SSE query, or in the WS subscribe filters, leaves feed events out', async () => {
    const s = await feedServer();
    const base = await listen(s.app);
    const all = await openSse(`${base}/v1/events?token=${ADMIN}`);
    const sseNoFeed = await openSse(`${base}/v1/events?token=${ADMIN}&feed=false`);
    const sseFeed = await openSse(`${base}/v1/events?token=${ADMIN}&feed=true`);
    const wsNoFeed = await openWs(`${base.replace('http', 'ws')}/v1/ws`, ADMIN, { feed: false });
    const wsFeed = await openWs(`${base.replace('http', 'ws')}/v1/ws`, ADMIN, { feed: true });
    await mixedTraffic(s);
    expect(summary(await all.collector.until(ended))).toEqual(EXPECTED);
    expect(summary(await sseFeed.collector.until(ended))).toEqual(EXPECTED);
    expect(summary(await wsFeed.collector.until(ended))).toEqual(EXPECTED);
    // The end comes after every feed event on the same connection: had one passed, it would be here.
    const activityOnly = EXPECTED.filter(([type]) => String(type).startsWith('activity.'));
    expect(summary(await sseNoFeed.collector.until(ended))).toEqual(activityOnly);
    expect(summary(await wsNoFeed.collector.until(ended))).toEqual(activityOnly);
  });

  it('activity filters do not hide feed events; feed=false with a type filter keeps only those activities', async () => {
    const s = await feedServer();
    const base = await listen(s.app);
    const typed = await openSse(`${base}/v1/events?token=${ADMIN}&type=library.*`);
    const typedNoFeed = await openWs(`${base.replace('http', 'ws')}/v1/ws`, ADMIN, { type: ['library.*'], feed: false });
    await mixedTraffic(s);
    expect(summary(await typed.collector.until(ended))).toEqual(EXPECTED);
    expect((await typedNoFeed.collector.until(ended)).every((e) => e.type.startsWith('activity.'))).toBe(true);
  });

  it('a non-admin subscriber receives only the feed entries it may see, on SSE and WebSocket', async () => {
    const s = await feedServer();
    const base = await listen(s.app);
    const alice = await s.user('alice', ['studio']);
    const carol = await s.user('carol', ['other']);
    const aliceSse = await openSse(`${base}/v1/events?token=${alice.token}`);
    const aliceWs = await openWs(`${base.replace('http', 'ws')}/v1/ws`, alice.token);
    const carolWs = await openWs(`${base.replace('http', 'ws')}/v1/ws`, carol.token);
    const adminSse = await openSse(`${base}/v1/events?token=${ADMIN}`);

    await s.ok(202, 'POST', '/v1/changes', { changes: [
      { model: 'm', id: 'studio', groups: ['studio'] },
      { model: 'm', id: 'other', groups: ['other'] },
      { model: 'm', id: 'root' }, // the admin's default group: above studio, so hidden from alice
      { model: 'm', id: 'nobody', groups: [] },
    ] });
    await s.ok(202, 'POST', '/v1/changes', { changes: [{ model: 'm', id: 'alice-own', groups: [] }] }, alice.token);
    await s.ok(202, 'POST', '/v1/changes/index', { entries: [index('i-studio', ['studio']), index('i-other', ['other']), index('i-both', ['studio', 'other'])] });
    await s.ok(202, 'POST', '/v1/changes', { changes: [{ model: 'm', id: 'end', groups: ['studio', 'other'] }] });

    const isEnd = (events: StreamEvent[]) => events.some((e) => e.change?.id === 'end');
    const ids = (events: StreamEvent[]) => events.map((e) => e.change?.id);
    const forAlice = ['studio', 'alice-own', 'i-studio', 'i-both', 'end'];
    expect(ids(await aliceSse.collector.until(isEnd))).toEqual(forAlice);
    expect(ids(await aliceWs.collector.until(isEnd))).toEqual(forAlice);
    expect(ids(await carolWs.collector.until(isEnd))).toEqual(['other', 'i-other', 'i-both', 'end']);
    expect(ids(await adminSse.collector.until(isEnd))).toEqual(['studio', 'other', 'root', 'nobody', 'alice-own', 'i-studio', 'i-other', 'i-both', 'end']);
  });

  it('resuming SSE with Last-Event-ID replays the feed events missed', async () => {
    const s = await feedServer();
    const base = await listen(s.app);
    await s.ok(202, 'POST', '/v1/changes', { changes: [{ model: 'm', id: 'a' }] });
    const { seq } = (await s.hub.readLog(0, 10)).at(-1)!;
    await s.ok(202, 'POST', '/v1/changes', { changes: [{ model: 'm', id: 'b' }] });
    await s.ok(202, 'POST', '/v1/changes/index', { entries: [index('c')] });
    const sse = await openSse(`${base}/v1/events?token=${ADMIN}&since=${seq}`);
    const events = await sse.collector.until((e) => e.length >= 2);
    expect(summary(events)).toEqual([['change.model', 'b'], ['change.index', 'c']]);
  });
});
