import type { Activity, ActivityEventType, HubEvent } from '@activityd/protocol/types';
import type { LiveFields } from './activity-codec.js';

/** A stream entry as ioredis returns it: its id and its field/value list. */
export type Entry = [id: string, fields: string[]];

/**
 * A stream entry as the live reader reads it (`callBuffer`): the same, as bytes, so that an entry
 * of plain items can be read without a string of it (see `PlainScanner`).
 */
export type RawEntry = [id: Buffer, fields: Buffer[]];

/** A write that stored the whole activity (see `write-many.lua`). */
export interface FullItem {
  seq: number;
  type: ActivityEventType;
  at: number;
  activity: Activity;
  /** The node running it in-process; absent for remote work. */
  runner?: string;
  /** The document this write replaced, when plain items were built on it (at seq `pseq`). */
  prev?: Omit<Activity, 'seq'>;
  pseq?: number;
}

/** An `activity.updated` that changed only the live fields, built on the document written at `d`. */
export interface PlainItem {
  seq: number;
  id: string;
  d: number;
  live: LiveFields;
}

/** A whole event in an entry of its own: change-feed events (and activity events of older writers). */
export interface EventItem {
  seq: number;
  event: HubEvent;
}

export type StreamItem = FullItem | PlainItem | EventItem;

export const isPlain = (item: StreamItem): item is PlainItem => 'live' in item;
export const isEvent = (item: StreamItem): item is EventItem => 'event' in item;

/**
 * The items of `entries` with `seq > after`, in seq order. An entry is one whole event (field `e`,
 * id `<seq>-0`) or the items of one `write-many` call (id `<last seq>-0`): lines (field `l`, see
 * `write-many.lua`), or a JSON array (field `b`, written by the previous version).
 */
export function decodeEntries(entries: readonly Entry[], after: number): StreamItem[] {
  const items: StreamItem[] = [];
  for (const [, fields] of entries) {
    if (fields[0] === LINES) {
      decodeLines(fields[1]!, after, items);
    } else if (fields[0] === 'b') {
      for (const item of JSON.parse(fields[1]!) as Array<FullItem | PlainItem>) if (item.seq > after) items.push(item);
    } else {
      const event = JSON.parse(fields[1]!) as HubEvent;
      if (event.seq > after) items.push({ seq: event.seq, event });
    }
  }
  return items;
}

/**
 * Appends the items of a `write-many` entry's lines with `seq > after`: after the first seq, a full
 * item is one line of JSON (a `{`), a plain item three (id, document seq, live fields' JSON); each
 * takes the seq after the one before.
 */
function decodeLines(text: string, after: number, items: StreamItem[]): void {
  const lines = text.split('\n');
  let seq = Number(lines[0]);
  for (let i = 1; i < lines.length; seq++) {
    const line = lines[i]!;
    if (line.startsWith('{')) {
      if (seq > after) items.push(JSON.parse(line) as FullItem);
      i += 1;
    } else {
      if (seq > after) items.push({ seq, id: line, d: Number(lines[i + 1]), live: JSON.parse(lines[i + 2]!) as LiveFields });
      i += 3;
    }
  }
}

/** The seq of an entry's last item: its id's first part. */
export function entrySeq([id]: Entry): number {
  return Number(id.slice(0, id.indexOf('-')));
}

/** The seq of an entry's first item, without parsing the rest of it. */
export function firstSeq([id, fields]: Entry): number {
  if (fields[0] === LINES) return Number(fields[1]!.slice(0, fields[1]!.indexOf('\n')));
  if (fields[0] === 'b') return Number(/^\[\{"seq":(\d+)/.exec(fields[1]!)?.[1] ?? id.slice(0, id.indexOf('-')));
  return Number(id.slice(0, id.indexOf('-')));
}

/** The seq of a raw entry's last item: its id's first part. */
export function rawEntrySeq([id]: RawEntry): number {
  let seq = 0;
  for (let i = 0; i < id.length && id[i] !== DASH; i++) seq = seq * 10 + (id[i]! - ZERO);
  return seq;
}

/** Raw entries as text, as `decodeEntries` reads them. */
export function textEntries(entries: readonly RawEntry[]): Entry[] {
  return entries.map(([id, fields]) => [id.toString(), fields.map((field) => field.toString())]);
}

/** The field of a `write-many` entry's lines. */
export const LINES = 'l';
const DASH = '-'.charCodeAt(0);
const ZERO = '0'.charCodeAt(0);
