import type { IncomingMessage } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { openWs, refusedWs, startServer, summary, tick } from './clients.js';

// GET /v1/ws over real sockets with `ws`: the subscribed reply, events as JSON text frames,
// subscribe / re-subscribe with a cursor / unsubscribe, bad messages, authentication before the
// upgrade, and the close on shutdown.

describe('WebSocket /v1/ws', () => {
  it('answers {"type":"subscribed","seq":N} first, then each event as one JSON text frame', async () => {
    const s = await startServer();
    const before = await s.create();
    const ws = await openWs(s);
    const subscribed = await ws.nth('subscribed');
    expect(ws.messages[0]).toEqual({ type: 'subscribed', seq: before.seq });
    expect(subscribed.seq).toBe(before.seq);
    const a = await s.create({ type: 'upload' });
    await s.update(a.id, { progress: 50 });
    await s.complete(a.id);
    await ws.until((c) => c.events.length === 3, 'three events');
    expect(ws.events).toEqual(JSON.parse(JSON.stringify(await s.log(before.seq))));
    expect(ws.binary).toEqual([]);
  });

  it('the token is accepted in ?token=; without one the upgrade is refused with HTTP 401', async () => {
    const s = await startServer();
    for (const headers of [{}, { authorization: 'Bearer nope' }] as Array<Record<string, string>>) {
      const refused = await refusedWs(s, '/v1/ws', headers);
      expect(refused.status).toBe(401);
      expect(refused.body.error.code).toBe('ACT_ERR_UNAUTHENTICATED');
    }
    expect((await refusedWs(s, '/v1/ws?token=nope')).status).toBe(401);
    const ws = await openWs(s, '/v1/ws?token=t', { token: null });
    await ws.nth('subscribed');
    const a = await s.create();
    await ws.until((c) => c.events.length === 1, 'an event');
    expect(ws.events[0]!.activity.id).toBe(a.id);
  });

  it('`subscribe` with filters and `since` replaces the subscription: a replay from N, then live events of the new filters', async () => {
    const s = await startServer();
    const ws = await openWs(s, '/v1/ws?type=upload');
    await ws.nth('subscribed');
    const u = await s.create({ type: 'upload' });
    const m = await s.create({ type: 'media.scan' });
    await s.update(m.id, { progress: 1 });
    await s.update(m.id, { progress: 2 });
    await s.update(u.id, { progress: 3 });
    await ws.until((c) => c.events.length === 2, 'the upload events');
    expect(ws.events.map((e) => e.activity.id)).toEqual([u.id, u.id]);
    ws.send({ subscribe: { filters: { type: ['media.*'] }, since: u.seq } });
    const again = await ws.nth('subscribed', 2);
    expect(again.seq).toBe(u.seq);
    await ws.until((c) => c.events.length === 5, 'the media replay');
    // Replayed from N, filtered by the new filters, each once and every update kept.
    expect(summary(ws.events.slice(2))).toEqual(summary((await s.log(u.seq)).filter((e) => 'activity' in e && e.activity.id === m.id)));
    await s.update(u.id, { progress: 4 }); // the old filter's: no longer sent
    await s.complete(m.id);
    await ws.until((c) => c.events.length === 6, 'the live media end');
    expect(ws.events.at(-1)).toMatchObject({ type: 'activity.ended', activity: { id: m.id } });
    expect(ws.events.filter((e) => e.activity.id === u.id)).toHaveLength(2);
    expect(s.hub.streams.size).toBe(1);
  });

  it('a `subscribe` sent while the connect-time subscription is still starting replaces it: replay, then live events', { timeout: 30_000 }, async () => {
    const s = await startServer();
    const u = await s.create({ type: 'upload' });
    for (let i = 1; i <= 3; i++) await s.update(u.id, { progress: i });
    for (let round = 0; round < 20; round++) {
      const ws = await openWs(s, '/v1/ws?type=media.*');
      ws.send({ subscribe: { filters: { type: ['upload'] }, since: u.seq } }); // before the first `subscribed`
      await ws.nth('subscribed', 2);
      await ws.until((c) => c.events.length >= 3, `the replay (round ${round})`);
      await s.update(u.id, { progress: 10 + round });
      await ws.until((c) => c.events.some((e) => e.activity.progress === 10 + round), `the live update (round ${round})`);
      const seqs = ws.events.map((e) => e.seq);
      expect(ws.events.every((e) => e.activity.id === u.id)).toBe(true);
      expect(new Set(seqs).size).toBe(seqs.length);
      expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
      ws.socket.close();
    }
  });

  it('`unsubscribe` stops events and releases the subscription; the socket stays usable', async () => {
    const s = await startServer();
    const baseline = s.hub.listenerCount('event'); // the server's metrics
    const ws = await openWs(s);
    await ws.nth('subscribed');
    expect(s.hub.listenerCount('event')).toBe(baseline + 1);
    ws.send({ unsubscribe: {} });
    await ws.nth('unsubscribed');
    expect(s.hub.streams.size).toBe(0);
    expect(s.hub.listenerCount('event')).toBe(baseline);
    await s.create();
    // A round trip after the event: had it been sent, it would have arrived before this reply.
    ws.send('not json');
    await ws.nth('error');
    expect(ws.events).toEqual([]);
    ws.send({ subscribe: {} });
    await ws.nth('subscribed', 2);
    const b = await s.create();
    await ws.until((c) => c.events.length === 1, 'an event after re-subscribing');
    expect(ws.events[0]!.activity.id).toBe(b.id);
  });

  it('an invalid message gets {"type":"error", "error": {code: "ACT_ERR_VALIDATION"}} and the connection stays usable', async () => {
    const s = await startServer();
    const ws = await openWs(s);
    await ws.nth('subscribed');
    const bad: unknown[] = [
      'not json', '42', { foo: 1 }, { subscribe: { filters: { state: 'running' } } }, { subscribe: { since: -1 } },
      { subscribe: { filters: { color: ['red'] } } }, { unsubscribe: { now: true } }, { subscribe: { filters: { state: ['bogus'] } } },
    ];
    for (const [i, message] of bad.entries()) {
      ws.send(message);
      const error = await ws.nth('error', i + 1);
      expect(error, JSON.stringify(message)).toEqual({ type: 'error', error: expect.objectContaining({ code: 'ACT_ERR_VALIDATION', message: expect.any(String) }) });
    }
    ws.socket.send(Buffer.from('{"unsubscribe":{}}'), { binary: true });
    await ws.nth('error', bad.length + 1);
    expect(ws.closeCode).toBeUndefined();
    // The first subscription survived them all.
    const a = await s.create();
    await ws.until((c) => c.events.length === 1, 'an event');
    expect(ws.events[0]!.activity.id).toBe(a.id);
    expect(s.hub.streams.size).toBe(1);
  });

  it('a replay bigger than the socket buffers completes: every event once, in order, then live ones', async () => {
    const s = await startServer();
    const since = await s.lastSeq();
    const subtitle = 'x'.repeat(8 * 1024);
    for (let i = 0; i < 1_500; i++) await s.create({ title: `n${i}`, subtitle });
    const ws = await openWs(s, `/v1/ws?since=${since}`);
    await ws.until((c) => c.events.length === 1_500, 'the whole replay', 15_000);
    const live = await s.create({ title: 'live' });
    await ws.until((c) => c.events.length === 1_501, 'the live event');
    expect(summary(ws.events)).toEqual(summary(await s.log(since)));
    expect(ws.events.at(-1)!.activity.id).toBe(live.id);
    expect(s.hub.streams.buffered).toBe(0);
  });

  it('closing the server closes each socket with 1012 (draining) and a coded reason', async () => {
    const s = await startServer();
    const ws = await openWs(s);
    await ws.nth('subscribed');
    const a = await s.create();
    await ws.until((c) => c.events.length === 1, 'an event');
    await s.close();
    await ws.until((c) => c.closeCode !== undefined, 'the close');
    expect(ws.closeCode).toBe(1012);
    expect(ws.closeReason).toBe(`draining: resume after seq ${a.seq}`);
    expect(ws.messages.at(-1)).toEqual({ type: 'close', code: 'draining', reason: expect.any(String), seq: a.seq });
    expect(s.hub.streams.size).toBe(0);
  });

  it('an open socket keeps nothing of the HTTP request that opened it (memory per subscriber)', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const s = await startServer();
    const upgrades: Array<WeakRef<IncomingMessage>> = [];
    s.app.server.on('upgrade', (req: IncomingMessage) => upgrades.push(new WeakRef(req)));
    const sockets = [await openWs(s), await openWs(s), await openWs(s)];
    for (const ws of sockets) await ws.nth('subscribed');
    for (let i = 0; i < 3; i++) {
      gc();
      await tick();
    }
    expect(upgrades.length).toBe(3);
    expect(upgrades.filter((r) => r.deref() !== undefined).length).toBe(0);
    const a = await s.create();
    for (const ws of sockets) await ws.until((c) => c.events.some((e) => e.activity.id === a.id), 'the event');
  });

  it('in-process work reporting in a tight loop: every event arrives, once, in order, as separate text frames', async () => {
    const s = await startServer();
    const ws = await openWs(s);
    await ws.nth('subscribed');
    // Awaited reports on the memory store run as one chain of microtasks: many frames for one
    // socket within a tick, which leave together (see tickCorker).
    const { activity, ended } = await s.hub.run({ type: 'tight' }, async (ctx) => {
      for (let i = 0; i < 2_000; i++) await ctx.progress(i % 101);
    });
    await ended;
    const sent = (await s.log(activity.seq - 1)).filter((e) => 'activity' in e && e.activity.id === activity.id);
    expect(sent.length).toBe(2_002); // started, 2,000 updates, ended
    await ws.until((c) => c.events.length >= sent.length, 'every event');
    expect(summary(ws.events)).toEqual(summary(sent));
    expect(ws.binary).toEqual([]);
  });
});
