import { isActivityEvent, type Activity, type ActivityEventType, type ActivityState, type HubEvent, type StateFilter } from '@activityd/protocol/types';
import { EndedError, ForbiddenError, NotCompletedError, UnavailableError, ValidationError } from '@activityd/protocol/errors';
import { requireReporter, requireScope, requireVisible, SYSTEM, type Principal } from './access/rules.js';
import {
  applyCancel, applyEnd, applyPatch, newActivity, toPublic,
  type ActivityEnd, type ActivityPatch, type ActivitySpec, type StoredActivity,
} from './activity.js';
import { EventFanout } from './event-fanout.js';
import { idempotencyClaim } from './idempotency.js';
import type { HubEventMap } from './hub-events.js';
import { resolveHubOptions, type HubOptions, type ResolvedHubOptions } from './options.js';
import { CoalescingReporter, type RunContext } from './run-context.js';
import { statesOf } from './state-filter.js';
import type { ActivityQuery } from './store.js';
import { Timers } from './timers.js';
import { StreamRegistry } from './stream/stream-registry.js';
import { AccessService } from './access/access-service.js';
import { ChangeFeed } from './feed/change-feed.js';
import { NodeWatch } from './node-watch.js';

/** What {@link ActivityHub.run} returns once the activity has started. */
export interface RunHandle {
  /** The activity as it started. */
  activity: Activity;
  /** Resolves to the ended activity, whatever way it ended; never rejects. */
  ended: Promise<Activity>;
}

/** How to create an activity. */
export interface CreateOptions {
  /** A repeated create with the same key (per user) gets the first one's activity (DESIGN 11). */
  idempotencyKey?: string;
}

/** A list request in wire terms. */
export interface ListRequest {
  state?: StateFilter[];
  type?: string[];
  owner?: number[];
  parentId?: string;
  id?: string[];
  /** Only activities that ended at or after this time (epoch ms). */
  endedSince?: number;
  limit?: number;
  cursor?: string;
}

const MAX_CONFLICT_RETRIES = 20;
const CHUNK = 500;

/**
 * The core of activityd: every rule about activities lives here, once, and every surface
 * (native API, dialects, streams, the embedding backend) calls it.
 * @example
 * const hub = new ActivityHub({ store: new MemoryStore() });
 * await hub.start();
 * const { activity } = await hub.run({ type: 'media.transcode', title: 'Alien (1979)' }, async (ctx) => {
 *   for (let i = 0; i <= 100; i += 10) { ctx.signal.throwIfAborted(); await ctx.progress(i); }
 *   return { bytes: 1234 };
 * });
 */
export class ActivityHub {
  /** The options in force, defaults applied. */
  readonly options: ResolvedHubOptions;
  /** Live subscribers (SSE, WebSocket, in-process), each filtered and bounded on its own. */
  readonly streams: StreamRegistry;
  /** Users, groups, tokens, keys, signed requests and presence. */
  readonly access: AccessService;
  /** The change feed: `modelChanges` and `modelChangesES`. */
  readonly changes: ChangeFeed;
  private readonly fanouts = new Map<keyof HubEventMap, EventFanout>();
  private readonly work = new Map<string, AbortController>();
  /** Parents whose progress is due to be recomputed; many child events in one turn cost one roll-up. */
  private readonly rollUps = new Set<string>();
  private timers: Timers | null = null;
  /** Node liveness, with a store several nodes share. */
  private readonly nodeWatch: NodeWatch | null;
  private unsubscribe: (() => void) | null = null;
  private started = false;

  constructor(options: HubOptions) {
    this.options = resolveHubOptions(options);
    this.streams = new StreamRegistry(this, options.streamLimits);
    this.access = new AccessService({ store: this.options.store.access, clock: this.options.clock, serverKey: options.serverKey });
    this.changes = new ChangeFeed({
      store: this.options.store, clock: this.options.clock, logger: this.options.logger,
      onChange: (listener) => this.on('change.model', (e) => listener(e.change)),
    });
    const nodes = this.options.store.nodes;
    this.nodeWatch = nodes ? new NodeWatch({
      nodes, nodeId: this.options.nodeId, timeoutMs: this.options.nodeTimeoutMs,
      runsHere: (id) => this.work.has(id), interrupt: (id) => this.interrupt(id), now: () => this.now(),
    }) : null;
  }

  private get store() {
    return this.options.store;
  }

  private now(): number {
    return this.options.clock.now();
  }

  /**
   * Opens the store, ends in-process work a previous process (or, on a shared store, a dead node)
   * left running, and starts the lease, retention and node liveness loops.
   */
  async start(): Promise<void> {
    if (this.started) return;
    await this.store.open();
    this.unsubscribe = this.store.subscribe((event) => this.dispatch(event), () => this.streams.closeAll('lost the shared store\'s event stream; reconnect to resume'));
    this.started = true;
    const timers = new Timers(this.options.clock, (error) => this.options.logger.warn({ err: error }, 'background job failed'));
    if (this.nodeWatch) {
      const watch = this.nodeWatch;
      await watch.beat();
      await watch.recover();
      timers.every(this.options.nodeBeatMs, () => watch.beat());
      timers.every(this.options.nodeCheckMs, () => watch.check());
    } else {
      await this.recover();
    }
    timers.every(this.options.leaseCheckMs, () => this.expireLapsed());
    timers.every(this.options.retentionCheckMs, () => this.purgeEnded());
    timers.every(this.options.feedCheckMs, () => this.changes.purge(this.options.feedRetentionMs));
    this.timers = timers;
  }

  /** Stops the loops and closes the store. In-process work still running is `interrupted` at the next start. */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    this.streams.closeAll();
    this.timers?.clear();
    await this.changes.close();
    await this.nodeWatch?.leave().catch((error: unknown) => this.options.logger.warn({ err: error }, 'could not remove this node\'s liveness mark'));
    this.unsubscribe?.();
    await this.store.close();
  }

  /**
   * Subscribes to hub events; returns a function that unsubscribes.
   * @example
   * const off = hub.on('activity.ended', (e) => console.log(e.activity.state));
   */
  on<K extends keyof HubEventMap>(type: K, listener: (event: HubEventMap[K]) => void): () => void {
    let fanout = this.fanouts.get(type);
    if (!fanout) this.fanouts.set(type, (fanout = new EventFanout((error) => this.options.logger.error({ err: error }, 'event listener failed'))));
    return fanout.add(listener as (event: HubEvent) => void);
  }

  /** How many listeners of `type` are registered (read-only; for leak checks and metrics). */
  listenerCount(type: keyof HubEventMap): number {
    return this.fanouts.get(type)?.size ?? 0;
  }

  /** Runs `work` in this process as a new activity. Cancelling it aborts `ctx.signal`. */
  async run(spec: ActivitySpec, work: (ctx: RunContext) => Promise<unknown>, who: Principal = SYSTEM): Promise<RunHandle> {
    const draft = newActivity(await this.specFor(spec, who), this.now(), null, this.options.nodeId);
    const controller = new AbortController();
    this.work.set(draft.id, controller);
    let activity: Activity;
    try {
      activity = await this.insert(draft);
    } catch (error) {
      this.work.delete(draft.id);
      throw error;
    }
    return { activity, ended: this.execute(activity, work, controller) };
  }

  /** Creates a remote activity; its reporter must update it within the lease. */
  async create(spec: ActivitySpec, who: Principal, { idempotencyKey }: CreateOptions = {}): Promise<Activity> {
    requireScope(who, 'report');
    const { leaseMs, heartbeatMs } = this.options;
    const draft = newActivity(await this.specFor(spec, who), this.now(), { leaseMs, heartbeatMs }, null);
    return idempotencyKey === undefined ? this.insert(draft) : this.insertOnce(draft, idempotencyKey, who);
  }

  /**
   * Reports progress, title, subtitle or context, and renews the lease; with `end`, also ends the
   * activity in the same write.
   */
  update(id: string, patch: ActivityPatch & { end?: ActivityEnd }, who: Principal): Promise<Activity> {
    // Not an async function: it returns mutate's promise itself, not a promise of it (two
    // microtask turns and a promise fewer per update); a malformed call still rejects.
    try {
      const end = patch.end; // applyPatch reads only the report's fields
      return this.mutate(id, who, end ? 'activity.ended' : 'activity.updated', (a) => {
        requireReporter(who, a);
        const next = applyPatch(a, patch, this.now());
        return end ? applyEnd(next, end, this.now()) : next;
      }, { asReporter: true });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Ends an activity as `completed` (with a result) or `failed` (with an error). */
  end(id: string, end: ActivityEnd, who: Principal): Promise<Activity> {
    return this.update(id, { end }, who);
  }

  /** Completes an activity with `result`. */
  complete(id: string, result: unknown, who: Principal): Promise<Activity> {
    return this.end(id, { state: 'completed', result }, who);
  }

  /** Fails an activity. */
  fail(id: string, error: { code?: string; message: string }, who: Principal): Promise<Activity> {
    return this.end(id, { state: 'failed', error: { code: error.code ?? 'failed', message: error.message } }, who);
  }

  /** Cancels an activity: it ends before this resolves, and in-process work sees `ctx.signal` abort. */
  async cancel(id: string, who: Principal, reason = 'cancelled'): Promise<Activity> {
    return this.mutate(id, who, 'activity.ended', (a) => {
      requireScope(who, 'cancel');
      return applyCancel(a, this.now(), reason);
    });
  }

  /** One visible activity. */
  async get(id: string, who: Principal): Promise<Activity> {
    requireScope(who, 'read');
    return toPublic(requireVisible(who, id, await this.store.get(id)));
  }

  /** Visible activities, newest first, one page at a time. */
  async list(request: ListRequest, who: Principal): Promise<{ activities: Activity[]; nextCursor: string | null }> {
    requireScope(who, 'read');
    const query: ActivityQuery = {
      limit: request.limit ?? 100,
      states: request.state ? statesOf(request.state) : undefined,
      types: request.type,
      owners: request.owner,
      parentId: request.parentId,
      endedSince: request.endedSince,
      ids: request.id,
      cursor: request.cursor,
      visibleTo: who.admin ? undefined : { userId: who.userId, visibleGroups: [...who.visibleGroups] },
    };
    const page = await this.store.list(query);
    await this.access.seen(who).catch((error: unknown) => this.options.logger.warn({ err: error }, 'could not record presence'));
    return { activities: page.activities.map(toPublic), nextCursor: page.nextCursor };
  }

  /** The result of a completed activity (`{}` if none); a coded 409 saying why otherwise. */
  async result(id: string, who: Principal): Promise<Record<string, unknown>> {
    const a = await this.get(id, who);
    if (a.state === 'completed') return a.result ?? {};
    const message = a.state === 'running' ? `activity ${id} is still running` : `activity ${id} ended ${a.state}, with no result`;
    throw new NotCompletedError(message, { id, state: a.state });
  }

  /**
   * Waits up to `ms` for the activity to end; resolves to it, ended or not. Aborting `signal`
   * (a closed connection) releases the wait at once.
   */
  async wait(id: string, ms: number, who: Principal, signal?: AbortSignal): Promise<Activity> {
    let ended: Activity | undefined;
    let wake: (() => void) | undefined;
    // Listen before reading, so an end between the read and the wait is not missed.
    const off = this.on('activity.ended', (e) => {
      if (e.activity.id !== id) return;
      ended = e.activity;
      wake?.();
    });
    try {
      const first = await this.get(id, who);
      if (first.state !== 'running' || ms <= 0 || signal?.aborted || ended) return ended ? await this.get(id, who) : first;
      await new Promise<void>((resolve) => {
        const cancelTimer = this.options.clock.setTimeout(() => wake?.(), ms);
        wake = () => {
          cancelTimer();
          signal?.removeEventListener('abort', wake!);
          resolve();
        };
        signal?.addEventListener('abort', wake, { once: true });
      });
      return await this.get(id, who);
    } finally {
      off();
    }
  }

  /** Resolves when the store answers; rejects while it is unreachable. */
  async ready(): Promise<void> {
    await this.store.logBounds();
  }

  /** How many activities are in each state, for metrics. */
  countByState(): Promise<Partial<Record<ActivityState, number>>> {
    return this.store.countByState();
  }

  /** The `seq` of the oldest event the log still keeps (0 when empty) and of the latest. */
  logBounds(): Promise<{ first: number; last: number }> {
    return this.store.logBounds();
  }

  /** Events of the log after `after`, oldest first, at most `limit`. Not filtered by access: streams filter. */
  readLog(after: number, limit: number): Promise<HubEvent[]> {
    return this.store.eventsAfter(after, limit);
  }

  /** How many in-process activities this hub is running now. */
  get runningHere(): number {
    return this.work.size;
  }

  /**
   * Who owns a new activity and who may see it: its creator and the creator's groups, unless a
   * service principal (or an admin) creates it on behalf of a user, whose groups it then gets.
   */
  private async specFor(spec: ActivitySpec, who: Principal): Promise<ActivitySpec> {
    if (!who.admin && spec.groups?.some((g) => !who.groups.includes(g))) {
      throw new ForbiddenError('an activity may name only groups its creator belongs to');
    }
    if (spec.owner === undefined || spec.owner === who.userId) return { ...spec, owner: who.userId, groups: spec.groups ?? [...who.groups] };
    if (!who.service && !who.admin) throw new ForbiddenError('only a service token may create activities on behalf of another user');
    if (spec.owner === null) return { ...spec, groups: spec.groups ?? [...who.groups] };
    const groups = spec.groups ?? (await this.access.groupsOf(spec.owner));
    if (!groups) throw new ValidationError(`user ${spec.owner} does not exist`, { owner: spec.owner });
    return { ...spec, groups };
  }

  private async insert(draft: StoredActivity): Promise<Activity> {
    if (draft.parentId !== null && !(await this.store.get(draft.parentId))) {
      throw new ValidationError(`parent activity ${draft.parentId} not found`, { parentId: draft.parentId });
    }
    const event = await this.store.write({ type: 'activity.started', activity: draft, expectSeq: null });
    if (!event) throw new UnavailableError('could not store the new activity');
    return event.activity;
  }

  /**
   * The first create with an idempotency key makes the activity; a repeat within the retention
   * period, whatever its body, creates nothing and gets that activity as it is now. The key is
   * claimed before the activity is written, so a create that died in between is completed by its
   * repeat (with the repeat's body, under the id the key holds).
   */
  private async insertOnce(draft: StoredActivity, key: string, who: Principal): Promise<Activity> {
    const now = this.now();
    const id = await this.store.claimOnce(idempotencyClaim(key, who), draft.id, now, now + this.options.retentionMs);
    if (id === draft.id) return this.insert(draft);
    for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt++) {
      const first = await this.store.get(id);
      if (first) return toPublic(requireVisible(who, id, first));
      // Not written (yet): the first create is still on its way, or it died after its claim.
      const event = await this.store.write({ type: 'activity.started', activity: { ...draft, id }, expectSeq: null });
      if (event) return event.activity;
    }
    throw new UnavailableError('could not store the new activity');
  }

  /**
   * Reads, checks visibility, computes the next state with `next` and writes it if nobody changed
   * the activity meanwhile; retries on a conflict. `next` returning `null` means "nothing to do".
   */
  private async mutate(
    id: string, who: Principal, type: ActivityEventType, next: (a: Readonly<StoredActivity>) => StoredActivity | null,
    { asReporter = false } = {},
  ): Promise<Activity> {
    // A service principal reports on any activity (DESIGN 11), also those it created for a user
    // outside its groups; everyone else acts only on what they can see.
    const reach = asReporter && who.service ? SYSTEM : who;
    for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt++) {
      // The first attempt may start from a store's possibly stale copy (no round trip): only a write
      // that passes the CAS counts from it; any other outcome is decided again on the stored copy.
      const maybeStale = attempt === 0 && this.store.getForUpdate !== undefined;
      // A copy held in memory is taken without an await: an update then costs one promise fewer. It
      // may be the store's own record (see `heldForUpdate`): `next` returns a new object, and
      // nothing below reads `current` after the write's await.
      const stored = maybeStale ? this.store.heldForUpdate?.(id) ?? await this.store.getForUpdate!(id) : await this.store.get(id);
      let changed: StoredActivity | null;
      let current: Readonly<StoredActivity>;
      try {
        current = requireVisible(reach, id, stored);
        changed = next(current);
      } catch (error) {
        if (maybeStale) continue;
        throw error;
      }
      if (!changed) {
        if (maybeStale) continue;
        return toPublic(current);
      }
      const event = await this.store.write({ type, activity: changed, expectSeq: current.seq });
      if (event) return event.activity;
    }
    throw new UnavailableError(`activity ${id} is changing too fast; try again`);
  }

  private async execute(started: Activity, work: (ctx: RunContext) => Promise<unknown>, controller: AbortController): Promise<Activity> {
    const id = started.id;
    const reporter = new CoalescingReporter((patch) => this.reportInternal(id, patch));
    const ctx: RunContext = {
      id,
      signal: controller.signal,
      progress: (value, subtitle) => reporter.report(subtitle === undefined ? { progress: value } : { progress: value, subtitle }),
      update: (patch) => reporter.report({ ...patch }), // the work's own object may change later
    };
    let end: ActivityEnd;
    try {
      end = { state: 'completed', result: await work(ctx) };
    } catch (error) {
      end = { state: 'failed', error: errorOf(error) };
    }
    await reporter.settled(); // reports never fail: `reportInternal` logs and swallows
    this.work.delete(id);
    try {
      return await this.end(id, end, SYSTEM);
    } catch (error) {
      if (!(error instanceof EndedError)) this.options.logger.error({ err: error, id }, 'could not end in-process activity');
      const stored = await this.store.get(id).catch(() => undefined);
      // The store is gone (the hub stopped): the next start records this work as interrupted.
      return stored ? toPublic(stored) : { ...started, state: 'failed', endedAt: this.now(), error: { code: 'interrupted', message: 'the hub stopped before the work ended' } };
    }
  }

  private async reportInternal(id: string, patch: ActivityPatch): Promise<void> {
    try {
      await this.update(id, patch, SYSTEM);
    } catch (error) {
      if (!(error instanceof EndedError)) this.options.logger.warn({ err: error, id }, 'progress report failed');
    }
  }

  private dispatch(event: HubEvent): void {
    if (!isActivityEvent(event)) {
      this.fanouts.get(event.type)?.emit(event);
      this.fanouts.get('event')?.emit(event);
      return;
    }
    // Most hubs run no work in-process (a reporting service, a reading node): no lookup per event.
    const work = this.work.size === 0 ? undefined : this.work.get(event.activity.id);
    if (work && event.type === 'activity.ended' && event.activity.state === 'cancelled') {
      // Logged: with several nodes, this line shows which node stopped the work.
      this.options.logger.info({ id: event.activity.id, nodeId: this.options.nodeId }, 'cancelled: aborting in-process work');
      work.abort(new CancelledSignal(event.activity.error?.message ?? 'cancelled'));
    }
    this.fanouts.get(event.type)?.emit(event);
    this.fanouts.get('event')?.emit(event);
    const parentId = event.activity.parentId;
    if (parentId !== null && !this.rollUps.has(parentId)) {
      this.rollUps.add(parentId);
      setImmediate(() => {
        this.rollUps.delete(parentId);
        void this.rollUp(parentId);
      });
    }
  }

  /** A parent's progress is the mean of its children's: ended children count as 100. */
  private async rollUp(parentId: string): Promise<void> {
    try {
      const { activities } = await this.store.list({ parentId, limit: 1_000 });
      if (activities.length === 0) return;
      const total = activities.reduce((sum, c) => sum + (c.state === 'running' ? c.progress ?? 0 : 100), 0);
      const progress = Math.round((total / activities.length) * 100) / 100;
      await this.mutate(parentId, SYSTEM, 'activity.updated', (p) =>
        p.state !== 'running' || p.progress === progress ? null : applyPatch(p, { progress }, this.now()));
    } catch (error) {
      this.options.logger.warn({ err: error, parentId }, 'could not roll progress up to the parent');
    }
  }

  /**
   * A store this process owns: in-process work of the previous process can never finish, so it
   * ends as failed/interrupted; remote leases restart now (nobody watched them meanwhile).
   */
  private async recover(): Promise<void> {
    for (const a of await this.store.runningInProcess(100_000)) {
      if (!this.work.has(a.id)) await this.interrupt(a.id);
    }
    let after: string | undefined;
    for (;;) {
      const batch = await this.store.runningRemote(CHUNK, after);
      for (const a of batch) {
        await this.mutate(a.id, SYSTEM, 'activity.updated', (cur) => (cur.state === 'running' ? applyPatch(cur, {}, this.now()) : null));
      }
      if (batch.length < CHUNK) break;
      after = batch.at(-1)!.id;
    }
  }

  /** Ends in-process work whose process is gone as failed/`interrupted`; nothing if it already ended. */
  private async interrupt(id: string): Promise<void> {
    const interrupted = { code: 'interrupted', message: 'the process running this activity stopped' };
    await this.mutate(id, SYSTEM, 'activity.ended', (cur) =>
      cur.state === 'running' ? applyEnd(cur, { state: 'failed', error: interrupted }, this.now()) : null);
  }

  private async expireLapsed(): Promise<void> {
    const lapsed = await this.store.lapsed(this.now(), CHUNK);
    for (const a of lapsed) {
      await this.mutate(a.id, SYSTEM, 'activity.ended', (cur) => {
        const now = this.now();
        if (cur.state !== 'running' || cur.leaseExpiresAt === null || cur.leaseExpiresAt > now) return null;
        return applyEnd(cur, { state: 'expired', error: { code: 'lease_expired', message: `no update for ${cur.leaseMs} ms` } }, now);
      }).catch((error: unknown) => this.options.logger.warn({ err: error, id: a.id }, 'could not expire activity'));
    }
  }

  private async purgeEnded(): Promise<void> {
    const before = this.now() - this.options.retentionMs;
    while ((await this.store.purgeEnded(before, CHUNK)) === CHUNK) {
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
}

/** The reason `ctx.signal` carries when an activity is cancelled. */
export class CancelledSignal extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CancelledSignal';
  }
}

function errorOf(error: unknown): { code: string; message: string } {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { code: typeof code === 'string' && code ? code : 'error', message: error.message || error.name };
  }
  return { code: 'error', message: String(error) };
}
