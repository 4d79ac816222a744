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
 * The public activity as JSON without `seq` and without its closing brace: sent once per write,
 * the script stores it (closed) as the document and appends `,"seq":N}` for the event once it
 * knows N — so it is serialised once, here, and never re-encoded in Lua (whose JSON encoder would
 * round numbers and turn `[]` into `{}`).
 */
export function publicPrefix(a: StoredActivity): string {
  const { seq: _seq, ...activity } = toPublic(a);
  return JSON.stringify(activity).slice(0, -1);
}
