import { describe, expect, it } from 'vitest';
import { SYSTEM } from '@activityd/core';
import type { Activity } from '@activityd/protocol';
import { conflatedFrom, openSse, openWs, startServer, summary, tick, waitFor, type Item, type Server } from './clients.js';

// A paused subscriber — one that stops reading its socket — over real sockets, SSE and WebSocket:
// it never delays another subscriber, gets the latest state per activity (and every end) once it
// reads again, and past the hard limit is closed with a reason and resumes by cursor.

type Transport = 'SSE' | 'WS';
const LIMITS = { streamLimits: { maxPending: 50 } };

/** One subscriber on either transport, seen the same way by the tests. */
interface Subscriber {
  events: Item[];
  until(check: () => boolean, label: string, ms?: number): Promise<void>;
  resume(): void;
  /** How the server closed it: `{code, reason, seq}` and, on WS, the close code. */
  closed(): { close: Item | undefined; wsCode?: number; retry?: number; ended: boolean };
}

async function subscribe(s: Server, transport: Transport, options: { paused?: boolean; since?: number } = {}): Promise<Subscriber> {
  const query = options.since === undefined ? '' : `?since=${options.since}`;
  if (transport === 'SSE') {
    const c = await openSse(s, `/v1/events${query}`, { paused: options.paused });
    return {
      get events() { return c.events; },
      until: (check, label, ms) => c.until(check, label, ms),
      resume: () => c.resume(),
      closed: () => ({ close: c.items.find((i) => i.type === 'close'), retry: c.frames.at(-1)?.retry, ended: c.ended }),
    };
  }
  const c = await openWs(s, `/v1/ws${query}`);
  if (options.paused) c.socket.pause();
  return {
    get events() { return c.events; },
    until: (check, label, ms) => c.until(check, label, ms),
    resume: () => c.socket.resume(),
    closed: () => ({ close: c.messages.find((m) => m.type === 'close'), wsCode: c.closeCode, ended: c.closeCode !== undefined }),
  };
}

/**
 * Updates a filler activity with 64 KB subtitles until the paused subscriber's socket is full: after
 * the fast subscriber has received a filler (so nothing waits for it), the paused one still has one
 * waiting, three times running. Answers the filler activity.
 */
async function fillUntilBlocked(s: Server, fast: Subscriber): Promise<Activity> {
  const filler = await s.create({ title: 'filler' });
  let streak = 0;
  for (let i = 0; i < 1_000 && streak < 3; i++) {
    const { seq } = await s.update(filler.id, { subtitle: `${i}:${'x'.repeat(64 * 1024)}` });
    await fast.until(() => fast.events.at(-1)?.seq === seq, `filler ${i} at the fast subscriber`);
    streak = s.hub.streams.buffered > 0 ? streak + 1 : 0;
  }
  expect(streak, 'the paused socket never filled').toBe(3);
  return filler;
}

/** The hub's current state of `id`, in wire form. */
const current = async (s: Server, id: string) => JSON.parse(JSON.stringify(await s.hub.get(id, SYSTEM)));

for (const transport of ['SSE', 'WS'] as const) {
  describe(`a paused subscriber (${transport})`, () => {
    it('does not delay another subscriber, and once it reads gets the latest state per activity and every end', async () => {
      const s = await startServer(LIMITS);
      const fast = await subscribe(s, transport);
      const slow = await subscribe(s, transport, { paused: true });
      await waitFor(() => s.hub.streams.size === 2, 'both subscriptions');
      const filler = await fillUntilBlocked(s, fast);

      const started = Date.now();
      const [a, b, c] = [await s.create({ title: 'a' }), await s.create({ title: 'b' }), await s.create({ title: 'c' })];
      for (let p = 1; p <= 100; p++) {
        for (const x of [a, b, c]) await s.update(x.id, { progress: p });
        await tick(); // the fast subscriber reads as it goes
      }
      await s.complete(b.id);
      await s.hub.fail(c.id, { message: 'boom' }, SYSTEM);
      await s.update(a.id, { subtitle: 'final' });
      const last = await s.lastSeq();
      await fast.until(() => fast.events.at(-1)?.seq === last, 'every event at the fast subscriber');
      expect(Date.now() - started).toBeLessThan(10_000);
      // The fast one got every event, none conflated, while the paused one read nothing.
      expect(summary(fast.events)).toEqual(summary(await s.log()));
      // 306 events later the paused one has 7 waiting: the filler, three starts, a's latest, two ends.
      expect(s.hub.streams.buffered).toBe(7);
      expect(s.hub.streams.size).toBe(2);

      slow.resume();
      await slow.until(() => slow.events.at(-1)?.seq === last, 'the paused subscriber to catch up', 15_000);
      const events = slow.events;
      expect(conflatedFrom(events, await s.log())).toBeNull();
      // Superseded updates were dropped; starts and ends never.
      const of = (x: Activity) => events.filter((e) => e.activity.id === x.id);
      expect(of(a).map((e) => e.type)).toEqual(['activity.started', 'activity.updated']);
      expect(of(b).map((e) => e.type)).toEqual(['activity.started', 'activity.ended']);
      expect(of(c).map((e) => e.type)).toEqual(['activity.started', 'activity.ended']);
      // The last event of each activity is its latest state.
      for (const x of [a, b, c, filler]) expect(of(x).at(-1)!.activity, x.title).toEqual(await current(s, x.id));
      expect(slow.closed().close).toBeUndefined();
      expect(s.hub.streams.buffered).toBe(0);
    });

    it('past the hard limit is closed as too_slow with the last seq it was sent, and resumes by cursor', async () => {
      const s = await startServer(LIMITS);
      const fast = await subscribe(s, transport);
      const slow = await subscribe(s, transport, { paused: true });
      await waitFor(() => s.hub.streams.size === 2, 'both subscriptions');
      await fillUntilBlocked(s, fast);
      const made: Activity[] = [];
      for (let i = 0; i < 60 && s.hub.streams.size === 2; i++) made.push(await s.create({ title: `n${i}` }));
      // Starts never conflate: 50 waiting is the limit, the 51st closes it. The hub never waited.
      expect(s.hub.streams.size).toBe(1);
      expect(made.length).toBeLessThanOrEqual(50);
      const later = await s.create({ title: 'after the close' });
      await s.complete(later.id);
      const last = await s.lastSeq();
      await fast.until(() => fast.events.at(-1)?.seq === last, 'the fast subscriber, unaffected');

      slow.resume();
      await slow.until(() => slow.closed().ended, 'the close', 15_000);
      const { close, wsCode, retry } = slow.closed();
      expect(close).toMatchObject({ type: 'close', code: 'too_slow', reason: expect.any(String), seq: expect.any(Number) });
      if (transport === 'WS') expect(wsCode).toBe(1013);
      else expect(retry).toBe(1000);
      expect(close!.seq).toBe(slow.events.at(-1)!.seq); // the last event it was sent
      expect(slow.events.some((e) => e.activity.id === later.id)).toBe(false);

      const again = await subscribe(s, transport, { since: close!.seq });
      await again.until(() => again.events.at(-1)?.seq === last, 'the resumed stream to catch up', 15_000);
      // Every event after the cursor, but this subscriber is full at once (64 KB fillers), so the
      // fillers after the first may be conflated: only superseded updates are missing.
      const missed = await s.log(close!.seq);
      expect(conflatedFrom(again.events, missed)).toBeNull();
      expect(summary(again.events.filter((e) => e.activity.title !== 'filler'))).toEqual(summary(missed.filter((e) => 'activity' in e && e.activity.title !== 'filler')));
      expect(again.events.at(-1)).toMatchObject({ type: 'activity.ended', activity: { id: later.id } });
    });
  });
}
