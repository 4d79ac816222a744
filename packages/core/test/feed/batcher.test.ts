import { describe, expect, it } from 'vitest';
import { SYSTEM } from '../../src/index.js';
import { advanceTo, feedHub, mediaRoute, recordingFlush, T0 } from './feed-fixture.js';

const record = (hub: Awaited<ReturnType<typeof feedHub>>['hub'], model: string, id: number | string) => hub.changes.record({ model, id });

describe('the index batcher', () => {
  it('groups per document: two documents are two batches in one flush call', async () => {
    const { hub, clock, read } = await feedHub();
    const { calls, flush } = recordingFlush(clock);
    hub.changes.batchForIndex({ route: mediaRoute, flush, debounceMs: 100, maxAgeMs: 1_000 });
    await record(hub, 'mediaContainer', 1);
    await record(hub, 'mediaContainer', 2);
    await record(hub, 'metadata', 1);
    await record(hub, 'poster', 1); // routed nowhere: left out
    await clock.advance(100);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.batches).toEqual([
      { model: 'es:mediacontainer', id: 1, affectedModels: { mediaContainer: { timeRange: [T0, T0] }, metadata: { timeRange: [T0, T0] } } },
      { model: 'es:mediacontainer', id: 2, affectedModels: { mediaContainer: { timeRange: [T0, T0] } } },
    ]);
    const entries = (await read()).modelChangesES!;
    expect(entries.map((e) => [e.id, Object.keys(e.affectedModels).sort(), e.updated])).toEqual([
      [1, ['mediaContainer', 'metadata'], T0 + 100], [2, ['mediaContainer'], T0 + 100],
    ]);
  });

  it('a document changed again is flushed a quiet debounce after its last change', async () => {
    const { hub, clock } = await feedHub();
    const { calls, flush } = recordingFlush(clock);
    hub.changes.batchForIndex({ route: mediaRoute, flush, debounceMs: 100, maxAgeMs: 1_000 });
    for (const t of [0, 80, 160]) {
      await advanceTo(clock, T0 + t);
      await record(hub, 'metadata', 1);
    }
    await advanceTo(clock, T0 + 259);
    expect(calls).toEqual([]);
    await advanceTo(clock, T0 + 260);
    expect(calls).toEqual([{ at: T0 + 260, batches: [{ model: 'es:mediacontainer', id: 1, affectedModels: { metadata: { timeRange: [T0, T0 + 160] } } }] }]);
  });

  it('uses each change\'s `at` for the timeRange', async () => {
    const { hub, clock } = await feedHub();
    const { calls, flush } = recordingFlush(clock);
    hub.changes.batchForIndex({ route: mediaRoute, flush, debounceMs: 100 });
    await hub.changes.record([{ model: 'metadata', id: 1, at: T0 - 500 }, { model: 'metadata', id: 1, at: T0 - 900 }, { model: 'metadata', id: 1, at: T0 - 700 }]);
    await clock.advance(100);
    expect(calls[0]!.batches[0]!.affectedModels).toEqual({ metadata: { timeRange: [T0 - 900, T0 - 500] } });
  });

  it('a steady trickle is still flushed once maxAgeMs is reached, and nothing is lost', async () => {
    const { hub, clock, read } = await feedHub();
    const { calls, flush } = recordingFlush(clock);
    hub.changes.batchForIndex({ route: mediaRoute, flush, debounceMs: 100, maxAgeMs: 1_000 });
    const ats: number[] = [];
    for (let t = 0; t < 3_000; t += 50) { // every 50 ms: the debounce never runs out
      await advanceTo(clock, T0 + t);
      await record(hub, 'metadata', 1);
      ats.push(T0 + t);
    }
    await clock.advance(100);
    // Flushed every second by the max age: the debounce never ran out.
    expect(calls.map((c) => c.at - T0)).toEqual([1_000, 2_000, 3_000]);
    const ranges = calls.map((c) => c.batches[0]!.affectedModels.metadata!.timeRange);
    expect(ranges).toEqual([[T0, T0 + 950], [T0 + 1_000, T0 + 1_950], [T0 + 2_000, T0 + 2_950]]);
    expect(ats.every((at) => ranges.some(([a, b]) => a <= at && at <= b))).toBe(true);
    expect((await read()).modelChangesES).toEqual([expect.objectContaining({ affectedModels: { metadata: { timeRange: [T0, T0 + 2_950], updated: T0 + 3_000 } }, updated: T0 + 3_000 })]);
  });

  it('defaults: 500 ms debounce, 5 s max age', async () => {
    const { hub, clock } = await feedHub();
    const { calls, flush } = recordingFlush(clock);
    hub.changes.batchForIndex({ route: mediaRoute, flush });
    await record(hub, 'metadata', 1);
    await clock.advance(499);
    expect(calls).toHaveLength(0);
    await clock.advance(1);
    expect(calls.map((c) => c.at)).toEqual([T0 + 500]);
    for (let t = 1_000; t <= 7_000; t += 400) {
      await advanceTo(clock, T0 + t);
      await record(hub, 'metadata', 1);
    }
    expect(calls.map((c) => c.at - T0)).toEqual([500, 6_000]);
  });

  it('a failing flush is retried with growing delays and loses nothing', async () => {
    const { hub, clock, read, indexEvents } = await feedHub();
    const { calls, flush, fail } = recordingFlush(clock);
    hub.changes.batchForIndex({ route: mediaRoute, flush, debounceMs: 100, maxAgeMs: 1_000, minRetryMs: 200, maxRetryMs: 10_000 });
    fail(4);
    await record(hub, 'mediaContainer', 1);
    await advanceTo(clock, T0 + 100); // first try fails
    expect(calls).toHaveLength(1);
    // Changes arriving while the index is down join the waiting batch.
    await advanceTo(clock, T0 + 150);
    await record(hub, 'metadata', 1);
    await record(hub, 'mediaContainer', 2);
    await advanceTo(clock, T0 + 350);
    await hub.changes.record({ model: 'mediaContainer', id: 1, at: T0 - 1_000 });
    await advanceTo(clock, T0 + 20_000);
    const at = calls.map((c) => c.at - T0);
    const gaps = at.slice(1).map((t, i) => t - at[i]!);
    expect(at).toHaveLength(5); // four failures, then success
    expect(gaps).toEqual([200, 400, 800, 1_600]);
    // Every retry carried everything known by then; the last one all of it.
    expect(calls.at(-1)!.batches).toEqual([
      { model: 'es:mediacontainer', id: 1, affectedModels: { mediaContainer: { timeRange: [T0 - 1_000, T0] }, metadata: { timeRange: [T0 + 150, T0 + 150] } } },
      { model: 'es:mediacontainer', id: 2, affectedModels: { mediaContainer: { timeRange: [T0 + 150, T0 + 150] } } },
    ]);
    const done = T0 + at.at(-1)!;
    expect((await read()).modelChangesES!.map((e) => [e.id, e.affectedModels, e.updated])).toEqual([
      [1, { mediaContainer: { timeRange: [T0 - 1_000, T0], updated: done }, metadata: { timeRange: [T0 + 150, T0 + 150], updated: done } }, done],
      [2, { mediaContainer: { timeRange: [T0 + 150, T0 + 150], updated: done } }, done],
    ]);
    expect(indexEvents).toHaveLength(2); // nothing written while failing
  });

  it('changes arriving during a flush that then fails are merged in, not lost', async () => {
    const { hub, clock, read } = await feedHub();
    const seen: Array<{ at: number; range: unknown }> = [];
    let failNext = true;
    hub.changes.batchForIndex({
      route: mediaRoute, debounceMs: 100, maxAgeMs: 1_000, minRetryMs: 200,
      // A slow bulk call: it takes 50 ms, and the first one fails at its end.
      flush: (batches) => new Promise<void>((resolve, reject) => {
        seen.push({ at: clock.now(), range: structuredClone(batches[0]!.affectedModels) });
        clock.setTimeout(() => (failNext ? ((failNext = false), reject(new Error('timeout'))) : resolve()), 50);
      }),
    });
    await record(hub, 'mediaContainer', 1);
    await advanceTo(clock, T0 + 120); // the flush started at 100 and is still running
    await record(hub, 'mediaContainer', 1);
    await record(hub, 'metadata', 1);
    expect((await read()).modelChangesES).toEqual([]);
    await advanceTo(clock, T0 + 2_000);
    expect(seen.map((s) => s.at - T0)).toEqual([100, 350]); // failed at 150, retried 200 ms later
    expect(seen[1]!.range).toEqual({ mediaContainer: { timeRange: [T0, T0 + 120] }, metadata: { timeRange: [T0 + 120, T0 + 120] } });
    expect((await read()).modelChangesES).toEqual([expect.objectContaining({
      affectedModels: { mediaContainer: { timeRange: [T0, T0 + 120], updated: T0 + 400 }, metadata: { timeRange: [T0 + 120, T0 + 120], updated: T0 + 400 } },
    })]);
  });

  it('retry delays stop growing at maxRetryMs, and reset after a success', async () => {
    const { hub, clock } = await feedHub();
    const { calls, flush, fail } = recordingFlush(clock);
    hub.changes.batchForIndex({ route: mediaRoute, flush, debounceMs: 10, minRetryMs: 100, maxRetryMs: 500 });
    fail(6);
    await record(hub, 'metadata', 1);
    await clock.advance(10_000);
    const at = calls.map((c) => c.at - T0);
    expect(at.slice(1).map((t, i) => t - at[i]!)).toEqual([100, 200, 400, 500, 500, 500]);
    fail(1);
    await record(hub, 'metadata', 2);
    await clock.advance(10_000);
    const later = calls.slice(7).map((c) => c.at - T0);
    expect(later[1]! - later[0]!).toBe(100);
  });

  it('close() flushes what waits at once, and takes no more changes', async () => {
    const { hub, clock, read } = await feedHub();
    const { calls, flush } = recordingFlush(clock);
    const batcher = hub.changes.batchForIndex({ route: mediaRoute, flush, debounceMs: 1_000 });
    await record(hub, 'metadata', 1);
    await record(hub, 'metadata', 2);
    expect(batcher.size).toBe(2);
    await clock.advance(10);
    await batcher.close();
    expect(calls.map((c) => [c.at, c.batches.map((b) => b.id)])).toEqual([[T0 + 10, [1, 2]]]);
    expect((await read()).modelChangesES!.map((e) => e.updated)).toEqual([T0 + 10, T0 + 10]);
    expect(batcher.size).toBe(0);
    await record(hub, 'metadata', 3);
    await clock.advance(5_000);
    expect(calls).toHaveLength(1);
  });

  it('close() during a running flush waits for it, then flushes what arrived meanwhile', async () => {
    const { hub, clock, read } = await feedHub();
    const starts: Array<Array<string | number>> = [];
    const batcher = hub.changes.batchForIndex({
      route: mediaRoute, debounceMs: 100,
      flush: (batches) => new Promise<void>((resolve) => {
        starts.push(batches.map((b) => b.id));
        clock.setTimeout(resolve, 50);
      }),
    });
    await record(hub, 'metadata', 1);
    await advanceTo(clock, T0 + 110); // flush of document 1 running until 150
    await record(hub, 'metadata', 2);
    const closed = batcher.close();
    await advanceTo(clock, T0 + 300);
    await closed;
    expect(starts).toEqual([[1], [2]]);
    expect((await read()).modelChangesES!.map((e) => e.id)).toEqual([1, 2]);
  });

  it('several batchers run side by side, each with its own routing', async () => {
    const { hub, clock, read } = await feedHub();
    const a = recordingFlush(clock);
    const b = recordingFlush(clock);
    hub.changes.batchForIndex({ route: mediaRoute, flush: a.flush, debounceMs: 100 });
    hub.changes.batchForIndex({ route: (c) => (c.model === 'user' ? { model: 'es:user', id: c.id } : null), flush: b.flush, debounceMs: 300 });
    await hub.changes.record([{ model: 'metadata', id: 1 }, { model: 'user', id: 1 }], SYSTEM);
    await clock.advance(300);
    expect(a.calls.map((c) => c.at - T0)).toEqual([100]);
    expect(b.calls.map((c) => c.at - T0)).toEqual([300]);
    expect((await read()).modelChangesES!.map((e) => e.model)).toEqual(['es:mediacontainer', 'es:user']);
  });
});
