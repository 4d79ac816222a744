// `client.report`: a remote worker's activity, kept alive by heartbeats, progress throttled, and a
// `signal` that aborts when someone cancels it — against a real server with a 2 s lease.
import { describe, expect, it } from 'vitest';
import { clientOf, serve, waitFor, within } from './support/servers.js';

const aborted = (signal: AbortSignal) => new Promise<void>((resolve) => {
  if (signal.aborted) resolve();
  signal.addEventListener('abort', () => resolve(), { once: true });
});

describe('report', () => {
  it('keeps a 2 s-lease activity alive for 10 s with no progress calls, while one left alone expires; sees a cancel at once', { timeout: 40_000 }, async () => {
    const server = await serve(['--lease-timeout', '2s']);
    const client = clientOf(server.url);
    const reporter = await client.report({ type: 'media.transcode', title: 'Transcoding Alien (1979)' });
    expect(reporter.activity).toMatchObject({ state: 'running', leaseMs: 2_000 });
    expect(reporter.activity.heartbeatMs).toBeLessThan(2_000);
    const unattended = await client.create({ type: 'media.transcode', title: 'nobody reports this one' });

    const started = Date.now();
    const renewals = new Set<number>();
    while (Date.now() - started < 10_000) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      const now = await client.get(reporter.id);
      expect(now.state, `after ${Date.now() - started} ms`).toBe('running');
      renewals.add(now.leaseExpiresAt!);
    }
    expect(Date.now() - started).toBeGreaterThanOrEqual(10_000);
    expect(reporter.signal.aborted).toBe(false);
    // The lease moved on again and again (heartbeats), and the one nobody reported for lapsed.
    expect(renewals.size).toBeGreaterThanOrEqual(5);
    expect((await client.get(unattended.id)).state).toBe('expired');
    const { progress } = await client.get(reporter.id);
    expect(progress).toBeNull(); // heartbeats carry no progress

    const cancelledAt = Date.now();
    await client.cancel(reporter.id);
    await within(1_500, 'the reporter signal to abort after a cancel', aborted(reporter.signal));
    expect(Date.now() - cancelledAt).toBeLessThan(1_500);
    expect(String((reporter.signal.reason as Error).message)).toContain('cancelled');
    // Heartbeats stop: nothing more is written to the ended activity.
    const ended = await client.get(reporter.id);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect((await client.get(reporter.id)).seq).toBe(ended.seq);
  });

  it('sends progress throttled, the latest always landing, then completes with the result', async () => {
    const server = await serve();
    const client = clientOf(server.url);
    const reporter = await client.report({ type: 'upload', title: 'photo.jpg', throttleMs: 200 });
    const writes: number[] = [];
    const watcher = new AbortController();
    const watching = (async () => {
      for await (const item of client.watch({ id: [reporter.id], feed: false }, { since: reporter.activity.seq, signal: watcher.signal })) {
        if ('activity' in item && item.activity.progress !== null) writes.push(item.activity.progress);
      }
    })();
    for (let p = 1; p <= 50; p++) {
      reporter.progress(p, `chunk ${p}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await waitFor('the last progress to land', async () => (await client.get(reporter.id)).progress === 50);
    expect((await client.get(reporter.id)).subtitle).toBe('chunk 50');
    expect(writes.length, `writes: ${writes.join(',')}`).toBeLessThan(15); // 50 reports over ~0.5 s, at most one per 200 ms
    reporter.update({ title: 'photo.jpg (resized)' });
    const done = await reporter.complete({ url: 'https://cdn.example/photo.jpg' });
    expect(done).toMatchObject({ state: 'completed', title: 'photo.jpg (resized)', result: { url: 'https://cdn.example/photo.jpg' } });
    watcher.abort();
    await watching;
  });

  it('fail ends the activity as failed; close stops heartbeats without ending it', async () => {
    const server = await serve(['--lease-timeout', '1s']);
    const client = clientOf(server.url);
    const failing = await client.report({ type: 'job' });
    expect(await failing.fail({ code: 'bad_input', message: 'cannot parse' })).toMatchObject({ state: 'failed', error: { code: 'bad_input' } });

    const closing = await client.report({ type: 'job' });
    closing.close();
    expect((await client.get(closing.id)).state).toBe('running');
    await waitFor('the lease to lapse', async () => (await client.get(closing.id)).state === 'expired', 5_000);
  });
});
