import type { Activity, HubEvent } from '@activityd/protocol/types';
import { UnauthenticatedError, ForbiddenError, ValidationError } from '@activityd/protocol/errors';
import { backoff, queryString, sleep, type Transport } from './http.js';
import { readSse } from './sse-reader.js';

/** What `watch` selects: the stream filters of the server (DESIGN 11). */
export interface WatchFilters {
  id?: string[];
  type?: string[];
  state?: string[];
  owner?: number[];
  parentId?: string[];
  /** Include change-feed events (default true). */
  feed?: boolean;
}

/** A snapshot sent when the cursor is older than the server's log: the visible activities now. */
export interface ResetSnapshot {
  type: 'reset';
  seq: number;
  activities: Activity[];
}

/** What `watch` yields: events in `seq` order, and a reset snapshot when one was needed. */
export type WatchItem = HubEvent | ResetSnapshot;

/** Options of `watch`. */
export interface WatchOptions {
  /** Resume after this `seq` (default: from now). */
  since?: number;
  signal?: AbortSignal;
  /** Called on every (re)connection state change, for "live / reconnecting" indicators. */
  onState?: (state: 'connecting' | 'live' | 'reconnecting') => void;
}

/**
 * The server's live events as an async iterator that reconnects with backoff and resumes by
 * cursor: no gap, no duplicate. Ends when `signal` aborts or the consumer stops iterating.
 */
export async function* watchEvents(t: Transport, filters: WatchFilters = {}, options: WatchOptions = {}): AsyncGenerator<WatchItem> {
  let cursor = options.since;
  let failures = 0;
  for (let first = true; !options.signal?.aborted; first = false) {
    options.onState?.(first ? 'connecting' : 'reconnecting');
    try {
      const response = await t.fetch(`${t.baseUrl}/v1/events${queryString({ ...filters, since: cursor })}`, {
        headers: { ...t.headers(), accept: 'text/event-stream' }, signal: options.signal,
      });
      if (response.status === 401) throw new UnauthenticatedError('the token was refused');
      if (response.status === 403) throw new ForbiddenError('not allowed to watch');
      if (response.status === 400) throw new ValidationError(`bad filters: ${await response.text()}`);
      if (!response.ok || !response.body) throw new Error(`event stream answered ${response.status}`);
      options.onState?.('live');
      failures = 0;
      for await (const message of readSse(response.body)) {
        if (message.data === '') {
          // The cursor the stream starts after: a watch "from now" resumes from it if the
          // connection dies before the first event.
          if (cursor === undefined && message.id !== undefined && /^\d+$/.test(message.id)) cursor = Number(message.id);
          continue;
        }
        if (message.event === 'close') {
          // The server ends the stream with the `seq` to resume after: a watch "from now" that has
          // had no event yet resumes from there, not from a later "now" (that would be a gap).
          const close = JSON.parse(message.data) as { seq?: unknown };
          if (cursor === undefined && typeof close.seq === 'number') cursor = close.seq;
          break;
        }
        const item = JSON.parse(message.data) as WatchItem;
        if (cursor !== undefined && item.type !== 'reset' && item.seq <= cursor) continue;
        cursor = item.seq;
        yield item;
      }
    } catch (error) {
      if (options.signal?.aborted) return;
      if (error instanceof UnauthenticatedError || error instanceof ForbiddenError || error instanceof ValidationError) throw error;
    }
    if (options.signal?.aborted) return;
    try {
      await sleep(backoff(failures++), options.signal);
    } catch {
      return;
    }
  }
}
