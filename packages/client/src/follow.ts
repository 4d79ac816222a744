import { isActivityEvent, type Activity } from '@activityd/protocol/types';
import { ValidationError } from '@activityd/protocol/errors';
import type { ActivitydClient } from './client.js';
import { outcomeError } from './outcome-errors.js';

/** Follows one activity: iterate it for progress, await it for the result. */
export interface FollowHandle<T> extends AsyncIterable<Activity>, PromiseLike<T> {
  /** The activity's id. */
  readonly id: string;
}

/** The activity id a `202 Accepted` reply points at (`X-Activity`, or Plex's `X-Plex-Activity`). */
export function activityIdOf(response: Response): string {
  const id = response.headers.get('x-activity') ?? response.headers.get('x-plex-activity');
  if (!id) throw new ValidationError(`the reply (${response.status}) carries no X-Activity header to follow`);
  return id;
}

/** Yields the activity as it changes, from its current state to its end; resumes across reconnects. */
async function* states(client: ActivitydClient, id: string, signal?: AbortSignal): AsyncGenerator<Activity> {
  const first = await client.get(id, { signal });
  yield first;
  if (first.state !== 'running') return;
  const controller = new AbortController();
  const stop = () => controller.abort();
  signal?.addEventListener('abort', stop, { once: true });
  try {
    for await (const item of client.watch({ id: [id], feed: false }, { since: first.seq, signal: controller.signal })) {
      const activity = item.type === 'reset' ? item.activities.find((a) => a.id === id) : isActivityEvent(item) ? item.activity : undefined;
      if (!activity) continue;
      yield activity;
      if (activity.state !== 'running') return;
    }
  } finally {
    signal?.removeEventListener('abort', stop);
    controller.abort();
  }
}

async function outcome<T>(client: ActivitydClient, id: string, signal?: AbortSignal): Promise<T> {
  let last: Activity | undefined;
  for await (const activity of states(client, id, signal)) last = activity;
  if (!last || last.state === 'running') throw signal?.reason ?? new Error(`stopped following activity ${id}`);
  if (last.state !== 'completed') throw outcomeError(last);
  return (last.result ?? {}) as T;
}

/** See `ActivitydClient.follow`. */
export function follow<T>(client: ActivitydClient, target: string | Response, options: { signal?: AbortSignal }): FollowHandle<T> {
  const id = typeof target === 'string' ? target : activityIdOf(target);
  let result: Promise<T> | undefined;
  return {
    id,
    [Symbol.asyncIterator]: () => states(client, id, options.signal),
    then: (onFulfilled, onRejected) => (result ??= outcome<T>(client, id, options.signal)).then(onFulfilled, onRejected),
  };
}
