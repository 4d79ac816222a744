import { toPublic, type StoredActivity } from '@activityd/core';

/** An activity's hash as stored: the document without `seq`, and `seq` beside it (the CAS field). */
export function decodeActivity(doc: string, seq: string): StoredActivity {
  return { ...(JSON.parse(doc) as Omit<StoredActivity, 'seq'>), seq: Number(seq) };
}

/** The stored document: everything but `seq`, which the write script assigns. */
export function storedDoc(a: StoredActivity): string {
  const { seq: _seq, ...doc } = a;
  return JSON.stringify(doc);
}

/**
 * The public activity as JSON without `seq` and without its closing brace: the write script
 * appends `,"seq":N}` once it knows N, so the event is serialised once, here, and never re-encoded
 * in Lua (whose JSON encoder would round numbers and turn `[]` into `{}`).
 */
export function publicPrefix(a: StoredActivity): string {
  const { seq: _seq, ...activity } = toPublic(a);
  return JSON.stringify(activity).slice(0, -1);
}
