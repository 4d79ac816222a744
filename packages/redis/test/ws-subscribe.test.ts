import { ActivityHub, SYSTEM } from '@activityd/core';
import { afterAll, describe, expect, it } from 'vitest';
import { openWs, startServer } from '../../server/test/streams/clients.js';
import { redisAvailable, redisFixture } from './redis-fixture.js';

// `/v1/ws` on a node in Redis mode: a `subscribe` that replaces the connect-time subscription
// while that one is still starting (its replay reads the Redis stream) must leave one live
// subscription that gets the replay and then every new event, whichever node writes it.
const available = await redisAvailable('WebSocket subscribe on a Redis node');

const fixture = redisFixture();
afterAll(() => fixture.cleanup());

describe.runIf(available)('WebSocket /v1/ws on a Redis node', () => {
  it('a `subscribe` sent while the connect-time subscription is starting replaces it: replay, then live events from both nodes', { timeout: 60_000 }, async () => {
    const s = await startServer({ store: fixture.make() });
    const other = new ActivityHub({ store: fixture.make(), nodeId: 'other' });
    await other.start();
    try {
      const u = await s.hub.create({ type: 'upload', title: 'u' }, SYSTEM);
      for (let i = 1; i <= 3; i++) await other.update(u.id, { progress: i }, SYSTEM);
      for (let round = 0; round < 20; round++) {
        const ws = await openWs(s, '/v1/ws?type=media.*');
        ws.send({ subscribe: { filters: { type: ['upload'] }, since: u.seq } }); // before the first `subscribed`
        await ws.nth('subscribed', 2);
        await ws.until((c) => c.events.length >= 3, `the replay (round ${round})`);
        // No wait between them: the two writes race the reader on this node.
        const here = s.update(u.id, { progress: 10 + round });
        const there = other.update(u.id, { subtitle: `round ${round}` }, SYSTEM);
        await Promise.all([here, there]);
        await ws.until((c) => c.events.some((e) => e.activity?.progress === 10 + round), `this node's update (round ${round})`);
        await ws.until((c) => c.events.some((e) => e.activity?.subtitle === `round ${round}`), `the other node's update (round ${round})`);
        const seqs = ws.events.map((e) => e.seq);
        expect(ws.events.every((e) => e.activity?.id === u.id)).toBe(true);
        expect(new Set(seqs).size).toBe(seqs.length);
        expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
        ws.socket.close();
      }
    } finally {
      await other.stop();
    }
  });
});
