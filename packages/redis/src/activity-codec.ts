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

/**
 * The JSON of a number, remembered for the last one asked. A busy writer's updates share their
 * `updatedAt` (and so `leaseExpiresAt`) with every other update of the same millisecond, and
 * turning a time into digits (`DoubleToCString`, beyond the small integers) was most of what an
 * update's live JSON cost.
 */
class NumberText {
  private last: number | null = null;
  private text = 'null';

  of(value: number | null): string {
    if (value !== this.last) {
      this.text = JSON.stringify(value);
      this.last = value;
    }
    return this.text;
  }
}

/** A fraction's digits by its hundredths: `''`, `'.01'` … `'.99'`, without trailing zeros. */
const HUNDREDTHS = Array.from({ length: 100 }, (_, i) => (i === 0 ? '' : `.${String(i).padStart(2, '0')}`.replace(/0$/, '')));

/**
 * The JSON of a progress value (0 to 100, or `null`). A whole number or hundredths — what reporters
 * send (12, 12.5, 12.34) — is its whole part's digits (small integers: V8's number-string cache has
 * them) and its hundredths' from a table: exactly `JSON.stringify`'s text, since the double nearest
 * to c/100 prints as the shortest decimal that reads back as it, and decimals of two places are
 * 0.01 apart, far more than a double's spacing below 1e9. Anything else by `JSON.stringify`, whose
 * shortest-digits conversion (`FastDtoa`) of a fraction was about 3 % of the writing node's samples.
 */
export function progressText(progress: number | null): string {
  if (progress !== null && progress >= 0 && progress < 1e9) {
    const hundredths = Math.round(progress * 100);
    if (hundredths / 100 === progress) {
      const fraction = hundredths % 100;
      return String((hundredths - fraction) / 100) + HUNDREDTHS[fraction]!;
    }
  }
  return JSON.stringify(progress);
}

const updatedAtText = new NumberText();
const leaseText = new NumberText();

/**
 * The live fields' JSON, as the hash and a plain stream item keep them: exactly
 * `JSON.stringify({ progress, subtitle, updatedAt, leaseExpiresAt })`, put together by hand
 * (no object per update, and the times' digits remembered, see `NumberText`).
 */
export function liveText(a: Activity): string {
  const { progress, subtitle, updatedAt, leaseExpiresAt } = a;
  // A field left undefined (not an activity the hub made) is one JSON.stringify leaves out.
  if (progress === undefined || subtitle === undefined || updatedAt === undefined || leaseExpiresAt === undefined) {
    return JSON.stringify({ progress, subtitle, updatedAt, leaseExpiresAt });
  }
  return '{"progress":' + progressText(progress) + ',"subtitle":' + JSON.stringify(subtitle) +
    ',"updatedAt":' + updatedAtText.of(updatedAt) + ',"leaseExpiresAt":' + leaseText.of(leaseExpiresAt) + '}';
}

/**
 * Does `next` differ from `base` only in its live fields? Then it can be written as a plain item.
 * Compared field by field by identity: the state machine copies unchanged fields by reference.
 * Every field but the live ones, `seq` and `runner` is named here (a test changes each field of a
 * hub-made activity in turn): a loop over `next`'s keys, with a keyed load from both objects per
 * key, cost about 0.35 µs an update against 0.05.
 */
export function onlyLiveChanged(base: Activity, runner: string | null, next: StoredActivity): boolean {
  return next.runner === runner && next.state === 'running' && next.state === base.state &&
    next.id === base.id && next.type === base.type && next.title === base.title &&
    next.cancellable === base.cancellable && next.owner === base.owner && next.groups === base.groups &&
    next.context === base.context && next.result === base.result && next.error === base.error &&
    next.parentId === base.parentId && next.createdAt === base.createdAt && next.endedAt === base.endedAt &&
    next.leaseMs === base.leaseMs && next.heartbeatMs === base.heartbeatMs;
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
