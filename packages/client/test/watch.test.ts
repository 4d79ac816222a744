// `client.watch`: live events that survive a server restart without a gap or a duplicate, filters,
// and the reset snapshot for a cursor the server cannot resume from.
import { describe, expect, it } from 'vitest';
import { isActivityEvent, type ActivitydClient, type WatchItem } from '@activityd/client';
import { clientOf, embedding, freePort, gate, onCleanup, serve, startServe, tempDir, TOKEN, waitFor, within, type ServeProcess } from './support/servers.js';

/** Iterates `client.watch` in the background, collecting what it yields and its connection states. */
function collect(client: ActivitydClient, ...args: Parameters<ActivitydClient['watch']>) {
  const controller = new AbortController();
  const items: WatchItem[] = [];
  const states: string[] = [];
  const [filters, options = {}] = args;
  const done = (async () => {
    for await (const item of client.watch(filters, { ...options, signal: controller.signal, onState: (s) => states.push(s) })) items.push(item);
  })();
  onCleanup(async () => {
    controller.abort();
    await done;
  });
  const upTo = (seq: number, what: string) => waitFor(`${what} (seq ${seq}); got ${items.map((i) => i.seq).join(',')}`, () => items.some((i) => i.seq >= seq), 15_000);
  return { items, states, done, upTo };
}

/** What an event says about an activity, for comparing runs: type, title, progress, state. */
const describeItem = (item: WatchItem) =>
  item.type !== 'reset' && isActivityEvent(item) ? `${item.seq} ${item.type} ${item.activity.title} ${item.activity.progress ?? '-'} ${item.activity.state}` : `${item.seq} ${item.type}`;

describe('watch across a server restart', () => {
  for (const how of ['stopped (drains, closes streams with a reason)', 'killed (connections reset)'] as const) {
    it(`yields every event exactly once, in seq order, when the server is ${how} and started again`, { timeout: 40_000 }, async () => {
      const dir = tempDir();
      const port = await freePort();
      const args = ['serve', '--port', String(port), '--data-dir', dir, '--log-level', 'warn'];
      let server: ServeProcess = await startServe(args, { ACTIVITYD_ADMIN_TOKEN: TOKEN });
      onCleanup(() => server.kill());
      const client = clientOf(server.url);

      // Before the watch: created, moved. The watch resumes from seq 0, so replays them.
      const a = await client.create({ type: 'media.transcode', title: 'A' });
      await client.update(a.id, { progress: 10 });
      const watch = collect(client, { feed: false }, { since: 0 });
      const b = await client.create({ type: 'upload', title: 'B' });
      const live = await client.update(a.id, { progress: 30 });
      await watch.upTo(live.seq, 'the events before the restart');

      if (how.startsWith('stopped')) expect(await server.stop()).toBe(0);
      else await server.kill();
      // While it is down, the watch keeps trying (no changes can be made: the data dir is the server's).
      await new Promise((resolve) => setTimeout(resolve, 300));
      server = await startServe(args, { ACTIVITYD_ADMIN_TOKEN: TOKEN });
      expect(server.url).toBe(`http://127.0.0.1:${port}`);

      // Right after the restart, likely before the watch is back: these come through the replay.
      await client.update(a.id, { progress: 60 });
      const bDone = await client.complete(b.id, { bytes: 9 });
      await watch.upTo(bDone.seq, 'the events right after the restart');
      await waitFor('the watch to be live again', () => watch.states.filter((s) => s === 'live').length >= 2);
      // After it is back: live.
      const c = await client.create({ type: 'upload', title: 'C' });
      await client.update(a.id, { progress: 90 });
      const last = await client.cancel(c.id);
      await watch.upTo(last.seq, 'the events after the watch reconnected');

      const seqs = watch.items.map((i) => i.seq);
      expect(seqs, 'no gap, no duplicate').toEqual(Array.from({ length: last.seq }, (_, i) => i + 1));
      const described = watch.items.map(describeItem).map((d) => d.replace(/^\d+ /, ''));
      expect(described.slice(0, 4)).toEqual([
        'activity.started A - running',
        'activity.updated A 10 running',
        'activity.started B - running',
        'activity.updated A 30 running',
      ]);
      // Starting again, the server renews the lease of every running remote activity (in id order).
      expect(described.slice(4, 6).sort()).toEqual(['activity.updated A 30 running', 'activity.updated B - running']);
      expect(described.slice(6)).toEqual([
        'activity.updated A 60 running',
        'activity.ended B 100 completed',
        'activity.started C - running',
        'activity.updated A 90 running',
        'activity.ended C - cancelled',
      ]);
      expect(watch.states[0]).toBe('connecting');
      expect(watch.states).toContain('reconnecting');
    });
  }
});

describe('watch from now across a restart', () => {
  for (const how of ['stopped', 'killed'] as const) it(`a watch that had no event yet resumes where its stream started when the server is ${how}, not from a later "now"`, { timeout: 40_000 }, async () => {
    const dir = tempDir();
    const port = await freePort();
    const args = ['serve', '--port', String(port), '--data-dir', dir, '--log-level', 'warn'];
    let server = await startServe(args, { ACTIVITYD_ADMIN_TOKEN: TOKEN });
    onCleanup(() => server.kill());
    const client = clientOf(server.url);
    const x = await client.create({ type: 'job', title: 'X' });

    // The watcher's reconnections wait for the test, so the changes below surely happen while it is away.
    const reconnect = gate();
    let streams = 0;
    const gated: typeof fetch = async (input, init) => {
      if (String(input).includes('/v1/events') && streams++ > 0) await reconnect.wait(init?.signal ?? undefined);
      return fetch(input, init);
    };
    const watch = collect(clientOf(server.url, TOKEN, { fetch: gated }), { feed: false });
    await waitFor('the watch to be live', () => watch.states.includes('live'));
    await new Promise((resolve) => setTimeout(resolve, 300)); // the subscription starts right after the headers
    // Stopped: the close frame carries the cursor. Killed: no close frame; the `id:` sent at open does.
    if (how === 'stopped') expect(await server.stop()).toBe(0);
    else await server.kill();
    server = await startServe(args, { ACTIVITYD_ADMIN_TOKEN: TOKEN });
    const a = await client.create({ type: 'upload', title: 'A' });
    const done = await client.complete(a.id);
    expect(watch.items).toEqual([]);
    reconnect.open();
    await watch.upTo(done.seq, 'the changes made while the watch was away');
    expect(watch.items.map(describeItem)).toEqual([
      `${x.seq + 1} activity.updated X - running`, // the restart renewed X's lease
      `${a.seq} activity.started A - running`,
      `${done.seq} activity.ended A 100 completed`,
    ]);
  });
});

describe('watch', () => {
  it('from now by default, with filters: only matching events', async () => {
    const server = await serve();
    const client = clientOf(server.url);
    const before = await client.create({ type: 'media.transcode', title: 'before' });
    const watch = collect(client, { type: ['media.*'], feed: false });
    await waitFor('the watch to be live', () => watch.states.includes('live'));
    // `live` is the response's headers; the subscription starts right after. Probe until an event shows.
    const probe = await waitFor('the subscription to deliver', async () => {
      const a = await client.update(before.id, { progress: Math.min(99, watch.items.length + 1) });
      await new Promise((resolve) => setTimeout(resolve, 50));
      return watch.items.some((i) => i.seq === a.seq) && a;
    });
    await client.create({ type: 'upload', title: 'other type' });
    const mine = await client.create({ type: 'media.scan', title: 'mine' });
    await watch.upTo(mine.seq, 'the matching event');
    const after = watch.items.filter((i) => i.seq > probe.seq);
    expect(after.map(describeItem)).toEqual([`${mine.seq} activity.started mine - running`]);
    expect(watch.items.every((i) => i.seq > before.seq)).toBe(true); // from now: no replay
  });

  it('change-feed events come too unless feed: false', async () => {
    const server = await serve();
    const client = clientOf(server.url);
    const watch = collect(client, {}, { since: 0 });
    await client.recordChanges([{ model: 'movie', id: 7 }]);
    await watch.upTo(1, 'the change event');
    expect(watch.items[0]).toMatchObject({ seq: 1, type: 'change.model', change: { model: 'movie', id: 7 } });
  });

  it('a cursor the server cannot resume from yields the reset snapshot first, then live events', async () => {
    const server = await serve();
    const client = clientOf(server.url);
    const a = await client.create({ type: 'job', title: 'A' });
    const watch = collect(client, { feed: false }, { since: 1_000_000 });
    await waitFor('the snapshot', () => watch.items.length > 0);
    const reset = watch.items[0]!;
    expect(reset).toMatchObject({ type: 'reset', seq: a.seq, activities: [expect.objectContaining({ id: a.id, title: 'A' })] });
    const b = await client.update(a.id, { progress: 50 });
    await watch.upTo(b.seq, 'the event after the snapshot');
    expect(watch.items.map((i) => i.seq)).toEqual([a.seq, b.seq]);
  });
});

describe('watch ends its stream', () => {
  it('when the consumer stops iterating (no signal needed): the server sees the subscriber go', async () => {
    const { hub, client } = await embedding();
    const a = await client.create({ type: 'job' });
    for await (const item of client.watch({ feed: false }, { since: 0 })) {
      expect(item.seq).toBe(a.seq);
      expect(hub.streams.size).toBe(1);
      break;
    }
    await waitFor('the stream to close', () => hub.streams.size === 0, 3_000);
  });

  it('when its signal aborts', async () => {
    const { hub, client } = await embedding();
    const controller = new AbortController();
    const states: string[] = [];
    const done = (async () => {
      for await (const item of client.watch({}, { signal: controller.signal, onState: (s) => states.push(s) })) void item;
    })();
    await waitFor('the stream to open', () => hub.streams.size === 1);
    controller.abort();
    await within(1_000, 'the iteration to end', done);
    await waitFor('the stream to close', () => hub.streams.size === 0, 3_000);
  });
});
