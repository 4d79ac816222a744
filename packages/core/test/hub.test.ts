import type { HubEvent } from '@activityd/protocol';
import { EndedError, NotCancellableError, NotCompletedError, ValidationError } from '@activityd/protocol/errors';
import { describe, expect, it } from 'vitest';
import { CancelledSignal, SYSTEM, type RunContext } from '../src/index.js';
import { idempotencyClaim } from '../src/idempotency.js';
import { deferred, isPending, settle, startHub, T0 } from './hub-fixture.js';

describe('run: in-process work', () => {
  it('completes with the returned result, progress 100', async () => {
    const { hub, clock } = await startHub();
    const { activity, ended } = await hub.run({ type: 'media.transcode', title: 'Alien (1979)' }, async () => {
      await clock.advance(5);
      return { bytes: 1234 };
    });
    expect(activity).toMatchObject({ state: 'running', title: 'Alien (1979)', progress: null, leaseMs: null, leaseExpiresAt: null });
    expect(activity).not.toHaveProperty('runner');
    const done = await ended;
    expect(done).toMatchObject({ id: activity.id, state: 'completed', progress: 100, result: { bytes: 1234 }, error: null, endedAt: T0 + 5 });
    expect(await hub.get(activity.id, SYSTEM)).toEqual(done);
    expect(await hub.result(activity.id, SYSTEM)).toEqual({ bytes: 1234 });
  });

  it.each([
    [42, { value: 42 }], ['ok', { value: 'ok' }], [[1, 2], { value: [1, 2] }], [undefined, {}], [null, {}],
  ])('stores the non-object result %j as %j', async (returned, stored) => {
    const { hub } = await startHub();
    const { activity, ended } = await hub.run({ type: 'upload' }, async () => returned);
    expect((await ended).result).toEqual(stored);
    expect(await hub.result(activity.id, SYSTEM)).toEqual(stored);
  });

  it.each([
    ['a coded error', Object.assign(new Error('disk full'), { code: 'ENOSPC' }), { code: 'ENOSPC', message: 'disk full' }],
    ['a plain error', new TypeError('bad input'), { code: 'error', message: 'bad input' }],
    ['an error with a numeric code', Object.assign(new Error('nope'), { code: 7 }), { code: 'error', message: 'nope' }],
    ['a non-error', 'just a string', { code: 'error', message: 'just a string' }],
  ])('fails when the work throws %s', async (_name, thrown, error) => {
    const { hub } = await startHub();
    const { activity, ended } = await hub.run({ type: 'upload' }, async () => {
      throw thrown;
    });
    expect(await ended).toMatchObject({ state: 'failed', error, result: null });
    await expect(hub.result(activity.id, SYSTEM)).rejects.toMatchObject({ code: 'ACT_ERR_NOT_COMPLETED', details: { state: 'failed' } });
  });

  it('rejects a progress out of range at once, and lets in-range reports through', async () => {
    const { hub, eventsOf } = await startHub();
    const thrown: unknown[] = [];
    const { activity, ended } = await hub.run({ type: 'upload' }, async (ctx) => {
      for (const bad of [-1, 101, Number.NaN, Infinity]) {
        try {
          void ctx.progress(bad);
        } catch (error) {
          thrown.push(error);
        }
      }
      await ctx.progress(30, 'a third');
      return null;
    });
    await ended;
    expect(thrown).toHaveLength(4);
    thrown.forEach((e) => expect(e).toBeInstanceOf(ValidationError));
    expect(eventsOf(activity.id, 'activity.updated').map((e) => [e.activity.progress, e.activity.subtitle])).toEqual([[30, 'a third']]);
  });

  it('fails the activity with the validation code when the work lets a bad progress escape', async () => {
    const { hub } = await startHub();
    const { ended } = await hub.run({ type: 'upload' }, async (ctx) => {
      await ctx.progress(150);
    });
    expect(await ended).toMatchObject({ state: 'failed', error: { code: 'ACT_ERR_VALIDATION' } });
  });

  it('coalesces reports made in a tight loop: the latest lands, in fewer writes', async () => {
    const { hub, eventsOf } = await startHub();
    const hold = deferred();
    let afterLast: unknown;
    const { activity, ended } = await hub.run({ type: 'upload' }, async (ctx) => {
      let last: Promise<void> = Promise.resolve();
      for (let i = 1; i <= 200; i++) last = ctx.progress(i / 4, `chunk ${i}`);
      await last;
      afterLast = await hub.get(ctx.id, SYSTEM);
      await hold.promise;
    });
    await settle();
    expect(afterLast).toMatchObject({ state: 'running', progress: 50, subtitle: 'chunk 200' });
    const updates = eventsOf(activity.id, 'activity.updated');
    expect(updates.length).toBeGreaterThan(0);
    expect(updates.length).toBeLessThanOrEqual(5);
    hold.resolve();
    await ended;
  });

  it.each(['returns', 'throws'])('a last report the work does not await lands before the end, when the work %s', async (how) => {
    const { hub, eventsOf } = await startHub();
    const { activity, ended } = await hub.run({ type: 'library.scan' }, async (ctx) => {
      await ctx.progress(75, 'Arrival (2016)');
      // Work between reports (as a scan does): the next report's write waits for a turn of the loop.
      await new Promise((resolve) => setTimeout(resolve, 10));
      void ctx.progress(100, 'Dune (2021)');
      if (how === 'throws') throw new Error('disk full');
      return { scanned: 4 };
    });
    const done = await ended;
    expect(done).toMatchObject({ state: how === 'returns' ? 'completed' : 'failed', progress: 100, subtitle: 'Dune (2021)' });
    expect(eventsOf(activity.id, 'activity.updated').at(-1)!.activity).toMatchObject({ state: 'running', progress: 100, subtitle: 'Dune (2021)' });
  });

  it('a tight loop of awaited reports on the memory store still lets the event loop turn', async () => {
    const { hub } = await startHub();
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const { ended } = await hub.run({ type: 'tight' }, async (ctx) => {
      const until = performance.now() + 100;
      for (let i = 0; performance.now() < until; i++) await ctx.progress(i % 101);
    });
    await ended;
    clearInterval(timer);
    // Without a turn now and then, the whole loop is one chain of microtasks and no timer fires
    // (0 before the reporter yielded); how many fire depends on how busy the machine is.
    expect(ticks).toBeGreaterThan(0);
  });

  it('ctx.update changes title, subtitle and context', async () => {
    const { hub } = await startHub();
    const hold = deferred();
    const { activity, ended } = await hub.run({ type: 'library.update.section', context: { librarySectionID: 1 } }, async (ctx) => {
      await ctx.update({ title: 'Movies', subtitle: 'Scanning Alien (1979)', context: { item: 'alien' } });
      await hold.promise;
    });
    await settle();
    expect(await hub.get(activity.id, SYSTEM)).toMatchObject({
      title: 'Movies', subtitle: 'Scanning Alien (1979)', context: { librarySectionID: 1, item: 'alien' },
    });
    hold.resolve();
    await ended;
  });
});

describe('cancel', () => {
  async function runUntilCancelled(finish: (ctx: RunContext) => Promise<unknown>) {
    const fixture = await startHub();
    const order: string[] = [];
    let signal!: AbortSignal;
    const { activity, ended } = await fixture.hub.run({ type: 'media.transcode' }, async (ctx) => {
      signal = ctx.signal;
      ctx.signal.addEventListener('abort', () => order.push('aborted'));
      return finish(ctx);
    });
    return { ...fixture, order, activity, ended, signal: () => signal };
  }

  it.each([
    ['returns', async (ctx: RunContext) => {
      await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
      return { late: true };
    }],
    ['throws', async (ctx: RunContext) => {
      await new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)));
    }],
  ])('aborts ctx.signal and ends cancelled before cancel() resolves; work that then %s changes nothing', async (_how, finish) => {
    const { hub, order, activity, ended, signal, eventsOf } = await runUntilCancelled(finish);
    const cancelled = await hub.cancel(activity.id, SYSTEM, 'user asked');
    order.push('cancel resolved');
    expect(order).toEqual(['aborted', 'cancel resolved']);
    expect(cancelled).toMatchObject({ state: 'cancelled', error: { code: 'cancelled', message: 'user asked' } });
    expect(signal().reason).toBeInstanceOf(CancelledSignal);
    expect((await hub.get(activity.id, SYSTEM)).state).toBe('cancelled');
    expect(await ended).toEqual(cancelled);
    await settle();
    expect(await hub.get(activity.id, SYSTEM)).toEqual(cancelled);
    expect(eventsOf(activity.id, 'activity.ended')).toHaveLength(1);
    expect(eventsOf(activity.id).at(-1)!.seq).toBe(cancelled.seq);
    expect(hub.runningHere).toBe(0);
  });

  it('refuses a non-cancellable activity with a 409 and leaves the work running', async () => {
    const { hub } = await startHub();
    const hold = deferred();
    let signal!: AbortSignal;
    const { activity, ended } = await hub.run({ type: 'upload', cancellable: false }, async (ctx) => {
      signal = ctx.signal;
      await hold.promise;
    });
    const error = await hub.cancel(activity.id, SYSTEM).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotCancellableError);
    expect(error).toMatchObject({ code: 'ACT_ERR_NOT_CANCELLABLE', status: 409 });
    expect(signal.aborted).toBe(false);
    expect((await hub.get(activity.id, SYSTEM)).state).toBe('running');
    hold.resolve();
    expect((await ended).state).toBe('completed');
  });

  it('cancelling an ended activity is an EndedError', async () => {
    const { hub } = await startHub();
    const { activity, ended } = await hub.run({ type: 'upload' }, async () => ({}));
    await ended;
    await expect(hub.cancel(activity.id, SYSTEM)).rejects.toMatchObject({ code: 'ACT_ERR_ENDED', details: { state: 'completed' } });
  });
});

describe('remote activities', () => {
  it.each([
    ['completed', (hub: Awaited<ReturnType<typeof startHub>>['hub'], id: string) => hub.complete(id, { ok: 1 }, SYSTEM)],
    ['failed', (hub: Awaited<ReturnType<typeof startHub>>['hub'], id: string) => hub.fail(id, { message: 'boom' }, SYSTEM)],
    ['cancelled', (hub: Awaited<ReturnType<typeof startHub>>['hub'], id: string) => hub.cancel(id, SYSTEM)],
  ])('an update after the activity %s is an EndedError naming the state, and changes nothing', async (state, endIt) => {
    const { hub } = await startHub();
    const a = await hub.create({ type: 'upload' }, SYSTEM);
    const ended = await endIt(hub, a.id);
    const error = await hub.update(a.id, { progress: 10 }, SYSTEM).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EndedError);
    expect(error).toMatchObject({ code: 'ACT_ERR_ENDED', status: 409, details: { state } });
    expect(await hub.get(a.id, SYSTEM)).toEqual(ended);
  });

  it('fail defaults the error code to failed', async () => {
    const { hub } = await startHub();
    const a = await hub.create({ type: 'upload' }, SYSTEM);
    expect(await hub.fail(a.id, { message: 'boom' }, SYSTEM)).toMatchObject({ state: 'failed', error: { code: 'failed', message: 'boom' } });
  });
});

describe('hub events', () => {
  it('started, updated, ended and event listeners fire once per change, in seq order', async () => {
    const { hub } = await startHub();
    const log: Array<[string, HubEvent]> = [];
    for (const channel of ['activity.started', 'activity.updated', 'activity.ended', 'event'] as const) {
      hub.on(channel, (e) => log.push([channel, e]));
    }
    const remote = await hub.create({ type: 'upload' }, SYSTEM);
    const { ended } = await hub.run({ type: 'media.transcode' }, async (ctx) => {
      await ctx.progress(10);
      await ctx.progress(60);
      return 1;
    });
    await hub.update(remote.id, { progress: 5 }, SYSTEM);
    await hub.cancel(remote.id, SYSTEM);
    await ended;
    const all = log.filter(([channel]) => channel === 'event').map(([, e]) => e);
    expect(all).toHaveLength(7);
    all.forEach((e, i) => i > 0 && expect(e.seq).toBeGreaterThan(all[i - 1]!.seq));
    for (const type of ['activity.started', 'activity.updated', 'activity.ended'] as const) {
      expect(log.filter(([channel]) => channel === type).map(([, e]) => e)).toEqual(all.filter((e) => e.type === type));
    }
    const seqs = log.map(([, e]) => e.seq);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    expect(await hub.readLog(0, 100)).toEqual(all);
    expect((await hub.logBounds()).last).toBe(all.at(-1)!.seq);
  });

  it('a listener that throws stops neither the others nor the write', async () => {
    const { hub, events } = await startHub();
    hub.on('activity.started', () => {
      throw new Error('listener bug');
    });
    const a = await hub.create({ type: 'upload' }, SYSTEM);
    expect(events.map((e) => e.activity.id)).toEqual([a.id]);
  });
});

describe('wait and result', () => {
  it('wait resolves when the activity ends', async () => {
    const { hub } = await startHub();
    const a = await hub.create({ type: 'upload' }, SYSTEM);
    const waiting = hub.wait(a.id, 60_000, SYSTEM);
    expect(await isPending(waiting)).toBe(true);
    await hub.complete(a.id, { ok: true }, SYSTEM);
    expect(await waiting).toMatchObject({ state: 'completed', result: { ok: true } });
  });

  it('wait catches an end that happens while it starts', async () => {
    const { hub } = await startHub();
    const a = await hub.create({ type: 'upload' }, SYSTEM);
    const waiting = hub.wait(a.id, 60_000, SYSTEM);
    void hub.cancel(a.id, SYSTEM);
    expect(await isPending(waiting)).toBe(false);
    expect((await waiting).state).toBe('cancelled');
  });

  it('wait resolves to the running activity when the time is up, not before', async () => {
    const { hub, clock } = await startHub();
    const a = await hub.create({ type: 'upload' }, SYSTEM);
    const waiting = hub.wait(a.id, 5_000, SYSTEM);
    expect(await isPending(waiting)).toBe(true); // its timer is set once it has read the activity
    await clock.advance(4_999);
    expect(await isPending(waiting)).toBe(true);
    await clock.advance(1);
    expect(await waiting).toMatchObject({ id: a.id, state: 'running' });
  });

  it('wait on an ended activity answers at once', async () => {
    const { hub } = await startHub();
    const a = await hub.create({ type: 'upload' }, SYSTEM);
    await hub.cancel(a.id, SYSTEM);
    expect((await hub.wait(a.id, 60_000, SYSTEM)).state).toBe('cancelled');
  });

  it('result is {} for a completion without result, and NotCompleted naming the state otherwise', async () => {
    const { hub } = await startHub();
    const a = await hub.create({ type: 'upload' }, SYSTEM);
    const running = await hub.result(a.id, SYSTEM).catch((e: unknown) => e);
    expect(running).toBeInstanceOf(NotCompletedError);
    expect(running).toMatchObject({ code: 'ACT_ERR_NOT_COMPLETED', status: 409, details: { state: 'running' } });
    await hub.complete(a.id, undefined, SYSTEM);
    expect(await hub.result(a.id, SYSTEM)).toEqual({});
    const b = await hub.create({ type: 'upload' }, SYSTEM);
    await hub.cancel(b.id, SYSTEM);
    await expect(hub.result(b.id, SYSTEM)).rejects.toMatchObject({ details: { state: 'cancelled' } });
  });
});

describe('list', () => {
  it('filters by state groups, type prefix and owner', async () => {
    const { hub, clock } = await startHub();
    const running = await hub.create({ type: 'media.transcode' }, SYSTEM);
    await clock.advance(1);
    const done = await hub.create({ type: 'media.scan', owner: 5, groups: [] }, SYSTEM);
    await hub.complete(done.id, {}, SYSTEM);
    await clock.advance(1);
    const cancelled = await hub.create({ type: 'upload', owner: 5, groups: [] }, SYSTEM);
    await hub.cancel(cancelled.id, SYSTEM);
    const ids = async (request: Parameters<typeof hub.list>[0]) => (await hub.list(request, SYSTEM)).activities.map((a) => a.id);
    expect(await ids({ state: ['active'] })).toEqual([running.id]);
    expect(await ids({ state: ['ended'] })).toEqual([cancelled.id, done.id]);
    expect(await ids({ state: ['all'] })).toEqual([cancelled.id, done.id, running.id]);
    expect(await ids({ state: ['running', 'cancelled'] })).toEqual([cancelled.id, running.id]);
    expect(await ids({ type: ['media.*'] })).toEqual([done.id, running.id]);
    expect(await ids({ owner: [5], state: ['completed'] })).toEqual([done.id]);
    await expect(hub.list({ state: ['finished' as 'ended'] }, SYSTEM)).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('parent progress', () => {
  it('is the mean of its children, ended children counting 100', async () => {
    const { hub } = await startHub();
    const parent = await hub.create({ type: 'library.update' }, SYSTEM);
    const [c1, c2, c3] = await Promise.all([1, 2, 3].map(() => hub.create({ type: 'library.update.section', parentId: parent.id }, SYSTEM)));
    const progress = async () => {
      await settle();
      return (await hub.get(parent.id, SYSTEM)).progress;
    };
    expect(await progress()).toBe(0);
    await hub.update(c1!.id, { progress: 50 }, SYSTEM);
    await hub.update(c3!.id, { progress: 10 }, SYSTEM);
    expect(await progress()).toBe(20);
    await hub.complete(c2!.id, {}, SYSTEM);
    expect(await progress()).toBe(53.33);
    await hub.fail(c3!.id, { message: 'x' }, SYSTEM);
    expect(await progress()).toBe(83.33);
    await hub.complete(parent.id, {}, SYSTEM);
    await hub.cancel(c1!.id, SYSTEM);
    expect(await progress()).toBe(100);
  });

  it('refuses a child of an unknown parent', async () => {
    const { hub } = await startHub();
    await expect(hub.create({ type: 'x', parentId: '00000000-0000-0000-0000-000000000000' }, SYSTEM)).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('idempotent create (Idempotency-Key)', () => {
  it('a repeat gets the first activity; after the retention period the key creates anew', async () => {
    const { hub, clock, events } = await startHub({ retentionMs: 60_000 });
    const first = await hub.create({ type: 'upload', title: 'one' }, SYSTEM, { idempotencyKey: 'k' });
    await clock.advance(59_999);
    expect((await hub.create({ type: 'upload', title: 'two' }, SYSTEM, { idempotencyKey: 'k' })).id).toBe(first.id);
    await clock.advance(1);
    const later = await hub.create({ type: 'upload', title: 'three' }, SYSTEM, { idempotencyKey: 'k' });
    expect(later.id).not.toBe(first.id);
    expect(events.filter((e) => e.type === 'activity.started').map((e) => e.activity.title)).toEqual(['one', 'three']);
  });

  it('a create that died after claiming its key is completed by the repeat, under the claimed id', async () => {
    const { hub, store, events } = await startHub();
    await store.claimOnce(idempotencyClaim('k', SYSTEM), 'claimed-id', T0, T0 + 60_000); // the claim landed, the write did not
    const made = await hub.create({ type: 'upload', title: 'retry' }, SYSTEM, { idempotencyKey: 'k' });
    expect(made).toMatchObject({ id: 'claimed-id', title: 'retry', state: 'running' });
    expect((await hub.create({ type: 'upload' }, SYSTEM, { idempotencyKey: 'k' })).id).toBe('claimed-id');
    expect(events.filter((e) => e.type === 'activity.started')).toHaveLength(1);
  });
});
