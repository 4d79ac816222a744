import type { Activity, IndexEntry, ModelChange } from '@activityd/protocol/types';
import { call, queryString, type CallOptions, type Transport } from './http.js';
import { follow, type FollowHandle } from './follow.js';
import { report, type Reporter, type ReportSpec } from './report.js';
import { watchEvents, type WatchFilters, type WatchItem, type WatchOptions } from './watch.js';

/** Options of {@link ActivitydClient}. */
export interface ClientOptions {
  /** The server, e.g. `http://127.0.0.1:4600`. */
  baseUrl: string;
  /** A bearer token. */
  token?: string;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
  /** Default per-call timeout (30 s). */
  timeoutMs?: number;
  /** Retries of safe calls (default 3). */
  retries?: number;
  /** A `fetch` to use instead of the global one. */
  fetch?: typeof fetch;
}

/** A list request: the native filters. */
export interface ListOptions extends CallOptions {
  state?: string[];
  type?: string[];
  owner?: number[];
  id?: string[];
  parentId?: string;
  limit?: number;
  cursor?: string;
}

/** What a new remote activity may carry. */
export interface CreateSpec {
  type: string;
  title?: string;
  subtitle?: string | null;
  progress?: number | null;
  cancellable?: boolean;
  context?: Record<string, string | number | boolean | null>;
  parentId?: string | null;
  groups?: string[];
  owner?: number | null;
}

/** A progress report. */
export interface UpdateSpec {
  progress?: number | null;
  title?: string;
  subtitle?: string | null;
  context?: Record<string, string | number | boolean | null>;
}

/**
 * The activityd client: typed calls for every native route, live events that never miss one,
 * following an operation to its result, and reporting remote work. No dependencies; runs in
 * browsers and on Node ≥ 20.
 * @example
 * const client = new ActivitydClient({ baseUrl: 'http://127.0.0.1:4600', token });
 * const result = await client.follow(await fetch('/library/scan', { method: 'POST' }));
 */
export class ActivitydClient {
  private readonly t: Transport;

  constructor(options: ClientOptions) {
    const headers = { ...options.headers, ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) };
    this.t = {
      baseUrl: options.baseUrl.replace(/\/+$/, ''),
      headers: () => headers,
      fetch: options.fetch ?? ((...args) => globalThis.fetch(...args)),
      timeoutMs: options.timeoutMs ?? 30_000,
      retries: options.retries ?? 3,
    };
  }

  /** Visible activities, newest first, one page. */
  list(options: ListOptions = {}): Promise<{ activities: Activity[]; nextCursor: string | null }> {
    const { signal, timeoutMs, ...query } = options;
    return call(this.t, 'GET', `/v1/activities${queryString(query)}`, undefined, { signal, timeoutMs });
  }

  /** One activity; with `waitSeconds`, long-polls until it ends (≤ 60 s). */
  get(id: string, options: CallOptions & { waitSeconds?: number } = {}): Promise<Activity> {
    const timeoutMs = options.timeoutMs ?? Math.max(this.t.timeoutMs, (options.waitSeconds ?? 0) * 1000 + 10_000);
    return call(this.t, 'GET', `/v1/activities/${encodeURIComponent(id)}${queryString({ wait: options.waitSeconds })}`, undefined, { ...options, timeoutMs });
  }

  /** Creates a remote activity (its lease and heartbeat are in the reply). */
  create(spec: CreateSpec, options?: CallOptions): Promise<Activity> {
    return call(this.t, 'POST', '/v1/activities', spec, options);
  }

  /** Reports progress; renews the lease. A 409 `EndedError` says it ended (e.g. was cancelled). */
  update(id: string, patch: UpdateSpec, options?: CallOptions): Promise<Activity> {
    return call(this.t, 'PATCH', `/v1/activities/${encodeURIComponent(id)}`, patch, options);
  }

  /** Completes an activity with its result. */
  complete(id: string, result?: Record<string, unknown>, options?: CallOptions): Promise<Activity> {
    return call(this.t, 'PATCH', `/v1/activities/${encodeURIComponent(id)}`, { state: 'completed', ...(result ? { result } : {}) }, options);
  }

  /** Fails an activity. */
  fail(id: string, error: { code?: string; message: string }, options?: CallOptions): Promise<Activity> {
    return call(this.t, 'PATCH', `/v1/activities/${encodeURIComponent(id)}`, { state: 'failed', error }, options);
  }

  /** Cancels an activity. */
  cancel(id: string, options?: CallOptions): Promise<Activity> {
    return call(this.t, 'DELETE', `/v1/activities/${encodeURIComponent(id)}`, undefined, options);
  }

  /** The result of a completed activity; a `NotCompletedError` otherwise. */
  result<T extends Record<string, unknown> = Record<string, unknown>>(id: string, options?: CallOptions): Promise<T> {
    return call(this.t, 'GET', `/v1/activities/${encodeURIComponent(id)}/result`, undefined, options);
  }

  /** The change feed: entries written after `since` (the previous reply's `now`). */
  changes(options: CallOptions & { since?: number; include?: Array<'modelChanges' | 'modelChangesES'> } = {}): Promise<{ now: number; modelChanges?: ModelChange[]; modelChangesES?: IndexEntry[] }> {
    const { signal, timeoutMs, ...query } = options;
    return call(this.t, 'GET', `/v1/changes${queryString(query)}`, undefined, { signal, timeoutMs });
  }

  /** Records document changes. */
  recordChanges(changes: Array<{ model: string; id: string | number; action?: string; at?: number; groups?: string[] }>, options?: CallOptions): Promise<{ recorded: number }> {
    return call(this.t, 'POST', '/v1/changes', { changes }, options);
  }

  /** Who was seen, and when. */
  presence(options?: CallOptions): Promise<{ presence: Array<{ userId: number; name: string; seenAt: number }> }> {
    return call(this.t, 'GET', '/v1/presence', undefined, options);
  }

  /** Who this client's credentials belong to, and their scopes: a UI offers only what will work. */
  me(options?: CallOptions): Promise<{ userId: number | null; admin: boolean; scopes: string[]; groups: string[]; service: boolean }> {
    return call(this.t, 'GET', '/v1/me', undefined, options);
  }

  /** Access management (admin scope). */
  readonly admin = {
    create: <T = unknown>(kind: 'users' | 'groups' | 'tokens' | 'keys', body: Record<string, unknown>, options?: CallOptions): Promise<T> =>
      call(this.t, 'POST', `/v1/admin/${kind}`, body, options),
    list: <T = unknown>(kind: 'users' | 'groups' | 'tokens' | 'keys', options?: CallOptions): Promise<T[]> =>
      call<Record<string, T[]>>(this.t, 'GET', `/v1/admin/${kind}`, undefined, options).then((r) => r[kind] ?? []),
    remove: (kind: 'users' | 'groups' | 'tokens' | 'keys', id: string | number, options?: CallOptions): Promise<void> =>
      call(this.t, 'DELETE', `/v1/admin/${kind}/${encodeURIComponent(String(id))}`, undefined, options),
  };

  /** Live events: reconnects and resumes by cursor, so the caller never sees a gap or a duplicate. */
  watch(filters: WatchFilters = {}, options: WatchOptions = {}): AsyncGenerator<WatchItem> {
    return watchEvents(this.t, filters, options);
  }

  /**
   * Follows one activity — by id, or the `202` reply of an endpoint that carries `X-Activity` —
   * yielding it as it progresses; awaiting the handle gives the result, or rejects with
   * `ActivityFailedError`, `ActivityCancelledError` or `ActivityExpiredError`.
   */
  follow<T extends Record<string, unknown> = Record<string, unknown>>(target: string | Response, options: { signal?: AbortSignal } = {}): FollowHandle<T> {
    return follow<T>(this, target, options);
  }

  /** Runs remote work as an activity: creates it, throttles progress, keeps its lease alive, and aborts `signal` on cancel. */
  report(spec: ReportSpec): Promise<Reporter> {
    return report(this, spec);
  }
}
