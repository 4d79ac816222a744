import type { Activity } from '@activityd/protocol/types';
import { toPublic, type StoredActivity } from '@activityd/core';

/**
 * The fields a plain progress update may change: the only ones a plain stream item and the hash's
 * `live` field carry. Everything else changes only by a full write, which stores the whole document.
 */
export interface LiveFields {
  progress: Activity['progress'];
  subtitle: Activity['subtitle'];
  updatedAt: Activity['updatedAt'];
  leaseExpiresAt: Activity['leaseExpiresAt'];
}


/** An activity read from its hash, and the seq of the full write its document is from. */
export interface StoredVersion {
  activity: StoredActivity;
  docSeq: number;
}

/**
 * An activity's hash as stored: `doc` is the public activity without `seq` as of the full write at
 * `dseq`; `live` (when not empty) the live fields written since; `seq` (the CAS field) and `runner`
 * (`''` for remote work) are fields of their own. A hash from before `dseq` existed holds the
 * document of its `seq`.
 */
export function decodeActivity(doc: string, seq: string, runner: string, live: string | null, dseq: string | null): StoredVersion {
  const activity = JSON.parse(doc) as StoredActivity;
  if (live) Object.assign(activity, JSON.parse(live) as LiveFields);
  activity.seq = Number(seq);
  activity.runner = runner === '' ? null : runner;
  return { activity, docSeq: Number(dseq ?? seq) };
}

/** The live fields' JSON, as the hash and a plain stream item keep them. */
export function liveText(a: Activity): string {
  return JSON.stringify({ progress: a.progress, subtitle: a.subtitle, updatedAt: a.updatedAt, leaseExpiresAt: a.leaseExpiresAt });
}

/** Fields a plain item carries (or that are not the document's): any other change needs a full write. */
function isLive(key: string): boolean {
  switch (key) {
    case 'progress': case 'subtitle': case 'updatedAt': case 'leaseExpiresAt': case 'seq': case 'runner':
      return true;
    default:
      return false;
  }
}

/**
 * Does `next` differ from `base` only in its live fields? Then it can be written as a plain item.
 * Compared field by field by identity: the state machine copies unchanged fields by reference, and
 * every field of `next` is compared (a field `base` lacks counts as changed).
 */
export function onlyLiveChanged(base: Activity, runner: string | null, next: StoredActivity): boolean {
  if (next.runner !== runner || next.state !== 'running') return false;
  for (const key in next) {
    if (!isLive(key) && next[key as keyof Activity] !== base[key as keyof Activity]) return false;
  }
  return true;
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
