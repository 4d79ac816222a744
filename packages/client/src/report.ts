import { isActivityEvent, type Activity } from '@activityd/protocol/types';
import { EndedError } from '@activityd/protocol/errors';
import type { ActivitydClient, CreateSpec, UpdateSpec } from './client.js';

/** What `report` starts. */
export interface ReportSpec extends CreateSpec {
  /** At most one progress update per this many ms; the latest always lands (default 250). */
  throttleMs?: number;
}

/** A remote worker's handle on its activity. */
export interface Reporter {
  readonly id: string;
  /** The activity as created. */
  readonly activity: Activity;
  /** Aborts when someone cancels the activity (or it ends otherwise). */
  readonly signal: AbortSignal;
  /** Reports progress; throttled, latest wins; never throws. */
  progress(value: number | null, subtitle?: string | null): void;
  /** Like `progress` for any field. */
  update(patch: UpdateSpec): void;
  /** Sends what waits, then completes with `result`. */
  complete(result?: Record<string, unknown>): Promise<Activity>;
  /** Fails the activity. */
  fail(error: { code?: string; message: string }): Promise<Activity>;
  /** Stops heartbeats and watching without ending the activity (its lease will lapse). */
  close(): void;
}

/** See `ActivitydClient.report`. */
export async function report(client: ActivitydClient, spec: ReportSpec): Promise<Reporter> {
  const { throttleMs = 250, ...createSpec } = spec;
  const activity = await client.create(createSpec);
  const id = activity.id;
  const ended = new AbortController();
  const heartbeatMs = activity.heartbeatMs ?? 30_000;
  let pending: UpdateSpec | null = null;
  let lastSent = Date.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let sending: Promise<void> = Promise.resolve();
  let closed = false;

  const end = (reason: string) => {
    if (!ended.signal.aborted) ended.abort(new Error(reason));
  };
  const send = (patch: UpdateSpec) => {
    lastSent = Date.now();
    sending = sending.then(() => client.update(id, patch)).then(() => undefined, (error: unknown) => {
      if (error instanceof EndedError) end(`activity ${id} ${String(error.details?.state ?? 'ended')}`);
    });
    return sending;
  };
  const schedule = () => {
    if (closed) return;
    clearTimeout(timer);
    const due = pending ? lastSent + throttleMs : lastSent + heartbeatMs;
    timer = setTimeout(() => {
      const patch = pending ?? {};
      pending = null;
      void send(patch).then(schedule);
    }, Math.max(0, due - Date.now()));
  };
  const stop = () => {
    closed = true;
    clearTimeout(timer);
    watcher.abort();
  };

  // Learn of a cancel at once from the event stream, not only from the next update's 409.
  const watcher = new AbortController();
  void (async () => {
    try {
      for await (const item of client.watch({ id: [id], feed: false }, { since: activity.seq, signal: watcher.signal })) {
        const a = item.type === 'reset' ? item.activities.find((x) => x.id === id) : isActivityEvent(item) ? item.activity : undefined;
        if (a && a.state !== 'running') return end(`activity ${id} ${a.state}`);
      }
    } catch {
      // The heartbeat's 409 still tells.
    }
  })();
  ended.signal.addEventListener('abort', stop, { once: true });
  schedule();

  const finish = async (body: () => Promise<Activity>) => {
    stop();
    if (pending) await send(pending);
    pending = null;
    await sending;
    return body();
  };
  return {
    id,
    activity,
    signal: ended.signal,
    progress: (value, subtitle) => {
      pending = { ...pending, progress: value, ...(subtitle !== undefined ? { subtitle } : {}) };
      schedule();
    },
    update: (patch) => {
      pending = { ...pending, ...patch };
      schedule();
    },
    complete: (result) => finish(() => client.complete(id, result)),
    fail: (error) => finish(() => client.fail(id, error)),
    close: stop,
  };
}
