import { ActivitydError, errorFromBody, isErrorCode, UnavailableError, type ErrorBody } from '@activityd/protocol/errors';

/** Per-call options: every call can be aborted and has a timeout. */
export interface CallOptions {
  signal?: AbortSignal;
  /** Milliseconds before the call is abandoned (default: the client's, 30 s). */
  timeoutMs?: number;
  /**
   * Sent as `Idempotency-Key` (`create` honours it): a repeat with the same key gets the first
   * call's activity, so the call is retried like a GET after a network failure or a 503.
   */
  idempotencyKey?: string;
}

/** How the client reaches the server. */
export interface Transport {
  baseUrl: string;
  headers: () => Record<string, string>;
  fetch: typeof fetch;
  timeoutMs: number;
  /** Retries of safe calls after a network failure or a 503 (default 3). */
  retries: number;
}

const sleep = (ms: number, signal?: AbortSignal) => new Promise<void>((resolve, reject) => {
  if (signal?.aborted) return reject(signal.reason);
  const onAbort = () => { clearTimeout(timer); reject(signal!.reason); };
  const timer = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
  signal?.addEventListener('abort', onAbort, { once: true });
});

/** Exponential backoff with jitter: 250 ms, 500 ms, 1 s, ... up to `max`. */
export function backoff(attempt: number, max = 10_000): number {
  const base = Math.min(max, 250 * 2 ** attempt);
  return base / 2 + Math.random() * (base / 2);
}

export { sleep };

/** A query string from a record; arrays become comma-separated values, `undefined` is left out. */
export function queryString(query: Record<string, unknown> | undefined): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v === undefined || v === null) continue;
    params.set(k, Array.isArray(v) ? v.join(',') : String(v));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

/**
 * One HTTP call: JSON in, JSON out, coded errors rebuilt as their typed classes. Safe calls
 * (GET, and calls with an idempotency key) are retried with backoff after a network failure or a
 * 503; others never are.
 */
export async function call<T>(t: Transport, method: string, path: string, body?: unknown, options: CallOptions = {}): Promise<T> {
  const safe = method === 'GET' || options.idempotencyKey !== undefined;
  for (let attempt = 0; ; attempt++) {
    const timeout = AbortSignal.timeout(options.timeoutMs ?? t.timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    let response: Response;
    try {
      response = await t.fetch(`${t.baseUrl}${path}`, {
        method,
        headers: {
          ...t.headers(),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(options.idempotencyKey !== undefined ? { 'idempotency-key': options.idempotencyKey } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal,
      });
    } catch (error) {
      if (options.signal?.aborted || !safe || attempt >= t.retries) throw error;
      await sleep(backoff(attempt), options.signal);
      continue;
    }
    if (response.status === 503 && safe && attempt < t.retries) {
      await sleep(Number(response.headers.get('retry-after') ?? 0) * 1000 || backoff(attempt), options.signal);
      continue;
    }
    const text = await response.text();
    const json: unknown = text ? JSON.parse(text) : undefined;
    if (response.ok) return json as T;
    throw toError(response.status, json);
  }
}

function toError(status: number, json: unknown): ActivitydError {
  const body = json as Partial<ErrorBody> | undefined;
  if (body?.error && isErrorCode(body.error.code)) return errorFromBody(body as ErrorBody);
  if (status === 503) return new UnavailableError('the server is unavailable');
  return new ActivitydError('ACT_ERR_INTERNAL', `unexpected reply ${status}`);
}
