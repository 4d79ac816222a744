import type { Activity } from '@activityd/protocol/types';
import { toPublic, type StoredActivity } from '@activityd/core';

/**
 * An activity's hash as stored: `doc` is the public activity without `seq`; `seq` (the CAS field)
 * and `runner` (`''` for remote work) are fields of their own.
 */
export function decodeActivity(doc: string, seq: string, runner: string): StoredActivity {
  return { ...(JSON.parse(doc) as Omit<Activity, 'seq'>), seq: Number(seq), runner: runner === '' ? null : runner };
}

/**
 * The public activity (to become the event's, once the script has given it its `seq`) and its JSON
 * without `seq` and without the closing brace: sent once per write, the script stores it (closed)
 * as the document and appends `,"seq":N}` for the event once it knows N — so it is serialised
 * once, here, and never re-encoded in Lua (whose JSON encoder would round numbers and turn `[]`
 * into `{}`). One `toPublic` copy serves both: `seq` is left undefined while serialising (so
 * JSON.stringify skips it) rather than dropped with a rest copy, which costs several µs.
 */
export function publicPrefix(a: StoredActivity): { activity: Activity; text: string } {
  const activity = toPublic(a);
  (activity as { seq: number | undefined }).seq = undefined;
  const text = JSON.stringify(activity).slice(0, -1);
  return { activity, text };
}
