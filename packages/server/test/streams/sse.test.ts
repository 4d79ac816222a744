import { describe, expect, it } from 'vitest';
import { SYSTEM } from '@activityd/core';
import { get, openSse, startServer, summary } from './clients.js';

// GET /v1/events over real sockets: the wire form, resume by Last-Event-ID and ?since=, reset,
// filters from the query string, authentication and bad input, and the close on shutdown.

describe('SSE /v1/events', () => {
  it('sends `retry:` first, then each event as `id:` = seq, `event:` = type, `data:` = the event JSON', async () => {
    const s = await startServer();
    const sse = await openSse(s, '/v1/events');
    expect(sse.res.statusCode).toBe(200);
    expect(sse.res.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(sse.res.headers['cache-control']).toContain('no-cache');
    await sse.until((c) => c.frames.length >= 1, 'the retry frame');
    expect(sse.frames[0]).toEqual({ retry: 1000 });
    await sse.until(() => s.hub.streams.size === 1, 'the subscription');
    const a = await s.create({ type: 'upload', title: 'photo.jpg' });
    await s.update(a.id, { progress: 40, subtitle: 'line one\nline two' });
    await s.complete(a.id);
    await sse.until((c) => c.items.length === 3, 'three events');
    const log = await s.log();
    expect(sse.frames[1]).toEqual({ id: '0' }); // where the stream starts: a cursor, no event
    const frames = sse.frames.slice(2);
    expect(frames).toEqual(log.map((e) => ({ id: String(e.seq), event: e.type, data: JSON.stringify(e) })));
    expect(sse.items).toEqual(JSON.parse(JSON.stringify(log)));
    expect(sse.items[1]!.activity.subtitle).toBe('line one\nline two'); // one data line: newlines stay escaped in JSON
  });

  for (const how of ['Last-Event-ID', '?since='] as const) {
    it(`resumes after a dropped connection with ${how}: every missed event once, in order, then live ones`, async () => {
      const s = await startServer();
      const first = await openSse(s, '/v1/events');
      await first.until(() => s.hub.streams.size === 1, 'the subscription');
      const a = await s.create();
      const b = await s.create();
      for (let p = 1; p <= 3; p++) await s.update(a.id, { progress: p });
      await first.until((c) => c.events.length === 5, 'five events');
      first.close();
      await first.until(() => s.hub.streams.size === 0, 'the server to notice the drop');
      // Missed while disconnected: several updates of one activity (none may be conflated), an end, a start.
      for (let p = 4; p <= 9; p++) await s.update(a.id, { progress: p });
      await s.update(b.id, { progress: 50 });
      const c = await s.create();
      await s.complete(a.id);
      const cursor = first.events.at(-1)!.seq;
      const second = how === 'Last-Event-ID'
        ? await openSse(s, '/v1/events', { headers: { 'last-event-id': String(cursor) } })
        : await openSse(s, `/v1/events?since=${cursor}`);
      await second.until((x) => x.events.some((e) => e.type === 'activity.ended'), 'the end of a');
      await s.update(c.id, { progress: 1 });
      await s.complete(b.id);
      await second.until((x) => x.events.filter((e) => e.type === 'activity.ended').length === 2, 'the end of b');
      const all = [...first.events, ...second.events];
      expect(summary(all)).toEqual(summary(await s.log()));
      expect(all.map((e) => e.activity.progress)).toEqual((await s.log()).map((e) => 'activity' in e && e.activity.progress));
      expect(second.items.some((i) => i.type === 'reset')).toBe(false);
    });
  }

  it('a stream "from now" cut before its first event resumes from where it started, not from a later now', async () => {
    const s = await startServer();
    await s.create(); // the log is not empty: "now" is a real position
    const first = await openSse(s, '/v1/events');
    await first.until(() => s.hub.streams.size === 1, 'the subscription');
    const opened = first.frames.find((f) => f.id !== undefined && f.data === undefined)?.id;
    expect(opened).toBe(String(await s.lastSeq()));
    first.close();
    await first.until(() => s.hub.streams.size === 0, 'the server to notice the drop');
    const missed = await s.create({ title: 'while away' });
    // What an EventSource does on reconnecting: it sends the last `id:` it saw, even one with no data.
    const second = await openSse(s, '/v1/events', { headers: { 'last-event-id': opened! } });
    await second.until((c) => c.events.length === 1, 'the event missed while away');
    expect(second.events[0]).toMatchObject({ type: 'activity.started', activity: { id: missed.id } });
  });

  it('Last-Event-ID wins over ?since=', async () => {
    const s = await startServer();
    const a = await s.create();
    await s.update(a.id, { progress: 1 });
    await s.update(a.id, { progress: 2 });
    const sse = await openSse(s, '/v1/events?since=0', { headers: { 'last-event-id': '2' } });
    await sse.until((c) => c.events.length === 1, 'one event');
    expect(summary(sse.events)).toEqual(summary(await s.log(2)));
  });

  it('a resume bigger than the socket buffers completes: every event once, in order, then live ones', async () => {
    const s = await startServer();
    const since = await s.lastSeq();
    const subtitle = 'x'.repeat(8 * 1024);
    for (let i = 0; i < 1_500; i++) await s.create({ title: `n${i}`, subtitle }); // ~12 MB, no two events conflatable
    const sse = await openSse(s, `/v1/events?since=${since}`);
    await sse.until((c) => c.events.length === 1_500, 'the whole replay', 15_000);
    const live = await s.create({ title: 'live' });
    await sse.until((c) => c.events.length === 1_501, 'the live event');
    expect(summary(sse.events)).toEqual(summary(await s.log(since)));
    expect(sse.events.at(-1)!.activity.id).toBe(live.id);
    expect(s.hub.streams.buffered).toBe(0);
  });

  it('a cursor older than the log gets one reset with the visible activities, then live events', async () => {
    const s = await startServer({ eventLogSize: 5 });
    const a = await s.create();
    const b = await s.create();
    for (let p = 1; p <= 5; p++) await s.update(a.id, { progress: p });
    await s.complete(b.id);
    const last = await s.lastSeq();
    const sse = await openSse(s, '/v1/events', { headers: { 'last-event-id': '1' } });
    await sse.until((c) => c.items.length === 1, 'the reset');
    const reset = sse.items[0]!;
    expect(sse.frames[1]).toEqual({ id: String(last) });
    expect(sse.frames[2]).toMatchObject({ id: String(last), event: 'reset' });
    expect(reset).toMatchObject({ type: 'reset', seq: last });
    expect(reset.activities.map((x) => [x.id, x.state, x.progress]).sort()).toEqual([[a.id, 'running', 5], [b.id, 'completed', 100]].sort());
    await s.update(a.id, { progress: 6 });
    await s.complete(a.id);
    await sse.until((c) => c.items.length === 3, 'two live events');
    expect(summary(sse.items.slice(1))).toEqual(summary(await s.log(last)));
    expect(sse.items.filter((i) => i.type === 'reset')).toHaveLength(1);
  });

  it('filters from the query string, comma-separated or repeated', async () => {
    const s = await startServer();
    const p = await s.create({ type: 'batch' });
    await s.complete(p.id);
    const m1 = await s.create({ type: 'media.transcode', owner: 5, groups: ['g'], parentId: p.id });
    const m2 = await s.create({ type: 'media.scan', owner: 6, groups: ['g'] });
    const l1 = await s.create({ type: 'library.update.section', parentId: p.id });
    const names = new Map([[p.id, 'P'], [m1.id, 'm1'], [m2.id, 'm2'], [l1.id, 'l1']]);
    const queries = {
      media: 'type=media.*',
      idsRepeated: `id=${m1.id}&id=${l1.id}`,
      idsComma: `id=${m1.id},${l1.id}`,
      endedStates: 'state=completed&state=failed',
      scanRunning: 'state=running&type=media.scan',
      owners: 'owner=5,6&type=media.transcode',
      parent: `parentId=${p.id}`,
    };
    const streams = Object.fromEntries(await Promise.all(Object.entries(queries).map(async ([k, q]) => [k, await openSse(s, `/v1/events?${q}`)] as const)));
    await streams.media!.until(() => s.hub.streams.size === Object.keys(queries).length, 'every subscription');
    await s.update(m1.id, { progress: 10 });
    await s.update(m2.id, { progress: 20 });
    await s.update(l1.id, { progress: 30 });
    await s.complete(m2.id);
    await s.hub.fail(l1.id, { message: 'boom' }, SYSTEM);
    await s.complete(m1.id);
    const marker = await s.create({ type: 'marker' }); // unfiltered streams would see it; none of these may
    const all = await openSse(s, `/v1/events?since=${p.seq}`);
    await all.until((c) => c.events.some((e) => e.activity.id === marker.id), 'the marker');
    // The last matching event of every stream precedes the marker, so each stream has had all it will get.
    const expected: Record<string, string[]> = {
      media: ['updated m1', 'updated m2', 'ended m2', 'ended m1'],
      idsRepeated: ['updated m1', 'updated l1', 'ended l1', 'ended m1'],
      idsComma: ['updated m1', 'updated l1', 'ended l1', 'ended m1'],
      endedStates: ['ended m2', 'ended l1', 'ended m1'],
      scanRunning: ['updated m2', 'ended m2'],
      owners: ['updated m1', 'ended m1'],
      parent: ['updated m1', 'updated l1', 'ended l1', 'ended m1'],
    };
    for (const [k, want] of Object.entries(expected)) {
      await streams[k]!.until((c) => c.events.length >= want.length, `${k}: ${want.length} events`);
      expect(streams[k]!.events.map((e) => `${e.type.slice(9)} ${names.get(e.activity.id)}`), k).toEqual(want);
    }
  });

  it('401 without a valid token; the token is also accepted as ?token=', async () => {
    const s = await startServer();
    for (const headers of [{}, { authorization: 'Bearer nope' }] as Array<Record<string, string>>) {
      const reply = await get(s, '/v1/events', headers);
      expect(reply.status).toBe(401);
      expect(reply.headers['content-type']).toMatch(/^application\/json/);
      expect(reply.body.error.code).toBe('ACT_ERR_UNAUTHENTICATED');
    }
    const sse = await openSse(s, '/v1/events?token=t', { token: null });
    expect(sse.res.statusCode).toBe(200);
    await sse.until(() => s.hub.streams.size === 1, 'the subscription');
    const a = await s.create();
    await sse.until((c) => c.events.length === 1, 'an event');
    expect(sse.events[0]!.activity.id).toBe(a.id);
  });

  it('bad filters or cursors are a 400 JSON error before the stream opens', async () => {
    const s = await startServer();
    for (const [path, headers] of [
      ['/v1/events?state=bogus', {}], ['/v1/events?owner=abc', {}], ['/v1/events?since=-1', {}], ['/v1/events?since=abc', {}],
      ['/v1/events?feed=maybe', {}], ['/v1/events', { 'last-event-id': 'abc' }],
    ] as Array<[string, Record<string, string>]>) {
      const reply = await get(s, path, { authorization: 'Bearer t', ...headers });
      expect(reply.status, path).toBe(400);
      expect(reply.headers['content-type']).toMatch(/^application\/json/);
      expect(reply.body.error.code, path).toBe('ACT_ERR_VALIDATION');
    }
    expect(s.hub.streams.size).toBe(0);
  });

  it('closing the server ends each stream with `event: close` (code draining, the last seq) and a retry', async () => {
    const s = await startServer();
    const sse = await openSse(s, '/v1/events');
    await sse.until(() => s.hub.streams.size === 1, 'the subscription');
    const a = await s.create();
    await sse.until((c) => c.events.length === 1, 'an event');
    await s.close();
    await sse.until((c) => c.ended, 'the end of the stream');
    const last = sse.frames.at(-1)!;
    expect(last.event).toBe('close');
    expect(last.retry).toBe(1000);
    expect(JSON.parse(last.data!)).toEqual({ code: 'draining', reason: expect.any(String), seq: a.seq });
    expect(s.hub.streams.size).toBe(0);
  });
});
