// Two real `activityd` processes on one Redis (a key prefix of their own): node A runs the demo's
// in-process work, node B only serves. Every client must see the same activities and events
// whichever node it reaches: SSE across nodes, a WebSocket moved between nodes resuming by cursor,
// a cancel on B aborting work on A, a lapsed lease expired once, and A's work interrupted after
// SIGKILL. Skips visibly without Redis, fails with ACTIVITYD_REQUIRE_REDIS=1.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Activity } from '@activityd/protocol';
import { openSse, openWs, type Item, type Server } from '../../packages/server/test/streams/clients.js';
import { deletePrefix, REDIS_URL, redisAvailable, testPrefix } from '../../packages/redis/test/redis-fixture.js';
import { startServe, type ServeProcess } from './serve-process.js';

const TOKEN = 'e2e-redis-multinode-token';
const AUTH = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
const available = await redisAvailable('Redis multi-node end-to-end');

/** The stream helpers take a server's base URLs. */
const endpoint = (node: ServeProcess): Server => ({ http: node.url, ws: node.url.replace(/^http/, 'ws') }) as Server;

async function call(node: ServeProcess, method: string, path: string, body?: unknown): Promise<{ status: number; body: Activity & { activities: Activity[] } }> {
  const res = await fetch(`${node.url}${path}`, { method, headers: AUTH, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: res.status, body: (await res.json()) as Activity & { activities: Activity[] } };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const endedOf = (items: Item[], id: string) => items.filter((i) => i.type === 'activity.ended' && i.activity.id === id);

describe.runIf(available)('two activityd nodes on one Redis', () => {
  const prefix = testPrefix();
  const common = ['--port', '0', '--redis', REDIS_URL, '--redis-prefix', prefix, '--lease-timeout', '2s', '--node-timeout', '1s'];
  let a: ServeProcess;
  let b: ServeProcess;

  beforeAll(async () => {
    a = await startServe(['demo', ...common, '--node-id', 'node-a'], { ACTIVITYD_ADMIN_TOKEN: TOKEN });
    b = await startServe(['serve', ...common, '--node-id', 'node-b'], { ACTIVITYD_ADMIN_TOKEN: TOKEN });
  }, 40_000);

  afterAll(async () => {
    await Promise.all([a?.kill(), b?.kill()]);
    await deletePrefix(prefix);
  });

  it('streams an activity created and reported on A to an SSE subscriber on B', async () => {
    const sse = await openSse(endpoint(b), '/v1/events?type=e2e.sse&feed=false', { token: TOKEN });
    const created = await call(a, 'POST', '/v1/activities', { type: 'e2e.sse', title: 'across nodes' });
    expect(created.status).toBe(201);
    const id = created.body.id;
    await call(a, 'PATCH', `/v1/activities/${id}`, { progress: 50, subtitle: 'half' });
    await call(a, 'PATCH', `/v1/activities/${id}`, { state: 'completed', result: { ok: true } });
    await sse.until((c) => endedOf(c.items, id).length === 1, 'the ended event on B');
    expect(sse.events.map((e) => [e.type, e.activity.progress])).toEqual([
      ['activity.started', null], ['activity.updated', 50], ['activity.ended', 100]]);
    expect(sse.frames.filter((f) => f.event?.startsWith('activity.')).map((f) => Number(f.id))).toEqual(sse.events.map((e) => e.seq));
    expect((await call(b, 'GET', `/v1/activities/${id}/result`)).body).toEqual({ ok: true });
    // Replayed from the stream on the other node (the progress update is stored there as a delta):
    // the same whole events the live subscriber got.
    const lastEventId = String(sse.events[0]!.seq - 1);
    const replay = await openSse(endpoint(a), '/v1/events?type=e2e.sse&feed=false', { token: TOKEN, headers: { 'last-event-id': lastEventId } });
    await replay.until((c) => endedOf(c.items, id).length === 1, 'the replayed ended event on A');
    expect(replay.events).toEqual(sse.events);
    replay.close();
  });

  it('a WebSocket subscriber moved from A to B mid-stream resumes by cursor with every event exactly once', async () => {
    // Node A runs the demo, which records change-feed entries: those pass a type filter unless feed is off.
    // The filters go in the URL: the socket subscribes as it connects, and a `subscribe` message
    // sent after that would only replace that first subscription, whose own `subscribed` reply (and
    // whatever unfiltered event reached it meanwhile) would come first.
    const filters = 'type=e2e.ws&feed=false';
    const onA = await openWs(endpoint(a), `/v1/ws?${filters}`, { token: TOKEN });
    await onA.nth('subscribed');
    const { body: { id } } = await call(b, 'POST', '/v1/activities', { type: 'e2e.ws', title: 'moving subscriber' });
    for (let i = 1; i <= 5; i++) await call(i % 2 ? a : b, 'PATCH', `/v1/activities/${id}`, { progress: i * 10 });
    await onA.until((c) => c.events.length === 6, 'six events on A');
    const cursor = onA.events.at(-1)!.seq;
    onA.socket.close();
    // Written while the subscriber is between nodes.
    for (let i = 6; i <= 8; i++) await call(i % 2 ? a : b, 'PATCH', `/v1/activities/${id}`, { progress: i * 10 });
    const onB = await openWs(endpoint(b), `/v1/ws?${filters}&since=${cursor}`, { token: TOKEN });
    await onB.nth('subscribed');
    await call(a, 'PATCH', `/v1/activities/${id}`, { progress: 90 });
    await call(b, 'DELETE', `/v1/activities/${id}`);
    await onB.until((c) => c.events.some((e) => e.type === 'activity.ended'), 'the ended event on B');
    const seen = [...onA.events, ...onB.events];
    expect(seen.map((e) => e.activity.progress)).toEqual([null, 10, 20, 30, 40, 50, 60, 70, 80, 90, 90]);
    expect(seen.map((e) => e.type)).toEqual(['activity.started', ...Array(9).fill('activity.updated'), 'activity.ended']);
    const seqs = seen.map((e) => e.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
  });

  it('a cancel sent to B aborts the work running on A', async () => {
    let target: Activity | undefined;
    for (let i = 0; i < 50 && !target; i++) {
      const { body } = await call(b, 'GET', '/v1/activities?state=running&limit=100');
      target = body.activities.find((x) => x.cancellable && x.type !== 'e2e.ws');
      if (!target) await sleep(200);
    }
    expect(target, 'a cancellable demo activity on A').toBeDefined();
    const cancelled = await call(b, 'DELETE', `/v1/activities/${target!.id}`);
    expect(cancelled.body).toMatchObject({ state: 'cancelled' });
    const line = new RegExp(`"id":"${target!.id}","nodeId":"node-a","msg":"cancelled: aborting in-process work"`);
    for (let i = 0; i < 50 && !line.test(a.output()); i++) await sleep(100);
    expect(a.output()).toMatch(line);
    expect(b.output()).not.toContain(target!.id);
  });

  it('with a 2 s lease, an abandoned activity expires exactly once, seen on both nodes', async () => {
    const onA = await openSse(endpoint(a), '/v1/events?type=e2e.lease&feed=false', { token: TOKEN });
    const onB = await openSse(endpoint(b), '/v1/events?type=e2e.lease&feed=false', { token: TOKEN });
    const { body: { id } } = await call(a, 'POST', '/v1/activities', { type: 'e2e.lease', title: 'abandoned' });
    await onA.until((c) => endedOf(c.items, id).length > 0, 'expiry on A', 6_000);
    await onB.until((c) => endedOf(c.items, id).length > 0, 'expiry on B', 6_000);
    await sleep(1_500); // both nodes check leases several more times
    for (const sse of [onA, onB]) {
      expect(endedOf(sse.items, id)).toHaveLength(1);
      expect(endedOf(sse.items, id)[0]!.activity).toMatchObject({ state: 'expired', error: { code: 'lease_expired' } });
    }
  });

  it('SIGKILL of A leaves its in-process work interrupted, seen on B, each ended once', async () => {
    const running = (await call(b, 'GET', '/v1/activities?state=running&type=library.*,media.*,upload&limit=100')).body.activities;
    expect(running.length).toBeGreaterThan(0);
    const sse = await openSse(endpoint(b), '/v1/events?type=library.*,media.*,upload&feed=false', { token: TOKEN });
    await a.kill();
    const ids = running.map((x) => x.id);
    for (const id of ids) await sse.until((c) => endedOf(c.items, id).length > 0, `end of ${id}`, 8_000);
    await sleep(1_000);
    for (const id of ids) {
      const ended = endedOf(sse.items, id);
      expect(ended).toHaveLength(1);
      const { body } = await call(b, 'GET', `/v1/activities/${id}`);
      // Work that happened to end on its own just before the kill ended as it did; the rest is interrupted.
      if (ended[0]!.activity.state === 'failed' && body.error?.code !== 'source_unavailable') {
        expect(body).toMatchObject({ state: 'failed', error: { code: 'interrupted' } });
      }
    }
    expect(sse.events.filter((e) => e.activity.error?.code === 'interrupted').length).toBeGreaterThan(0);
  });
});
