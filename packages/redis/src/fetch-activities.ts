import type { Redis } from 'ioredis';
import type { StoredActivity } from '@activityd/core';
import { decodeActivity, type StoredVersion } from './activity-codec.js';
import type { Keys } from './keys.js';

/**
 * Reads activities by id in one round trip, in the order asked, each with the seq of the full
 * write its document is from; ids whose activity is gone (purged since an index named it) are left out.
 */
export async function fetchVersions(redis: Redis, keys: Keys, ids: readonly string[]): Promise<StoredVersion[]> {
  if (ids.length === 0) return [];
  const pipeline = redis.pipeline();
  for (const id of ids) pipeline.hmget(keys.activity(id), 'doc', 'seq', 'runner', 'live', 'dseq');
  const replies = (await pipeline.exec()) ?? [];
  const out: StoredVersion[] = [];
  for (const [error, value] of replies) {
    if (error) throw error;
    const [doc, seq, runner, live, dseq] = value as Array<string | null>;
    if (doc && seq) out.push(decodeActivity(doc, seq, runner ?? '', live ?? null, dseq ?? null));
  }
  return out;
}

/** {@link fetchVersions} without the document's seq: what listing and `get` need. */
export async function fetchActivities(redis: Redis, keys: Keys, ids: readonly string[]): Promise<StoredActivity[]> {
  return (await fetchVersions(redis, keys, ids)).map((v) => v.activity);
}
