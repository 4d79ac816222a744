import { UnavailableError } from '@activityd/protocol/errors';

/** Replies that mean "Redis cannot serve now", not "this command is wrong". */
const TRANSIENT_REPLY = /^(LOADING|BUSY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|READONLY|OOM|NOREPLICAS)\b/;

/**
 * Maps a failed Redis call to what a caller can act on: losing the connection (or a Redis that is
 * loading, read-only or out of memory) is a coded 503 `UnavailableError`; anything else — a bug
 * in a script or a command — is rethrown unchanged.
 */
export function toStoreError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  if (error.name === 'ReplyError' && !TRANSIENT_REPLY.test(error.message)) return error;
  return new UnavailableError('the Redis store is unreachable; try again shortly', { cause: error.message });
}

/** Runs a Redis call, turning connection failures into `UnavailableError`. */
export async function guarded<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toStoreError(error);
  }
}
